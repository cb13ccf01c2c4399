// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <string>

#include "gantry/plugin/options.hpp"

namespace gantry::plugin {

/// The four kinds of plugin (product spec).
enum class Kind : uint32_t { architecture = 1, loss = 2, dataset = 3, metric = 4 };

/// "architecture", "loss", "dataset", "metric".
const char* to_string(Kind kind);

/// What a plugin's constructor may use besides its options.
struct Context {
    /// The experiment's seed: every random choice a plugin makes derives from it.
    uint64_t seed = 0;
    /// The directory of the experiment file: relative paths in options resolve against it.
    std::string base_dir;
};

/// The base of every object a plugin creates. Its key function lives in gantry_core, so the
/// host can dynamic_cast a plugin's object to its kind's interface.
class Object {
public:
    virtual ~Object();
};

}  // namespace gantry::plugin
