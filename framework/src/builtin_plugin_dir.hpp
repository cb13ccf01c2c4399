// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Where the built-in plugins are: next to the running executable, <exe>/../plugins in the build
/// tree, <exe>/../lib/gantry/plugins when installed. The plugin host searches it last; the shipped
/// reference classifier's weights are in its image_metrics/ (gantry/eval/reference_classifier.hpp).
#include <filesystem>

namespace gantry {

/// The directory, canonical; empty when neither exists.
std::filesystem::path builtin_plugin_dir();

}  // namespace gantry
