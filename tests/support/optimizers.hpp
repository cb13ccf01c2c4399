// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Optimizers built by tests: a factory per configuration, applied to each test's parameters.
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "gantry/optim/optimizer.hpp"
#include "gantry/tensor.hpp"

namespace gantry::testing {

using OptimizerFactory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

/// `make_optimizer<optim::Adam>(optim::AdamOptions{.lr = 0.01})(params)` builds an Adam.
template <typename Opt, typename Options>
OptimizerFactory make_optimizer(Options options) {
    return [options](std::vector<Tensor> params) {
        return std::make_unique<Opt>(std::move(params), options);
    };
}

}  // namespace gantry::testing
