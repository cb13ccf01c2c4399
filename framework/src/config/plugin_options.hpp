// SPDX-License-Identifier: Apache-2.0
#pragma once
// A plugin section's options: checked against the plugin's declared table, or — without a
// catalogue — typed from their YAML form so that they can still be emitted canonically.
#include <string>
#include <vector>

#include "config/document.hpp"
#include "config/experiment.hpp"
#include "plugin/catalog.hpp"

namespace gantry::config::detail {

/// Checks every key of `section` except `plugin` and `runtime_keys` against `schema`: unknown
/// options (with suggestions), types, ranges, choices, required options; fills in defaults.
/// Path options written relative are made absolute: against the directory of the file they are
/// written in, or `base_dir` for a --set override.
void check_plugin_options(const Node& section, const std::string& path,
                          const plugin::PluginInfo& schema, const std::vector<std::string>& runtime_keys,
                          const std::string& base_dir, Diagnostics& d, PluginSection& out);

/// The same keys typed from their form (true/false, integer, number, string, lists of those).
void infer_plugin_options(const Node& section, const std::string& path,
                          const std::vector<std::string>& runtime_keys, Diagnostics& d,
                          PluginSection& out);

/// `value` as a YAML flow scalar or list.
std::string emit_option(const plugin::OptionValue& value);

}  // namespace gantry::config::detail
