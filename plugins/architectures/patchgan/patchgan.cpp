// SPDX-License-Identifier: Apache-2.0
// patchgan: pix2pix's discriminator (Isola et al. 2017, arXiv:1611.07004, the "PatchGAN"): D
// scores (x, condition) joined along the channels with one logit per overlapping patch, output
// (N, 1, h, w); the losses average over the patches.
//
// Layers, for n stride-2 layers (pix2pix's n_layers):
//   n x [conv k4 s2 p1, norm (not the first), leaky ReLU]   widths width, 2 width, ... (<= 8 width)
//   conv k4 s1 p1, norm, leaky ReLU                          width * 2^min(n, 3)
//   conv k4 s1 p1 -> 1 channel                               the patch logits
// Receptive field: 4 after the last layer, 4 + 3 = 7 after the one before, then r -> 2 r + 2 per
// stride-2 layer: r(n) = 9 * 2^n - 2 = 7, 16, 34, 70, 142 for n = 0..4 (pix2pix's 70 x 70 is
// n = 3). The option `receptive_field` must be one of these and at most the image's side (a
// larger field makes every logit see the whole image and padding: an ImageGAN, not patches), so
// 28 and 32 px images take 7 or 16; 34 needs 34 px and more, 70 needs 70 px and more.
// Patch maps: 28 -> 27 -> 26 (7), 28 -> 14 -> 13 -> 12 (16); 32 -> 16 -> 15 -> 14 (16);
// 64 -> 32 -> 16 -> 15 -> 14 (34).
//
// The condition: an image of the sample's size, or smaller by an integer factor (super-
// resolution: it is upsampled nearest to x's size first), or a vector (F), tiled as F channels.
// Data without a condition makes it a plain unconditional PatchGAN (class ids are ignored).
// PacGAN: x (N / pack, pack * C, H, W) and the condition packed alike (N / pack, pack * C_c, ...),
// so the first layer sees pack * C + pack * C_c channels.
#include <gantry/nn/init.hpp>
#include <gantry/nn/layers.hpp>
#include <gantry/nn/spectral_norm.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace gantry;

const double kNaN = std::nan("");

const plugin::OptionSpec kOptions[] = {
    {"width", plugin::OptionType::integer, "16", 1, 1024, nullptr,
     "channels of the first convolution; doubled per stride-2 layer up to 8 * width"},
    {"receptive_field", plugin::OptionType::integer, "16", 7, 142, nullptr,
     "pixels each logit sees: 9 * 2^n - 2 for n stride-2 layers (7, 16, 34, 70, 142); at most the image side"},
    {"norm", plugin::OptionType::string, "batch", kNaN, kNaN, "batch|none|spectral",
     "batch norm after each convolution but the first and the last (pix2pix), none, or spectral norm "
     "on every convolution (none or spectral under a gradient penalty)"},
    {"slope", plugin::OptionType::number, "0.2", 0, 1, nullptr, "negative slope of the leaky ReLU"},
};

struct Settings {
    int64_t width;
    int64_t receptive_field;
    std::string norm;
    float slope;
};

int64_t receptive_field_of(int64_t n) { return 9 * (int64_t{1} << n) - 2; }

/// The number of stride-2 layers for the requested receptive field, checked against the image.
int64_t layers_of(const Settings& s, const Shape& sample) {
    int64_t n = 0;
    while (n < 8 && receptive_field_of(n) < s.receptive_field) ++n;
    GANTRY_CHECK(receptive_field_of(n) == s.receptive_field, "patchgan: receptive_field ",
                 s.receptive_field, " is not one of 7, 16, 34, 70, 142 (9 * 2^n - 2 for n stride-2 layers)");
    const int64_t side = std::min(sample[1], sample[2]);
    std::string fits;
    for (int64_t k = 0; receptive_field_of(k) <= side; ++k)
        fits += (fits.empty() ? "" : ", ") + std::to_string(receptive_field_of(k));
    GANTRY_CHECK(s.receptive_field <= side, "patchgan: receptive_field ", s.receptive_field,
                 " is larger than the image (", sample[1], " x ", sample[2], "); use one of ",
                 fits.empty() ? std::string("none: the image is smaller than 7 pixels") : fits);
    return n;
}

class Discriminator final : public nn::Module {
public:
    Discriminator(const Settings& s, const NetworkSpec& spec) : Module("PatchganDiscriminator"), slope_(s.slope) {
        const Shape& sample = spec.data.sample_shape;
        GANTRY_CHECK(sample.rank() == 3, "patchgan: expected images (C, H, W), got samples of shape ", sample);
        const int64_t n = layers_of(s, sample);
        const Shape& c = spec.condition;
        int64_t cond_channels = 0;
        if (c.rank() == 3) {
            GANTRY_CHECK(c[1] >= 1 && c[2] >= 1 && sample[1] % c[1] == 0 && sample[2] % c[2] == 0 &&
                             sample[1] / c[1] == sample[2] / c[2],
                         "patchgan: condition ", c, " cannot be joined to samples ", sample,
                         ": expected (C, ", sample[1], ", ", sample[2],
                         ") or the same size divided by an integer factor (upsampled nearest)");
            cond_channels = c[0];
            factor_ = sample[1] / c[1];
        } else if (c.rank() == 1) {
            cond_channels = c[0];  // a vector, tiled over the pixels
        } else {
            GANTRY_CHECK(c.rank() == 0, "patchgan: a condition of shape ", c,
                         " cannot be joined to images; expected an image (C, H, W) or a vector (F)");
        }
        cond_rank_ = c.rank();
        const int64_t pack = std::max<int64_t>(spec.pack, 1);
        x_channels_ = pack * sample[0];
        cond_channels_ = pack * cond_channels;
        Rng& rng = *spec.init_rng;
        const bool batch = s.norm == "batch", spectral = s.norm == "spectral";
        int64_t in = x_channels_ + cond_channels_;
        int64_t width = s.width;
        int64_t side_h = sample[1], side_w = sample[2];
        for (int64_t i = 0; i <= n; ++i) {
            const int64_t stride = i < n ? 2 : 1;
            const bool normed = batch && i > 0;
            auto conv = make_conv(in, width, stride, !normed, spectral, rng);
            layers_.push_back(register_module("conv" + std::to_string(i + 1), conv));
            norms_.push_back(normed ? register_module("conv" + std::to_string(i + 1) + "_norm", norm(width, rng))
                                    : nullptr);
            side_h = (side_h + 2 - 4) / stride + 1, side_w = (side_w + 2 - 4) / stride + 1;
            in = width;
            if (i + 1 <= n) width = s.width << std::min<int64_t>(i + 1, 3);
        }
        head_ = register_module("head", make_conv(in, 1, 1, true, spectral, rng));
        side_h = side_h - 1, side_w = side_w - 1;
        GANTRY_CHECK(side_h >= 1 && side_w >= 1, "patchgan: receptive_field ", s.receptive_field,
                     " leaves no patch on ", sample[1], " x ", sample[2], " images");
    }

    using Module::forward;
    Tensor forward(const Tensor& x) override {
        GANTRY_CHECK(cond_rank_ == 0, "patchgan discriminator: the data has a condition; call forward(x, condition)");
        return logits(x);
    }
    Tensor forward(const Tensor& x, const Tensor& condition) override {
        if (cond_rank_ == 0) return forward(x);  // class ids of unconditioned data: not used
        GANTRY_CHECK(condition.defined(), "patchgan discriminator: no condition given; call forward(x, condition)");
        GANTRY_CHECK_AS(ShapeError, x.rank() == 4 && x.size(1) == x_channels_,
                        "patchgan discriminator: expected x (N, ", x_channels_, ", H, W), got ", x.shape());
        Tensor c = condition;
        if (cond_rank_ == 1) {
            GANTRY_CHECK_AS(ShapeError, c.rank() == 2 && c.size(0) == x.size(0) && c.size(1) == cond_channels_,
                            "patchgan discriminator: expected the condition (", x.size(0), ", ", cond_channels_,
                            "), got ", c.shape());
            c = broadcast_to(reshape(c, {x.size(0), cond_channels_, 1, 1}),
                             Shape{x.size(0), cond_channels_, x.size(2), x.size(3)});
        } else {
            GANTRY_CHECK_AS(ShapeError,
                            c.rank() == 4 && c.size(0) == x.size(0) && c.size(1) == cond_channels_ &&
                                c.size(2) * factor_ == x.size(2) && c.size(3) * factor_ == x.size(3),
                            "patchgan discriminator: expected the condition (", x.size(0), ", ", cond_channels_,
                            ", ", x.size(2) / factor_, ", ", x.size(3) / factor_, ") for x ", x.shape(), ", got ",
                            c.shape());
            if (factor_ > 1) c = upsample_nearest(c, factor_);
        }
        return logits(concat({x, c}, 1));
    }

private:
    Tensor logits(Tensor h) {
        for (size_t i = 0; i < layers_.size(); ++i) {
            h = (*layers_[i])(h);
            if (norms_[i]) h = (*norms_[i])(h);
            h = leaky_relu(h, slope_);
        }
        return (*head_)(h);
    }
    static std::shared_ptr<nn::Module> make_conv(int64_t in, int64_t out, int64_t stride, bool bias, bool spectral,
                                                 Rng& rng) {
        auto c = std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in_channels = in, .out_channels = out,
                                                                .kernel_size = 4, .stride = stride, .padding = 1,
                                                                .bias = bias},
                                              rng);
        nn::init::normal_(c->weight, rng, 0.0, 0.02);
        if (c->bias.defined()) nn::init::zeros_(c->bias);
        if (!spectral) return c;
        return std::make_shared<nn::SpectralNorm>(c, rng);
    }
    static std::shared_ptr<nn::Module> norm(int64_t channels, Rng& rng) {
        auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = channels});
        nn::init::normal_(bn->weight, rng, 1.0, 0.02);
        return bn;
    }

    float slope_;
    int cond_rank_ = 0;
    int64_t factor_ = 1, x_channels_ = 0, cond_channels_ = 0;
    std::vector<std::shared_ptr<nn::Module>> layers_, norms_;
    std::shared_ptr<nn::Module> head_;
};

class Patchgan final : public Architecture {
public:
    Patchgan(const plugin::Options& o, const plugin::Context&)
        : settings_{o.get_int("width"), o.get_int("receptive_field"), o.get_string("norm"),
                    static_cast<float>(o.get_number("slope"))} {}

    std::shared_ptr<nn::Module> build(const NetworkSpec& spec) override {
        GANTRY_CHECK(spec.init_rng != nullptr, "patchgan: no initialisation Rng");
        GANTRY_CHECK(spec.role == Role::discriminator,
                     "patchgan is a discriminator only; use unet or srresnet for the generator");
        return std::make_shared<Discriminator>(settings_, spec);
    }

private:
    Settings settings_;
};

}  // namespace

GANTRY_PLUGIN(architecture, "patchgan", "1.0.0",
              "pix2pix's PatchGAN discriminator: D(x, condition) on the channel-joined pair, one "
              "logit per patch (N, 1, h, w); receptive field 7/16/34/70 px",
              kOptions, Patchgan)
