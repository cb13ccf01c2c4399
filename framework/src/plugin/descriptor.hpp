// SPDX-License-Identifier: Apache-2.0
#pragma once
// The host's checks of a plugin Descriptor, separate from loading so they can be fuzzed.
#include <string>

#include "gantry/plugin/abi.hpp"
#include "plugin/host.hpp"

namespace gantry::plugin::detail {

/// The exported symbol whose function returns the Descriptor.
inline constexpr const char* kDescriptorAlias = "gantry_plugin_descriptor";

/// Checks `d` field by field, each only after the fields it depends on, and copies it into C++
/// values. Throws PluginError naming `path` and the first field that is wrong.
PluginInfo read_descriptor(const std::string& path, const Descriptor* d);

}  // namespace gantry::plugin::detail
