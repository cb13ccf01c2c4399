// SPDX-License-Identifier: Apache-2.0
// wgan: Arjovsky et al. 2017, "Wasserstein GAN", arXiv:1701.07875, algorithm 1.
//   D (critic): mean(D(fake)) - mean(D(real))    G: -mean(D(fake))
// and after every critic step each critic weight is clipped to [-clip, clip].
#include <gantry/nn/module.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>

namespace {
using namespace gantry;

const plugin::OptionSpec kOptions[] = {
    {"clip", plugin::OptionType::number, "0.01", 0, 1e6, nullptr,
     "critic weights are clipped to [-clip, clip] after each critic step"},
};

class Wgan final : public Loss {
public:
    Wgan(const plugin::Options& o, const plugin::Context&)
        : clip_(static_cast<float>(o.get_number("clip"))) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        return {{"real", -mean(s.discriminator(s.real, s.real_labels))},
                {"fake", mean(s.discriminator(s.fake, s.fake_labels))}};
    }
    LossTerms generator_loss(const GeneratorStep& s) override { return {{"fake", -mean(s.d_fake)}}; }

    void constrain_discriminator(nn::Module& critic) override {
        for (Tensor p : critic.parameters()) {
            float* v = p.data();
            for (int64_t i = 0, n = p.numel(); i < n; ++i) v[i] = std::clamp(v[i], -clip_, clip_);
        }
    }

private:
    float clip_;
};
}  // namespace

GANTRY_PLUGIN(loss, "wgan", "1.0.0", "Wasserstein GAN with weight clipping (arXiv:1701.07875)",
              kOptions, Wgan)
