// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bytes -> read_idx (plain or gzip IDX). read_idx takes a path, so the bytes go
// into an in-memory file (memfd) opened through /proc/self/fd. Only DataError may come out; an
// accepted array holds exactly the product of its dimensions.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gantry/datasets/idx_file.hpp"
#include "gantry/error.hpp"

// The suite replays the corpora through the same function under another name
// (tests/reliability/fuzz_corpus_test.cpp).
#ifndef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GANTRY_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    static const int fd = ::memfd_create("gantry-fuzz-idx", 0);
    if (fd < 0) std::abort();
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        const gantry::datasets::IdxArray array = gantry::datasets::read_idx(path);
        uint64_t count = 1;
        for (const int64_t d : array.dims) {
            if (d <= 0) std::abort();
            count *= static_cast<uint64_t>(d);
        }
        if (array.dims.empty() || count != array.values.size()) std::abort();
    } catch (const gantry::DataError&) {
    }
    return 0;
}
