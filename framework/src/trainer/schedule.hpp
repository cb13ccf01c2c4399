// SPDX-License-Identifier: Apache-2.0
#pragma once
/// What the trainer runs, as the experiment declares it: the steps of one iteration and each
/// optimizer's learning-rate schedule. One type each, read by the config checker
/// (`schedule.steps`, `optimizers.*.schedule`) and run by the Trainer, with no conversion between.
#include <cstdint>

#include "gantry/architecture.hpp"

namespace gantry::train {

/// One step of an iteration: train `network` `repeat` times with the other frozen.
struct Step {
    Role network = Role::discriminator;
    int64_t repeat = 1;
};

/// Learning rate as a function of the iteration: constant, or decaying linearly or along a half
/// cosine from the base rate to final_fraction * base at the last iteration.
struct LrSchedule {
    enum class Kind { constant, linear, cosine } kind = Kind::constant;
    /// The fraction of the base rate reached at the last iteration (linear, cosine): a fraction in
    /// [0, 1], not a rate.
    double final_fraction = 0.0;
    double at(double base_lr, int64_t iteration, int64_t iterations) const;
};

/// "constant", "linear" or "cosine".
const char* to_string(LrSchedule::Kind kind);

}  // namespace gantry::train
