// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The files of tools/gantry/templates/, embedded into the CLI at build time (tools/CMakeLists.txt
/// generates their definitions), so that `gantry new-plugin` works from an installed binary.
#include <string_view>

namespace gantry::cli {

/// The text of template `name` ("loss.cpp", "CMakeLists.txt": the file name without ".in"),
/// or an empty view when there is none.
std::string_view template_text(std::string_view name);

}  // namespace gantry::cli
