// SPDX-License-Identifier: Apache-2.0
// nonsaturating: Goodfellow et al. 2014, "Generative Adversarial Nets", arXiv:1406.2661, section 3:
// G maximises log D(G(z)) instead of minimising log(1 - D(G(z))). On logits l:
//   D: softplus(-l_real) + softplus(l_fake)     G: softplus(-l_fake)
// (Many libraries call this loss "vanilla"; the saturating original is the `minimax` plugin.)
#include <gantry/plugin.hpp>

namespace {
using namespace gantry;

class NonSaturating final : public Loss {
public:
    NonSaturating(const plugin::Options&, const plugin::Context&) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        return {{"real", mean(softplus(-s.discriminator(s.real, s.real_labels)))},
                {"fake", mean(softplus(s.discriminator(s.fake, s.fake_labels)))}};
    }
    LossTerms generator_loss(const GeneratorStep& s) override {
        return {{"fake", mean(softplus(-s.d_fake))}};
    }
};
}  // namespace

GANTRY_PLUGIN(loss, "nonsaturating", "1.0.0",
              "non-saturating GAN loss (Goodfellow et al. 2014, arXiv:1406.2661)",
              gantry::plugin::kNoOptions, NonSaturating)
