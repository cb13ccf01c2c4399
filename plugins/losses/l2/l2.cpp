// SPDX-License-Identifier: Apache-2.0
// l2: a reconstruction term for paired data (the MSE of SRResNet, Ledig et al. 2017,
// arXiv:1609.04802, eq. 4; pix2pix's "L2" column, Isola et al. 2017):
//   G: mean over every pixel of (fake - target)^2    (GeneratorStep::fake, GeneratorStep::real)
//   D: no terms.
// Used as a weighted term beside an adversarial loss (`terms: [{plugin: l2, weight: 100}]`) or
// alone (`loss: {plugin: l2}`).
#include <gantry/plugin.hpp>

namespace {
using namespace gantry;

class L2 final : public Loss {
public:
    L2(const plugin::Options&, const plugin::Context&) {}

    LossTerms discriminator_loss(const DiscriminatorStep&) override { return {}; }

    LossTerms generator_loss(const GeneratorStep& s) override {
        GANTRY_CHECK(s.real.defined() && s.fake.defined(),
                     "loss plugin 'l2': no paired target (GeneratorStep::real is undefined); l2 compares G's "
                     "output with the target of a conditional dataset (e.g. data: {plugin: paired})");
        GANTRY_CHECK_AS(ShapeError, s.real.shape() == s.fake.shape(), "loss plugin 'l2': G's output ",
                        s.fake.shape(), " and the target ", s.real.shape(), " differ in shape");
        return {{"l2", mean(square(s.fake - s.real))}};
    }

    bool needs_pairs() const override { return true; }
};
}  // namespace

GANTRY_PLUGIN(loss, "l2", "1.0.0", "reconstruction term mean (G(c) - target)^2 for paired data (SRResNet MSE)",
              plugin::kNoOptions, L2)
