// SPDX-License-Identifier: Apache-2.0
// hinge: Lim & Ye 2017, "Geometric GAN", arXiv:1705.02894; as used by SNGAN (Miyato et al. 2018)
// and BigGAN:  D: mean(relu(1 - D(real))) + mean(relu(1 + D(fake)))    G: -mean(D(fake))
#include <gantry/plugin.hpp>

namespace {
using namespace gantry;

class Hinge final : public Loss {
public:
    Hinge(const plugin::Options&, const plugin::Context&) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        return {{"real", mean(relu(1.f - s.discriminator(s.real, s.real_labels)))},
                {"fake", mean(relu(1.f + s.discriminator(s.fake, s.fake_labels)))}};
    }
    LossTerms generator_loss(const GeneratorStep& s) override { return {{"fake", -mean(s.d_fake)}}; }
};
}  // namespace

GANTRY_PLUGIN(loss, "hinge", "1.0.0", "hinge loss (Lim & Ye 2017, arXiv:1705.02894; SNGAN, BigGAN)",
              gantry::plugin::kNoOptions, Hinge)
