// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bytes -> decode_tensor_file, the one reader of checkpoints and weights
// (bounds, overflow-checked sizes, caps, CRC32C; old GANTRYCK checkpoints too). Only DataError
// may come out. An accepted file re-encodes to the same bytes when it is a tensor file (the
// encoding is canonical), and to a file that decodes to the same contents, bit for bit, always.
// (Named checkpoint_reader before tensor files; its corpus keeps the GANTRYCK inputs.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "gantry/error.hpp"
#include "gantry/serialize.hpp"

// The suite replays the corpora through the same function under another name
// (tests/reliability/fuzz_corpus_test.cpp).
#ifndef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GANTRY_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    gantry::TensorFile decoded;
    try {
        decoded = gantry::decode_tensor_file(input, "fuzz.gtf");
    } catch (const gantry::DataError&) {
        return 0;
    }
    const std::string bytes = gantry::encode_tensor_file(decoded);
    if (input.substr(0, 8) == "GANTRYTF" && bytes != input) std::abort();
    const gantry::TensorFile again = gantry::decode_tensor_file(bytes, "re-encoded");
    if (again.metadata_json != decoded.metadata_json || again.tensors.size() != decoded.tensors.size())
        std::abort();
    for (const auto& [name, t] : decoded.tensors) {
        const auto it = again.tensors.find(name);
        if (it == again.tensors.end() || !(it->second.shape() == t.shape())) std::abort();
        if (std::memcmp(it->second.data(), t.data(), static_cast<size_t>(t.numel()) * sizeof(float)) != 0)
            std::abort();
    }
    return 0;
}
