// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bytes -> decode_checkpoint (bounds, overflow-checked sizes, CRC32C). Only
// DataError may come out; an accepted checkpoint re-encodes to a file that decodes to the same
// tensors, bit for bit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "gantry/error.hpp"
#include "gantry/io/checkpoint.hpp"

// The suite replays the corpora through the same function under another name
// (tests/reliability/fuzz_corpus_test.cpp).
#ifndef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GANTRY_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    gantry::io::CheckpointData decoded;
    try {
        decoded = gantry::io::decode_checkpoint(std::string_view(reinterpret_cast<const char*>(data), size),
                                                "fuzz.gck");
    } catch (const gantry::DataError&) {
        return 0;
    }
    const std::string bytes = gantry::io::encode_checkpoint(decoded);
    const gantry::io::CheckpointData again = gantry::io::decode_checkpoint(bytes, "re-encoded");
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
