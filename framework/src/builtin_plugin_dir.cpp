// SPDX-License-Identifier: Apache-2.0
#include "builtin_plugin_dir.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

namespace gantry {

namespace fs = std::filesystem;

fs::path builtin_plugin_dir() {
    boost::dll::fs::error_code ec;
    const auto exe = boost::dll::program_location(ec);
    if (ec) return {};
    const fs::path exe_dir = fs::path(exe.string()).parent_path();
    // The build tree: build/bin/gantry next to build/plugins.
    const fs::path build = exe_dir / ".." / "plugins";
    // An install: <prefix>/bin/gantry and <prefix>/lib/gantry/plugins.
    const fs::path installed = exe_dir / ".." / "lib" / "gantry" / "plugins";
    std::error_code err;
    if (fs::is_directory(build, err)) return fs::weakly_canonical(build, err);
    if (fs::is_directory(installed, err)) return fs::weakly_canonical(installed, err);
    return {};
}

}  // namespace gantry
