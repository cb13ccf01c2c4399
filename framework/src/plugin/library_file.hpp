// SPDX-License-Identifier: Apache-2.0
#pragma once
// Looking at a plugin file before loading it: is it a shared library this process could load,
// and does it carry the two gantry aliases? Nothing here runs any code from the file.
#include <string>
#include <vector>

namespace gantry::plugin::detail {

/// Empty when `path` looks like an ELF shared object of this machine's class and architecture
/// with sane section headers; otherwise why not ("not an ELF file", "file too short", ...).
std::string elf_problem(const std::string& path);

/// The symbols in the file's `gantry` section (Boost.DLL's library_info), read without loading.
/// Throws std::exception when the file cannot be parsed.
std::vector<std::string> gantry_section_symbols(const std::string& path);

}  // namespace gantry::plugin::detail
