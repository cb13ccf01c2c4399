// SPDX-License-Identifier: Apache-2.0
// perceptual: a content term for paired data in the feature space of the shipped Fashion-MNIST
// classifier (gantry/eval/classifier.hpp) — SRGAN's VGG content loss (Ledig et al. 2017,
// arXiv:1609.04802, eq. 5) with the reference classifier in place of VGG19:
//   G: mean over the features of (phi(fake) - phi(target))^2   (distance: mse; l1: |.|)
//   D: no terms.
// phi is the classifier's forward up to `layer`, written here in ops with the weights frozen
// (constants: no gradient reaches them) and batch norm in eval mode folded into a per-channel
// scale and shift, so the term is differentiable with respect to fake to any order.
#include <gantry/plugin.hpp>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/eval/classifier.hpp"
#include "gantry/eval/reference_classifier.hpp"

namespace {
using namespace gantry;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const plugin::OptionSpec kOptions[] = {
    {"layer", plugin::OptionType::string, "features", kNaN, kNaN, "block1|block2|block3|features|logits",
     "where the features are taken: after conv block 1 (16x14x14), 2 (32x7x7), 3 (64x4x4), the "
     "penultimate layer (64) or the class scores (10)"},
    {"distance", plugin::OptionType::string, "mse", kNaN, kNaN, "mse|l1",
     "mean squared (SRGAN) or mean absolute difference of the features"},
    eval::kClassifierOption,
    eval::kClassifierSha256Option,
};

/// One conv block or the linear layer, with its batch norm folded: y = relu(op(x) * scale + shift).
struct Stage {
    Tensor weight;        ///< conv (Cout, Cin, 3, 3) or linear (out, in)
    Tensor scale, shift;  ///< (1, C, 1, 1) for a conv block, (1, C) for the linear layer
};

class Perceptual final : public Loss {
public:
    Perceptual(const plugin::Options& o, const plugin::Context&) : layer_(o.get_string("layer")), l1_(o.get_string("distance") == "l1") {
        const std::map<std::string, Tensor> state = eval::ReferenceClassifier(o).get().state_dict();
        auto get = [&](const std::string& name) { return state.at(name).detach(); };
        // body: conv(0) bn(1) relu(2), conv(3) bn(4) relu(5), conv(6) bn(7) relu(8), flatten(9),
        // linear(10) bn1d(11) relu(12); head: linear.
        for (int i : {0, 3, 6, 10}) {
            const std::string bn = "body." + std::to_string(i + 1) + ".";
            const std::vector<float> gamma = get(bn + "weight").to_vector(), beta = get(bn + "bias").to_vector(),
                                     mu = get(bn + "running_mean").to_vector(), var = get(bn + "running_var").to_vector();
            std::vector<float> scale(gamma.size()), shift(gamma.size());
            for (size_t c = 0; c < gamma.size(); ++c) {
                scale[c] = gamma[c] / std::sqrt(var[c] + kBatchNormEps);
                shift[c] = beta[c] - mu[c] * scale[c];
            }
            const auto channels = static_cast<int64_t>(gamma.size());
            const Shape shape = i == 10 ? Shape{1, channels} : Shape{1, channels, 1, 1};
            stages_.push_back({get("body." + std::to_string(i) + ".weight"), Tensor::from_vector(shape, scale),
                               Tensor::from_vector(shape, shift)});
        }
        head_weight_ = get("head.weight");
        head_bias_ = get("head.bias");
    }

    LossTerms discriminator_loss(const DiscriminatorStep&) override { return {}; }

    LossTerms generator_loss(const GeneratorStep& s) override {
        GANTRY_CHECK(s.real.defined() && s.fake.defined(),
                     "loss plugin 'perceptual': no paired target (GeneratorStep::real is undefined); perceptual "
                     "compares G's output with the target of a conditional dataset (e.g. data: {plugin: paired})");
        GANTRY_CHECK_AS(ShapeError, s.real.shape() == s.fake.shape(), "loss plugin 'perceptual': G's output ",
                        s.fake.shape(), " and the target ", s.real.shape(), " differ in shape");
        GANTRY_CHECK_AS(ShapeError, s.fake.rank() == 4 && s.fake.size(1) == 1 && s.fake.size(2) == 28 && s.fake.size(3) == 28,
                        "loss plugin 'perceptual': the reference classifier takes 28x28 grey images (N, 1, 28, 28), "
                        "G's output is ", s.fake.shape());
        Tensor target;
        {
            autograd::NoGradGuard no_grad;
            target = features(s.real).detach();
        }
        const Tensor d = features(s.fake) - target;
        return {{"perceptual", l1_ ? mean(abs(d)) : mean(square(d))}};
    }

    bool needs_pairs() const override { return true; }

    /// The classifier's activations at `layer` for images x (N, 1, 28, 28) in [-1, 1].
    Tensor features(const Tensor& x) const {
        Conv2dParams down;
        down.stride = {2, 2};
        down.padding = {1, 1};
        Tensor h = x;
        const char* blocks[] = {"block1", "block2", "block3"};
        for (size_t b = 0; b < 3; ++b) {
            h = relu(conv2d(h, stages_[b].weight, {}, down) * stages_[b].scale + stages_[b].shift);
            if (layer_ == blocks[b]) return h;
        }
        h = relu(linear(reshape(h, {h.size(0), -1}), stages_[3].weight) * stages_[3].scale + stages_[3].shift);
        if (layer_ == "features") return h;
        return linear(h, head_weight_, head_bias_);
    }

private:
    static constexpr float kBatchNormEps = 1e-5f;  // nn::BatchNormOptions' default, the classifier's
    const std::string layer_;
    const bool l1_;
    std::vector<Stage> stages_;
    Tensor head_weight_, head_bias_;
};
}  // namespace

GANTRY_PLUGIN(loss, "perceptual", "1.0.0",
              "content term: distance of the reference Fashion-MNIST classifier's features of G(c) and the target "
              "(SRGAN's VGG loss, arXiv:1609.04802)",
              kOptions, Perceptual)
