// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The page of `gantry studio`, compiled in: tools/gantry/studio/* become raw string literals of
/// one generated source (tools/CMakeLists.txt), so the binary serves every asset itself.
#include <string_view>

namespace gantry::cli {

/// The file `name` of tools/gantry/studio/ ("index.html", "studio.js", "studio.css"); empty when
/// there is no such file.
std::string_view studio_asset(std::string_view name);

}  // namespace gantry::cli
