// SPDX-License-Identifier: Apache-2.0
// wgan_gp: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", arXiv:1704.00028, alg. 1:
//   D: mean(D(fake)) - mean(D(real)) + lambda * mean((|grad_x D(x_hat)|_2 - 1)^2),
//      x_hat = eps * real + (1 - eps) * fake, one eps ~ U[0, 1] per sample;
//   G: -mean(D(fake)).
// one_sided: penalise only norms above 1 (Petzka et al. 2018, "On the regularization of
// Wasserstein GANs", arXiv:1709.08894: WGAN-LP).
#include <gantry/plugin.hpp>

#include <cmath>

namespace {
using namespace gantry;

const plugin::OptionSpec kOptions[] = {
    {"lambda", plugin::OptionType::number, "10", 0, 1e6, nullptr, "weight of the gradient penalty"},
    {"one_sided", plugin::OptionType::boolean, "false", std::nan(""), std::nan(""), nullptr,
     "penalise only gradient norms above 1 (WGAN-LP)"},
};

class WganGp final : public Loss {
public:
    WganGp(const plugin::Options& o, const plugin::Context&)
        : lambda_(static_cast<float>(o.get_number("lambda"))), one_sided_(o.get_bool("one_sided")) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        std::vector<int64_t> eps_dims(static_cast<size_t>(s.real.rank()), 1);
        eps_dims[0] = s.real.size(0);
        const Tensor eps = s.rng->uniform(Shape(eps_dims));
        // A leaf of its own: the penalty differentiates D with respect to it.
        Tensor x_hat = lerp(s.fake, s.real, eps).detach();
        x_hat.requires_grad_();
        const Tensor d_hat = s.discriminator(x_hat, s.real_labels);
        // create_graph: the penalty is differentiated again, with respect to D's weights.
        const Tensor g = autograd::grad({sum(d_hat)}, {x_hat}, {.create_graph = true})[0];
        const Tensor excess = per_sample_norm(g) - 1.f;
        const Tensor penalty = mean(square(one_sided_ ? relu(excess) : excess));
        return {{"real", -mean(s.discriminator(s.real, s.real_labels))},
                {"fake", mean(s.discriminator(s.fake, s.fake_labels))},
                {"gp", lambda_ * penalty}};
    }
    LossTerms generator_loss(const GeneratorStep& s) override { return {{"fake", -mean(s.d_fake)}}; }
    bool penalizes_input_gradient() const override { return true; }

private:
    float lambda_;
    bool one_sided_;
};
}  // namespace

GANTRY_PLUGIN(loss, "wgan_gp", "1.0.0",
              "WGAN critic loss + gradient penalty (arXiv:1704.00028); one_sided: WGAN-LP",
              kOptions, WganGp)
