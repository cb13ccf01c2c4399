// SPDX-License-Identifier: Apache-2.0
#pragma once
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Gantry tensor files
/// (checkpoints, weights) and of TensorBoard records. crc32c("123456789") == 0xE3069283.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gantry::io {

/// The CRC-32C of `size` bytes. Pass a previous result as `crc` to continue over a second piece:
/// crc32c(b, nb, crc32c(a, na)) == crc32c(a followed by b).
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);
inline uint32_t crc32c(std::string_view bytes, uint32_t crc = 0) {
    return crc32c(bytes.data(), bytes.size(), crc);
}

/// TFRecord's masked CRC: ((c >> 15) | (c << 17)) + 0xa282ead8, so that a CRC stored inside the
/// data it covers does not checksum to a fixed point.
uint32_t masked_crc32c(uint32_t crc);

}  // namespace gantry::io
