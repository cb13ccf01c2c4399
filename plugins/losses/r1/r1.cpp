// SPDX-License-Identifier: Apache-2.0
// r1: the non-saturating loss plus the R1 penalty of Mescheder et al. 2018, "Which Training
// Methods for GANs do actually Converge?", arXiv:1801.04406, eq. 9:
//   D: softplus(-D(real)) + softplus(D(fake)) + gamma / 2 * mean(|grad_x D(real)|^2)
//   G: softplus(-D(fake))
// every: the lazy regularisation of StyleGAN2 (Karras et al. 2020, arXiv:1912.04958, sec. 3.1):
// the penalty in every k-th iteration only, weighted by k. A function of the iteration, so a
// resumed run needs no state from the loss.
#include <gantry/plugin.hpp>

#include <cmath>

namespace {
using namespace gantry;

const plugin::OptionSpec kOptions[] = {
    {"gamma", plugin::OptionType::number, "10", 0, 1e6, nullptr, "weight of the R1 penalty"},
    {"every", plugin::OptionType::integer, "1", 1, 1e6, nullptr,
     "apply the penalty in every k-th iteration (lazy regularisation), weighted by k"},
};

class R1 final : public Loss {
public:
    R1(const plugin::Options& o, const plugin::Context&)
        : gamma_(static_cast<float>(o.get_number("gamma"))), every_(o.get_int("every")) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        LossTerms terms{{"fake", mean(softplus(s.discriminator(s.fake, s.fake_labels)))}};
        if (s.iteration % every_ != 0) {
            terms.push_back({"real", mean(softplus(-s.discriminator(s.real, s.real_labels)))});
            return terms;
        }
        Tensor x = s.real.detach();
        x.requires_grad_();
        const Tensor d_real = s.discriminator(x, s.real_labels);
        const Tensor g = autograd::grad({sum(d_real)}, {x}, {.create_graph = true})[0];
        const Tensor penalty = mean(sum(square(flatten(g, 1)), {1}));
        terms.push_back({"real", mean(softplus(-d_real))});
        terms.push_back({"r1", (0.5f * gamma_ * static_cast<float>(every_)) * penalty});
        return terms;
    }
    LossTerms generator_loss(const GeneratorStep& s) override {
        return {{"fake", mean(softplus(-s.d_fake))}};
    }
    bool penalizes_input_gradient() const override { return true; }

private:
    float gamma_;
    int64_t every_;
};
}  // namespace

GANTRY_PLUGIN(loss, "r1", "1.0.0",
              "non-saturating loss + R1 penalty on real data (arXiv:1801.04406), optionally lazy",
              kOptions, R1)
