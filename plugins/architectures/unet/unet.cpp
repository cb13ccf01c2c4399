// SPDX-License-Identifier: Apache-2.0
// unet: pix2pix's generator (Isola et al. 2017, "Image-to-Image Translation with Conditional
// Adversarial Networks", arXiv:1611.07004, after Ronneberger et al.'s U-Net), scaled down for
// 28 x 28 and 32 x 32 images. It maps the condition image (C_c, H, W) to a sample (C, H, W) of
// the same height and width.
//
// Plan, for `depth` levels (d = depth):
//   encoder  e1 = conv(cond)                    H   -> H/2   (k4 s2 p1: floor(H / 2))
//            e_i = norm(conv(lrelu(e_{i-1})))   ... -> floor(H / 2^i), i = 2..d
//                  (the innermost e_d has no norm, as in pix2pix)
//   decoder  u = e_d [joined with z tiled over e_d's h x w when noise is z|both]
//            for i = d-1 .. 1: u = [dropout(norm(convT(relu(u)))), e_i]   (to e_i's size)
//            out = tanh(convT(relu(u)))                                      (to H x W)
// Every transposed convolution is k4 s2 p1 with output_padding 0 or 1, picked so that it
// lands exactly on the skip's size: this undoes floor(H / 2) for odd sizes too.
//   28: 28 -> 14 -> 7 -> 3 (depth 3, the default) -> 1 (depth 4);  3 -> 7 takes output_padding 1
//   32: 32 -> 16 -> 8 -> 4 (depth 3) -> 2 -> 1 (depth 5)
// Widths: width at e1, doubled per level up to 8 * width. Dropout (pix2pix's noise source, on in
// train mode only) follows the norm of the decoder layers but the outermost, at most three of
// them (pix2pix: the three innermost of eight).
#include <gantry/nn/init.hpp>
#include <gantry/nn/layers.hpp>
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
     "channels of the first encoder layer; doubled per level up to 8 * width"},
    {"depth", plugin::OptionType::integer, "3", 1, 8, nullptr,
     "stride-2 levels (28: 28 -> 14 -> 7 -> 3 for 3); at most the halvings that leave 1 pixel"},
    {"norm", plugin::OptionType::string, "batch", kNaN, kNaN, "batch|none",
     "normalisation after each inner convolution (not e1, not the innermost)"},
    {"noise", plugin::OptionType::string, "dropout", kNaN, kNaN, "dropout|z|both",
     "the noise source: dropout in the inner decoder layers (pix2pix), z joined at the bottleneck, or both"},
    {"dropout", plugin::OptionType::number, "0.5", 0, 0.95, nullptr,
     "dropout probability of the inner decoder layers when noise is dropout|both"},
    {"slope", plugin::OptionType::number, "0.2", 0, 1, nullptr, "negative slope of the encoder's leaky ReLU"},
};

struct Settings {
    int64_t width;
    int64_t depth;
    bool batch_norm;
    bool use_dropout;
    bool use_z;
    float p;
    float slope;
};

std::string shape_text(const Shape& s) { return s.str(); }

/// Checks the sample and the condition; returns the spatial sizes (h, w) of e_1 .. e_depth.
std::vector<std::pair<int64_t, int64_t>> plan(const Settings& s, const NetworkSpec& spec) {
    const Shape& sample = spec.data.sample_shape;
    GANTRY_CHECK(sample.rank() == 3, "unet: expected images (C, H, W), got samples of shape ", sample);
    GANTRY_CHECK(spec.condition.rank() != 0,
                 "unet needs a condition: the dataset provides none; use a paired dataset");
    const Shape& c = spec.condition;
    GANTRY_CHECK(c.rank() == 3 && c[1] == sample[1] && c[2] == sample[2], "unet: condition ",
                 shape_text(c), " cannot be translated to samples ", shape_text(sample),
                 ": expected (C, ", sample[1], ", ", sample[2],
                 ") (an image of the sample's height and width); for super-resolution use the "
                 "`srresnet` generator");
    std::vector<std::pair<int64_t, int64_t>> sizes;
    int64_t h = sample[1], w = sample[2];
    for (int64_t i = 0; i < s.depth; ++i) {
        h /= 2, w /= 2;
        GANTRY_CHECK(h >= 1 && w >= 1, "unet: depth ", s.depth, " halves ", sample[1], " x ",
                     sample[2], " below one pixel; use depth ", i, " or less");
        sizes.emplace_back(h, w);
    }
    return sizes;
}

class Generator final : public nn::Module {
public:
    Generator(const Settings& s, const NetworkSpec& spec) : Module("UnetGenerator"), s_(s) {
        const auto sizes = plan(s, spec);
        Rng& rng = *spec.init_rng;
        const Shape& sample = spec.data.sample_shape;
        latent_ = s.use_z ? spec.latent : 0;
        GANTRY_CHECK(!s.use_z || latent_ >= 1, "unet: noise ", s.use_z && s.use_dropout ? "both" : "z",
                     " needs latent >= 1, got ", spec.latent);
        const bool bias = !s.batch_norm;
        std::vector<int64_t> ch;
        for (int64_t i = 0; i < s.depth; ++i) ch.push_back(s.width << std::min<int64_t>(i, 3));
        // Encoder.
        int64_t in = spec.condition[0];
        for (int64_t i = 0; i < s.depth; ++i) {
            auto conv = std::make_shared<nn::Conv2d>(
                nn::Conv2dOptions{.in_channels = in, .out_channels = ch[i], .kernel_size = 4,
                                  .stride = 2, .padding = 1, .bias = bias || i == 0 || i + 1 == s.depth},
                rng);
            init(*conv, rng);
            down_.push_back(register_module("down" + std::to_string(i + 1), conv));
            const bool normed = s.batch_norm && i > 0 && i + 1 < s.depth;
            down_norm_.push_back(normed ? register_module("down" + std::to_string(i + 1) + "_norm", norm(ch[i], rng))
                                        : nullptr);
            in = ch[i];
        }
        // Decoder: level i (counting down) maps to the size and width of e_i.
        in = ch.back() + latent_;
        int64_t inner_ups = 0;
        for (int64_t i = s.depth - 1; i >= 0; --i) {
            const bool last = i == 0;
            const int64_t out = last ? sample[0] : ch[i - 1];
            const int64_t from_h = sizes[i].first, from_w = sizes[i].second;
            const int64_t to_h = last ? sample[1] : sizes[i - 1].first;
            const int64_t to_w = last ? sample[2] : sizes[i - 1].second;
            auto up = std::make_shared<nn::ConvTranspose2d>(
                nn::ConvTranspose2dOptions{.in_channels = in, .out_channels = out, .kernel_size = 4,
                                           .stride = 2, .padding = 1,
                                           .output_padding = nn::Size2{to_h - 2 * from_h, to_w - 2 * from_w},
                                           .bias = bias || last},
                rng);
            init(*up, rng);
            const std::string name = "up" + std::to_string(i + 1);
            up_.push_back(register_module(name, up));
            up_norm_.push_back(!last && s.batch_norm ? register_module(name + "_norm", norm(out, rng)) : nullptr);
            const bool drop = !last && s.use_dropout && s.p > 0.f && inner_ups < 3;
            if (drop) ++inner_ups;
            up_drop_.push_back(drop ? register_module(name + "_dropout", std::make_shared<nn::Dropout>(
                                                          nn::DropoutOptions{.p = s.p, .seed = rng.next_u64()}))
                                    : nullptr);
            in = 2 * out;  // joined with the skip e_i
        }
    }

    using Module::forward;
    Tensor forward(const Tensor&) override {
        throw Error("unet generator: it translates a condition image; call forward(z, condition)");
    }
    Tensor forward(const Tensor& z, const Tensor& condition) override {
        GANTRY_CHECK(condition.defined(), "unet generator: no condition given; call forward(z, condition)");
        GANTRY_CHECK_AS(ShapeError, condition.rank() == 4, "unet generator: expected the condition (N, C, H, W), got ",
                        condition.shape());
        std::vector<Tensor> skips;
        Tensor h = condition;
        for (size_t i = 0; i < down_.size(); ++i) {
            h = (*down_[i])(i == 0 ? h : leaky_relu(h, s_.slope));
            if (down_norm_[i]) h = (*down_norm_[i])(h);
            skips.push_back(h);
        }
        if (latent_ > 0) {
            GANTRY_CHECK_AS(ShapeError, z.defined() && z.numel() == condition.size(0) * latent_,
                            "unet generator: expected z (", condition.size(0), ", ", latent_, "), got ",
                            z.defined() ? z.shape().str() : std::string("none"));
            const Tensor tiled = broadcast_to(reshape(z, {condition.size(0), latent_, 1, 1}),
                                              Shape{condition.size(0), latent_, h.size(2), h.size(3)});
            h = concat({h, tiled}, 1);
        }
        for (size_t k = 0; k < up_.size(); ++k) {
            h = (*up_[k])(relu(h));
            if (k + 1 == up_.size()) break;
            if (up_norm_[k]) h = (*up_norm_[k])(h);
            if (up_drop_[k]) h = (*up_drop_[k])(h);
            h = concat({h, skips[skips.size() - 2 - k]}, 1);
        }
        return tanh(h);
    }

private:
    static void init(nn::WeightedModule& layer, Rng& rng) {
        nn::init::normal_(layer.weight, rng, 0.0, 0.02);
        if (layer.bias.defined()) nn::init::zeros_(layer.bias);
    }
    static std::shared_ptr<nn::Module> norm(int64_t channels, Rng& rng) {
        auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = channels});
        nn::init::normal_(bn->weight, rng, 1.0, 0.02);
        return bn;
    }

    Settings s_;
    int64_t latent_ = 0;
    std::vector<std::shared_ptr<nn::Module>> down_, down_norm_, up_, up_norm_, up_drop_;
};

class Unet final : public Architecture {
public:
    Unet(const plugin::Options& o, const plugin::Context&)
        : settings_{o.get_int("width"),
                    o.get_int("depth"),
                    o.get_string("norm") == "batch",
                    o.get_string("noise") != "z",
                    o.get_string("noise") != "dropout",
                    static_cast<float>(o.get_number("dropout")),
                    static_cast<float>(o.get_number("slope"))} {}

    std::shared_ptr<nn::Module> build(const NetworkSpec& spec) override {
        GANTRY_CHECK(spec.init_rng != nullptr, "unet: no initialisation Rng");
        GANTRY_CHECK(spec.role == Role::generator,
                     "unet is a generator only; use the patchgan architecture for the discriminator");
        return std::make_shared<Generator>(settings_, spec);
    }

private:
    Settings settings_;
};

}  // namespace

GANTRY_PLUGIN(architecture, "unet", "1.0.0",
              "pix2pix's U-Net generator: condition image -> sample of the same size (skips, "
              "dropout or z as noise), 28 and 32 px and more",
              kOptions, Unet)
