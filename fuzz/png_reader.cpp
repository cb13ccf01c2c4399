// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bytes -> decode_png (libpng behind Gantry's limits and longjmp handling).
// Only DataError may come out; an accepted image is within the caps and has exactly
// width x height x channels bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gantry/error.hpp"
#include "gantry/io/png.hpp"

// The suite replays the corpora through the same function under another name
// (tests/reliability/fuzz_corpus_test.cpp).
#ifndef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GANTRY_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    try {
        const gantry::io::Image image =
            gantry::io::decode_png(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.png");
        if (image.width <= 0 || image.height <= 0 || image.width > gantry::io::kMaxPngSide ||
            image.height > gantry::io::kMaxPngSide || (image.channels != 1 && image.channels != 3))
            std::abort();
        if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
            std::abort();
    } catch (const gantry::DataError&) {
    }
    return 0;
}
