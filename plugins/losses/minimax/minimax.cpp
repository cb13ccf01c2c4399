// SPDX-License-Identifier: Apache-2.0
// minimax: the saturating game of Goodfellow et al. 2014, "Generative Adversarial Nets",
// arXiv:1406.2661, eq. 1: min_G max_D E log D(x) + E log(1 - D(G(z))). On logits l:
//   D: softplus(-l_real) + softplus(l_fake)     G: log(1 - sigmoid(l_fake)) = -softplus(l_fake)
// G's gradient vanishes when D rejects its samples confidently: that is the point of keeping it.
#include <gantry/plugin.hpp>

namespace {
using namespace gantry;

class Minimax final : public Loss {
public:
    Minimax(const plugin::Options&, const plugin::Context&) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        return {{"real", mean(softplus(-s.discriminator(s.real, s.real_labels)))},
                {"fake", mean(softplus(s.discriminator(s.fake, s.fake_labels)))}};
    }
    LossTerms generator_loss(const GeneratorStep& s) override {
        return {{"fake", -mean(softplus(s.d_fake))}};
    }
};
}  // namespace

GANTRY_PLUGIN(loss, "minimax", "1.0.0",
              "the original saturating minimax GAN loss (Goodfellow et al. 2014, arXiv:1406.2661)",
              gantry::plugin::kNoOptions, Minimax)
