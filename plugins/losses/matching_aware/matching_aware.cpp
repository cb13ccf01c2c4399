// SPDX-License-Identifier: Apache-2.0
// matching_aware: GAN-CLS and GAN-INT of Reed et al. 2016, "Generative Adversarial Text to Image
// Synthesis", arXiv:1605.05396 (Algorithm 1 and section 4.3), on the non-saturating logistic loss,
// for text-conditional data (the condition is a caption's bag of words, gantry/datasets/text.hpp).
// On D's logits l(x, t):
//   D: softplus(-l(real, t))                                  "real"     real image, right text
//      + 1/2 softplus(l(fake, t))                             "fake"     G(z, t), right text
//      + 1/2 softplus(l(real, t'))                            "mismatch" real image, wrong text
//   G: softplus(-l(G(z, t), t))                               "fake"
//      + softplus(-l(G(z', t_b), t_b)),  t_b = beta t + (1 - beta) t'   "interpolated" (GAN-INT)
// The wrong captions t' are the batch's own, rolled by one (row i gets row i + 1's); a row whose
// rolled caption equals its own is left out of "mismatch" (it is no negative). A bag is linear in
// the words, so t_b is the caption "between" t and t' (docs/conditional.md, Text to image).
#include <gantry/plugin.hpp>

#include <cmath>
#include <vector>

namespace {
using namespace gantry;

const double kNaN = std::nan("");

const plugin::OptionSpec kOptions[] = {
    {"interpolate", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
     "GAN-INT: G also learns from captions between two of the batch's (a second G pass per step)"},
    {"beta", plugin::OptionType::number, "0.5", 0, 1, nullptr,
     "GAN-INT: the interpolated caption is beta t1 + (1 - beta) t2 (the paper: 0.5)"},
};

/// Rows of `c` (N, ...) rolled by one: row i of the result is row (i + 1) mod N.
Tensor roll_rows(const Tensor& c) {
    const int64_t n = c.size(0);
    if (n == 1) return c;
    return concat({narrow(c, 0, 1, n - 1), narrow(c, 0, 0, 1)}, 0);
}

/// Per row: 1 / (rows that differ) where row i of `a` differs from row i of `b`, else 0 — the
/// weights of a mean over the rows that differ (all 0 when none does).
Tensor differing_rows_mean_weights(const Tensor& a, const Tensor& b) {
    const int64_t n = a.size(0), per = a.numel() / n;
    std::vector<float> w(static_cast<size_t>(n), 0.f);
    int64_t differing = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < per; ++k)
            if (a.data()[i * per + k] != b.data()[i * per + k]) {
                w[static_cast<size_t>(i)] = 1.f;
                ++differing;
                break;
            }
    if (differing > 0)
        for (float& v : w) v /= static_cast<float>(differing);
    return Tensor::from_vector({n}, w);
}

class MatchingAware final : public Loss {
public:
    MatchingAware(const plugin::Options& o, const plugin::Context&)
        : interpolate_(o.get_bool("interpolate")), beta_(static_cast<float>(o.get_number("beta"))) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        check_captions(s.condition);
        const Tensor right = s.real_labels;
        const Tensor wrong = roll_rows(right);
        const Tensor l_real = s.discriminator(s.real, right);
        const Tensor l_fake = s.discriminator(s.fake, s.fake_labels);
        const Tensor l_wrong = s.discriminator(s.real, wrong);
        // D's logits may count patches (N * patches): the weights repeat per sample's patches.
        const Tensor w = per_logit(differing_rows_mean_weights(right, wrong), l_wrong.size(0));
        return {{"real", mean(softplus(-l_real))},
                {"fake", mean(softplus(l_fake)) * 0.5f},
                {"mismatch", sum(softplus(l_wrong) * w) * 0.5f}};
    }

    LossTerms generator_loss(const GeneratorStep& s) override {
        LossTerms terms{{"fake", mean(softplus(-s.d_fake))}};
        if (!interpolate_) return terms;
        check_captions(s.condition);
        GANTRY_CHECK(static_cast<bool>(s.generator), "matching_aware: interpolate needs G for other captions, "
                     "which this gantry does not give a loss; set interpolate: false");
        const Tensor t = s.fake_labels;
        const Tensor between = affine(t, beta_, 0.f) + affine(roll_rows(t), 1.f - beta_, 0.f);
        terms.emplace_back("interpolated", mean(softplus(-s.discriminator(s.generator(between), between))));
        return terms;
    }

private:
    static void check_captions(const Tensor& condition) {
        GANTRY_CHECK_AS(ConfigError, condition.defined() && condition.rank() == 2,
                     "matching_aware: expected captions (a condition of bags of words (N, V)) but the data ",
                     condition.defined() ? "has conditions of shape " + condition.shape().str()
                                         : std::string("has no condition"),
                     "; use it on text data (data: {plugin: captioned}) or use nonsaturating");
    }
    /// Per-sample weights (N) repeated for D's logits (N * patches).
    static Tensor per_logit(const Tensor& w, int64_t logits) {
        const int64_t n = w.size(0);
        if (logits == n) return w;
        const int64_t patches = logits / n;
        std::vector<float> out;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t p = 0; p < patches; ++p) out.push_back(w.data()[i] / static_cast<float>(patches));
        return Tensor::from_vector({logits}, out);
    }

    bool interpolate_;
    float beta_;
};
}  // namespace

GANTRY_PLUGIN(loss, "matching_aware", "1.0.0",
              "GAN-CLS (matching-aware D: real image + wrong caption is a third negative) and GAN-INT "
              "(G on interpolated captions), Reed et al. 2016, arXiv:1605.05396; for captioned data",
              kOptions, MatchingAware)
