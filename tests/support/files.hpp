// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Reading a file back in a test: its bytes, or its lines.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gantry::testing {

/// The bytes of `path`, exactly ("" when it cannot be opened: the caller's CHECK then shows it).
inline std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

/// The lines of `path` without their '\n'.
inline std::vector<std::string> lines_of(const std::filesystem::path& path) {
    std::vector<std::string> out;
    std::istringstream in(slurp(path));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

/// The first run directory under `out/experiment` (a test's fresh --out holds one); empty when none.
inline std::filesystem::path only_run(const std::filesystem::path& out, const std::string& experiment) {
    for (const auto& e : std::filesystem::directory_iterator(out / experiment)) return e.path();
    return {};
}

}  // namespace gantry::testing
