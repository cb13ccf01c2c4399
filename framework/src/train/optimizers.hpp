// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The one place an experiment's optimizer section becomes an optimizer.
#include <memory>
#include <vector>

#include "config/experiment.hpp"
#include "gantry/optim/optimizer.hpp"

namespace gantry::train {

/// The optimizer of `spec`'s type over `params`, with the options the key table filled in.
std::unique_ptr<optim::Optimizer> make_optimizer(const config::OptimizerSpec& spec,
                                                 std::vector<Tensor> params);

}  // namespace gantry::train
