// SPDX-License-Identifier: Apache-2.0
// l1: a reconstruction term for paired data (pix2pix, Isola et al. 2017, arXiv:1611.07004, eq. 3):
//   G: mean over every pixel of |fake - target|      (GeneratorStep::fake, GeneratorStep::real)
//   D: no terms.
// Used as a weighted term beside an adversarial loss (`terms: [{plugin: l1, weight: 100}]`) or
// alone (`loss: {plugin: l1}`). d|u|/du is sign(u) (0 at u = 0), and its derivative is 0.
#include <gantry/plugin.hpp>

namespace {
using namespace gantry;

class L1 final : public Loss {
public:
    L1(const plugin::Options&, const plugin::Context&) {}

    LossTerms discriminator_loss(const DiscriminatorStep&) override { return {}; }

    LossTerms generator_loss(const GeneratorStep& s) override {
        GANTRY_CHECK(s.real.defined() && s.fake.defined(),
                     "loss plugin 'l1': no paired target (GeneratorStep::real is undefined); l1 compares G's "
                     "output with the target of a conditional dataset (e.g. data: {plugin: paired})");
        GANTRY_CHECK_AS(ShapeError, s.real.shape() == s.fake.shape(), "loss plugin 'l1': G's output ",
                        s.fake.shape(), " and the target ", s.real.shape(), " differ in shape");
        return {{"l1", mean(abs(s.fake - s.real))}};
    }

    bool needs_pairs() const override { return true; }
};
}  // namespace

GANTRY_PLUGIN(loss, "l1", "1.0.0", "reconstruction term mean |G(c) - target| for paired data (pix2pix)",
              plugin::kNoOptions, L1)
