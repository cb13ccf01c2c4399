// SPDX-License-Identifier: Apache-2.0
#include "io/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace gantry::io {

namespace {
#if !defined(__SSE4_2__)
constexpr std::array<uint32_t, 256> make_table() {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr std::array<uint32_t, 256> kTable = make_table();
#endif
}  // namespace

uint32_t crc32c(const void* data, size_t size, uint32_t crc) {
    const auto* p = static_cast<const unsigned char*>(data);
    uint32_t c = ~crc;
#if defined(__SSE4_2__)
    // The SSE4.2 crc32 instruction computes exactly CRC-32C; gantry_core is built -march=native.
    uint64_t c64 = c;
    while (size >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        c64 = _mm_crc32_u64(c64, word);
        p += 8;
        size -= 8;
    }
    c = static_cast<uint32_t>(c64);
    while (size-- > 0) c = _mm_crc32_u8(c, *p++);
#else
    while (size-- > 0) c = kTable[(c ^ *p++) & 0xFFu] ^ (c >> 8);
#endif
    return ~c;
}

uint32_t masked_crc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

}  // namespace gantry::io
