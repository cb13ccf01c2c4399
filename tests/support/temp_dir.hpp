// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A fresh directory under /tmp for one test, removed with everything in it afterwards.
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace gantry::testing {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char pattern[] = "/tmp/gantry-test-XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string str() const { return path.string(); }
};

}  // namespace gantry::testing
