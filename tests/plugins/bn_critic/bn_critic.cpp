// SPDX-License-Identifier: Apache-2.0
// An architecture that puts batch normalisation in the discriminator (the mlp refuses to), so
// that the runtime's own check — batch norm in a critic under a gradient penalty — can be reached
// through the real binaries.
#include "gantry/nn/layers.hpp"
#include "gantry/plugin.hpp"

namespace {
using namespace gantry;

class BnCritic final : public Architecture {
public:
    BnCritic(const plugin::Options&, const plugin::Context&) {}

    std::shared_ptr<nn::Module> build(const NetworkSpec& spec) override {
        const int64_t features = spec.data.sample_shape.numel();
        const bool is_g = spec.role == Role::generator;
        auto net = std::make_shared<nn::Sequential>();
        net->push_back(std::make_shared<nn::Linear>(
            nn::LinearOptions{.in_features = is_g ? spec.latent : spec.pack * features, .out_features = 16},
            *spec.init_rng));
        net->push_back(std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions{.num_features = 16}));
        net->push_back(std::make_shared<nn::ReLU>());
        net->push_back(std::make_shared<nn::Linear>(
            nn::LinearOptions{.in_features = 16, .out_features = is_g ? features : 1}, *spec.init_rng));
        return net;
    }
};
}  // namespace

GANTRY_PLUGIN(architecture, "bn_critic", "1.0.0", "G and D with batch norm (for the critic checks)",
              gantry::plugin::kNoOptions, BnCritic)
