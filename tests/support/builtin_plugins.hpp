// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The plugins of build/plugins, loaded through plugin::Host exactly as `gantry run` loads them
/// (no GANTRY_PLUGIN_PATH, no experiment `plugins:`), shared by every test of a built-in plugin.
#include <map>
#include <string>

#include "plugin/host.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry::testing {

/// One host for the whole test binary (a host never unloads its libraries).
plugin::Host& builtin_host();

/// The plugin's declared defaults, then `set` on top, as a checked experiment would give them.
plugin::Options plugin_options(plugin::Kind kind, const std::string& name,
                               const std::map<std::string, plugin::OptionValue>& set = {});

}  // namespace gantry::testing
