// SPDX-License-Identifier: Apache-2.0
// lsgan: Mao et al. 2017, "Least Squares Generative Adversarial Networks", arXiv:1611.04076,
// eq. 2 with the 0-1 coding (a = 0, b = c = 1):
//   D: 0.5 * mean((D(real) - 1)^2) + 0.5 * mean(D(fake)^2)    G: 0.5 * mean((D(fake) - 1)^2)
#include <gantry/plugin.hpp>

namespace {
using namespace gantry;

class Lsgan final : public Loss {
public:
    Lsgan(const plugin::Options&, const plugin::Context&) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        return {{"real", 0.5f * mean(square(s.discriminator(s.real, s.real_labels) - 1.f))},
                {"fake", 0.5f * mean(square(s.discriminator(s.fake, s.fake_labels)))}};
    }
    LossTerms generator_loss(const GeneratorStep& s) override {
        return {{"fake", 0.5f * mean(square(s.d_fake - 1.f))}};
    }
};
}  // namespace

GANTRY_PLUGIN(loss, "lsgan", "1.0.0", "least-squares GAN (Mao et al. 2017, arXiv:1611.04076)",
              gantry::plugin::kNoOptions, Lsgan)
