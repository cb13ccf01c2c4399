// SPDX-License-Identifier: Apache-2.0
// srresnet: SRGAN's generator (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution
// Using a Generative Adversarial Network", arXiv:1609.04802, SRResNet), scaled down. It maps a
// low-resolution condition (C_c, H / f, W / f) to a sample (C, H, W), f a power of two (1, 2, 4...).
//
//   head   h0 = relu(conv3x3(cond [, z tiled over the condition's pixels]))       width channels
//   body   B residual blocks  h = h + bn(conv3x3(relu(bn(conv3x3(h)))))
//          then  h = h0 + bn(conv3x3(h))                                   (the long skip)
//   tail   log2(f) stages ×2:  nearest: relu(conv3x3(upsample_nearest(h, 2)))
//                              transpose: relu(convT k4 s2 p1(h))
//          out = tanh(conv3x3(h))                                          C channels
// SRGAN's PReLU is a ReLU here and its pixel shuffle one of the two upsamplers above; norm none
// drops every bn. The condition may have any number of channels (a gray condition for a colour
// sample works): the head convolution takes what the data gives.
#include <gantry/nn/init.hpp>
#include <gantry/nn/layers.hpp>
#include <gantry/plugin.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace gantry;

const double kNaN = std::nan("");

const plugin::OptionSpec kOptions[] = {
    {"blocks", plugin::OptionType::integer, "4", 0, 64, nullptr, "residual blocks at the condition's resolution"},
    {"width", plugin::OptionType::integer, "16", 1, 1024, nullptr, "channels of every hidden convolution"},
    {"upsample", plugin::OptionType::string, "nearest", kNaN, kNaN, "nearest|transpose",
     "each x2 stage: nearest upsampling + 3x3 conv, or a k4 s2 transposed conv"},
    {"norm", plugin::OptionType::string, "batch", kNaN, kNaN, "batch|none",
     "batch norm in the residual blocks (SRResNet) or none"},
    {"z", plugin::OptionType::boolean, "false", kNaN, kNaN, nullptr,
     "join z, tiled over the condition's pixels, to the condition (false: a deterministic map)"},
};

struct Settings {
    int64_t blocks;
    int64_t width;
    bool nearest;
    bool batch_norm;
    bool use_z;
};

/// The number of x2 stages from the condition to the sample, checked.
int64_t stages_of(const NetworkSpec& spec) {
    const Shape& sample = spec.data.sample_shape;
    const Shape& c = spec.condition;
    GANTRY_CHECK(sample.rank() == 3, "srresnet: expected images (C, H, W), got samples of shape ", sample);
    GANTRY_CHECK(c.rank() != 0,
                 "srresnet needs a condition: the dataset provides none; use a paired dataset "
                 "(e.g. paired with downsample: 2)");
    GANTRY_CHECK(c.rank() == 3, "srresnet: expected an image condition (C, H, W), got ", c);
    int64_t stages = 0;
    for (int64_t h = c[1], w = c[2]; h <= sample[1] && w <= sample[2]; h *= 2, w *= 2, ++stages)
        if (h == sample[1] && w == sample[2]) return stages;
    throw Error(detail::concat("srresnet: condition ", c, " cannot be upsampled to samples ", sample,
                               ": the sample's height and width must be the condition's times the "
                               "same power of two (x1, x2, x4 ...), e.g. (C, ", sample[1] / 2, ", ",
                               sample[2] / 2, ") or (C, ", sample[1] / 4, ", ", sample[2] / 4, ")"));
}

class Generator final : public nn::Module {
public:
    Generator(const Settings& s, const NetworkSpec& spec) : Module("SrresnetGenerator") {
        const int64_t stages = stages_of(spec);
        Rng& rng = *spec.init_rng;
        latent_ = s.use_z ? spec.latent : 0;
        GANTRY_CHECK(!s.use_z || latent_ >= 1, "srresnet: z: true needs latent >= 1, got ", spec.latent);
        const bool bias = !s.batch_norm;
        head_ = register_module("head", conv(spec.condition[0] + latent_, s.width, 3, 1, true, rng));
        for (int64_t b = 0; b < s.blocks; ++b) {
            const std::string n = "block" + std::to_string(b + 1);
            Block blk;
            blk.conv1 = register_module(n + "_conv1", conv(s.width, s.width, 3, 1, bias, rng));
            blk.conv2 = register_module(n + "_conv2", conv(s.width, s.width, 3, 1, bias, rng));
            if (s.batch_norm) {
                blk.bn1 = register_module(n + "_bn1", norm(s.width, rng));
                blk.bn2 = register_module(n + "_bn2", norm(s.width, rng));
            }
            blocks_.push_back(blk);
        }
        body_ = register_module("body", conv(s.width, s.width, 3, 1, bias, rng));
        if (s.batch_norm) body_norm_ = register_module("body_bn", norm(s.width, rng));
        nearest_ = s.nearest;
        for (int64_t i = 0; i < stages; ++i) {
            const std::string n = "up" + std::to_string(i + 1);
            if (s.nearest) {
                up_.push_back(register_module(n, conv(s.width, s.width, 3, 1, true, rng)));
            } else {
                auto t = std::make_shared<nn::ConvTranspose2d>(
                    nn::ConvTranspose2dOptions{.in_channels = s.width, .out_channels = s.width,
                                               .kernel_size = 4, .stride = 2, .padding = 1}, rng);
                init(*t, rng);
                up_.push_back(register_module(n, t));
            }
        }
        out_ = register_module("out", conv(s.width, spec.data.sample_shape[0], 3, 1, true, rng));
    }

    using Module::forward;
    Tensor forward(const Tensor&) override {
        throw Error("srresnet generator: it upsamples a condition image; call forward(z, condition)");
    }
    Tensor forward(const Tensor& z, const Tensor& condition) override {
        GANTRY_CHECK(condition.defined(), "srresnet generator: no condition given; call forward(z, condition)");
        GANTRY_CHECK_AS(ShapeError, condition.rank() == 4,
                        "srresnet generator: expected the condition (N, C, H, W), got ", condition.shape());
        const int64_t n = condition.size(0);
        Tensor x = condition;
        if (latent_ > 0) {
            GANTRY_CHECK_AS(ShapeError, z.defined() && z.numel() == n * latent_, "srresnet generator: expected z (",
                            n, ", ", latent_, "), got ", z.defined() ? z.shape().str() : std::string("none"));
            x = concat({x, broadcast_to(reshape(z, {n, latent_, 1, 1}),
                                        Shape{n, latent_, condition.size(2), condition.size(3)})}, 1);
        }
        const Tensor h0 = relu((*head_)(x));
        Tensor h = h0;
        for (const Block& b : blocks_) {
            Tensor r = (*b.conv1)(h);
            if (b.bn1) r = (*b.bn1)(r);
            r = (*b.conv2)(relu(r));
            if (b.bn2) r = (*b.bn2)(r);
            h = h + r;
        }
        Tensor t = (*body_)(h);
        if (body_norm_) t = (*body_norm_)(t);
        h = h0 + t;
        for (const auto& up : up_) h = relu((*up)(nearest_ ? upsample_nearest(h, 2) : h));
        return tanh((*out_)(h));
    }

private:
    struct Block {
        std::shared_ptr<nn::Module> conv1, conv2, bn1, bn2;
    };
    static void init(nn::WeightedModule& layer, Rng& rng) {
        nn::init::normal_(layer.weight, rng, 0.0, 0.02);
        if (layer.bias.defined()) nn::init::zeros_(layer.bias);
    }
    static std::shared_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t k, int64_t stride, bool bias, Rng& rng) {
        auto c = std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in_channels = in, .out_channels = out, .kernel_size = k,
                                                                .stride = stride, .padding = k / 2, .bias = bias},
                                              rng);
        init(*c, rng);
        return c;
    }
    static std::shared_ptr<nn::Module> norm(int64_t channels, Rng& rng) {
        auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = channels});
        nn::init::normal_(bn->weight, rng, 1.0, 0.02);
        return bn;
    }

    int64_t latent_ = 0;
    bool nearest_ = true;
    std::shared_ptr<nn::Module> head_, body_, body_norm_, out_;
    std::vector<Block> blocks_;
    std::vector<std::shared_ptr<nn::Module>> up_;
};

class Srresnet final : public Architecture {
public:
    Srresnet(const plugin::Options& o, const plugin::Context&)
        : settings_{o.get_int("blocks"), o.get_int("width"), o.get_string("upsample") == "nearest",
                    o.get_string("norm") == "batch", o.get_bool("z")} {}

    std::shared_ptr<nn::Module> build(const NetworkSpec& spec) override {
        GANTRY_CHECK(spec.init_rng != nullptr, "srresnet: no initialisation Rng");
        GANTRY_CHECK(spec.role == Role::generator,
                     "srresnet is a generator only; use the patchgan architecture for the discriminator");
        return std::make_shared<Generator>(settings_, spec);
    }

private:
    Settings settings_;
};

}  // namespace

GANTRY_PLUGIN(architecture, "srresnet", "1.0.0",
              "SRGAN's generator scaled down: low-resolution condition -> sample (residual blocks, "
              "x2 upsampling stages: nearest + conv or transposed conv)",
              kOptions, Srresnet)
