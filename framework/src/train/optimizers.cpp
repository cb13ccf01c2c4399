// SPDX-License-Identifier: Apache-2.0
#include "train/optimizers.hpp"

#include <type_traits>

#include "gantry/optim/adam.hpp"
#include "gantry/optim/rmsprop.hpp"
#include "gantry/optim/sgd.hpp"

namespace gantry::train {

std::unique_ptr<optim::Optimizer> make_optimizer(const config::OptimizerSpec& spec,
                                                 std::vector<Tensor> params) {
    return std::visit(
        [&](const auto& options) -> std::unique_ptr<optim::Optimizer> {
            using O = std::decay_t<decltype(options)>;
            if constexpr (std::is_same_v<O, optim::AdamOptions>)
                return std::make_unique<optim::Adam>(std::move(params), options);
            else if constexpr (std::is_same_v<O, optim::SGDOptions>)
                return std::make_unique<optim::SGD>(std::move(params), options);
            else
                return std::make_unique<optim::RMSprop>(std::move(params), options);
        },
        spec.options);
}

}  // namespace gantry::train
