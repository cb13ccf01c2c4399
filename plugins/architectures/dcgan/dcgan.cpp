// SPDX-License-Identifier: Apache-2.0
// dcgan: the convolutional generator and discriminator of Radford et al. 2016, "Unsupervised
// Representation Learning with Deep Convolutional GANs", arXiv:1511.06434, in the shapes of
// pytorch/examples dcgan (64x64) and cpp/dcgan (28x28), with the usual later options:
// spectral norm (Miyato et al. 2018, arXiv:1802.05957), layer norm in a WGAN-GP critic
// (Gulrajani et al. 2017, arXiv:1704.00028) and class conditioning with a projection
// discriminator (Miyato & Koyama 2018, "cGANs with Projection Discriminator", arXiv:1802.05637).
//
// Geometry, for images (C, S, S), n = the number of stride-2 layers:
//   S = 4 * 2^n (8, 16, 32, 64, 128):  G 1 -> 4 (k4 s1 p0) -> 8 -> ... -> S (k4 s2 p1 each)
//                                       D S -> ... -> 4 (k4 s2 p1 each) -> 1 (k4 s1 p0)
//   S = 7 * 2^(n-1) (14, 28, 56, 112):  G 1 -> 4 -> 7 (k3 s2 p1) -> 14 -> ... -> S
//                                       D S -> ... -> 7 -> 3 (k4 s2 p1 each) -> 1 (k3 s1 p0)
// Widths: G's 4x4 maps have width * 2^(n-1) channels, halved at each stride-2 layer, the last
// one giving C; D's first layer has width channels, doubled at each stride-2 layer. For 28x28x1
// and 64x64x3 with width 64 and latent 100 these are exactly the nets of `gantry bench dcgan28`
// and `dcgan64` (shared/perf/torch_gan_bench.py).
//
// Conditioning (data with classes, conditional: true): G's input is [z, embed(y)]; D's logit
// gains the projection <embed_D(y), sum_hw(h)>, h being the last feature maps before the head.
// The projection's table is a bias-free Linear applied to one_hot(y), so spectral norm can wrap
// it like any other layer (the paper's SNEmbedID).
//
// Text (data whose metadata declares a vocabulary, gantry/datasets/text.hpp; the condition is a
// caption's bag of words b (V), Reed et al. 2016, GAN-INT-CLS, arXiv:1605.05396): G's input is
// [z, W_g b] (W_g: a bias-free Linear V -> `embedding`, the mean of the caption's word
// embeddings), and D's logit gains the projection <W_d b, sum_hw(h)> (W_d: V -> D's features),
// the class projection above with the bag in place of one_hot(y). Both are linear in b, so an
// interpolation of two captions' bags is exactly the interpolation of their embeddings (GAN-INT).
#include <gantry/datasets/text.hpp>
#include <gantry/nn/init.hpp>
#include <gantry/nn/layers.hpp>
#include <gantry/nn/spectral_norm.hpp>
#include <gantry/plugin.hpp>

#include <gantry/precision.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace gantry;

const double kNaN = std::nan("");

const plugin::OptionSpec kOptions[] = {
    {"width", plugin::OptionType::integer, "64", 1, 4096, nullptr,
     "channels of the full-resolution layer (G's last hidden, D's first); doubled per halving"},
    {"norm", plugin::OptionType::string, "batch", kNaN, kNaN, "batch|layer|none",
     "normalisation after each hidden convolution but D's first (layer or none in a GP critic)"},
    {"spectral_norm", plugin::OptionType::boolean, "false", kNaN, kNaN, nullptr,
     "divide every convolution (and the projection) by its spectral norm (usually on D)"},
    {"slope", plugin::OptionType::number, "0.2", 0, 1, nullptr, "negative slope of D's leaky ReLU"},
    {"bias", plugin::OptionType::boolean, "false", kNaN, kNaN, nullptr,
     "learn a bias in every convolution (DCGAN: none; batch norm would cancel it)"},
    {"init", plugin::OptionType::string, "dcgan", kNaN, kNaN, "dcgan|default",
     "dcgan: weights N(0, 0.02), norm scales N(1, 0.02); default: PyTorch's layer defaults"},
    {"conditional", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
     "when the data has classes or captions: G embeds the label (or the caption's bag of words), D adds a "
     "projection; false ignores them"},
    {"embedding", plugin::OptionType::integer, "32", 1, 4096, nullptr,
     "G only, conditional: width of the label (or caption) embedding joined to z"},
    {"fp32_edges", plugin::OptionType::boolean, "false", kNaN, kNaN, nullptr,
     "with precision: bf16, run the first and the last convolution in fp32, backward included "
     "(G: the 1x1 -> 4x4 input layer and the image layer; D: the layer seeing the image and the logit)"},
};

/// The spatial plan of one image size.
struct Geometry {
    /// Stride-2 layers in each network.
    int halvings = 0;
    /// 7 * 2^k sizes: G's first stride-2 layer maps 4 -> 7 (kernel 3), D's last maps 7 -> 3.
    bool odd_base = false;
};

Geometry geometry_of(const Shape& sample) {
    GANTRY_CHECK(sample.rank() == 3, "dcgan: expected images (C, H, W), got samples of shape ",
                 sample, "; use the mlp architecture for points");
    const int64_t h = sample[1], w = sample[2];
    GANTRY_CHECK(h == w, "dcgan: expected square images, got ", h, " x ", w,
                 "; resize them (image_folder: size)");
    Geometry g;
    int64_t side = h;
    while (side > 7 && side % 2 == 0) {
        side /= 2;
        ++g.halvings;
    }
    // 7 -> 3 is one more stride-2 layer of D (and 4 -> 7 one of G).
    if (side == 7) {
        g.odd_base = true;
        ++g.halvings;
    }
    GANTRY_CHECK((side == 4 || side == 7) && h >= 8 && h <= 128, "dcgan: image size ", h,
                 " is not supported; expected 4 * 2^k (8, 16, 32, 64, 128) or 7 * 2^k "
                 "(14, 28, 56, 112)");
    return g;
}

struct Settings {
    int64_t width;
    std::string norm;
    bool spectral_norm;
    float slope;
    bool bias;
    bool dcgan_init;
    bool conditional;
    int64_t embedding;
    bool fp32_edges;
};

/// `net` applied to x layer by layer; the layers listed run under an fp32 PrecisionScope, which the
/// tape keeps for their backward (gantry/precision.hpp). Why the edges: mixed-precision practice
/// keeps the layers that read the data and that make the output in full precision, and in these nets
/// they are also oneDNN's weak shapes (1-3 or 1 output channels, a 1x1 input), where bf16 gains least.
Tensor forward_layers(nn::Sequential& net, Tensor x, const std::vector<size_t>& fp32_layers) {
    for (size_t i = 0; i < net.size(); ++i) {
        const bool fp32 = std::find(fp32_layers.begin(), fp32_layers.end(), i) != fp32_layers.end();
        std::optional<PrecisionScope> scope;
        if (fp32) scope.emplace(Precision::fp32);
        x = (*net[i])(x);
    }
    return x;
}

/// Builds layers in one place so every network gets the same init, bias and wrapping rules.
class LayerFactory {
public:
    LayerFactory(const Settings& s, Rng& rng) : s_(s), rng_(rng) {}

    std::shared_ptr<nn::Module> conv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                     int64_t padding) {
        return wrap(std::make_shared<nn::Conv2d>(
            nn::Conv2dOptions{.in_channels = in, .out_channels = out, .kernel_size = kernel,
                              .stride = stride, .padding = padding, .bias = s_.bias}, rng_));
    }
    std::shared_ptr<nn::Module> deconv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                       int64_t padding) {
        return wrap(std::make_shared<nn::ConvTranspose2d>(
            nn::ConvTranspose2dOptions{.in_channels = in, .out_channels = out, .kernel_size = kernel,
                                       .stride = stride, .padding = padding, .bias = s_.bias}, rng_));
    }
    /// The projection table as a Linear (classes -> features) on one-hot labels.
    std::shared_ptr<nn::Module> projection(int64_t classes, int64_t features) {
        return wrap(std::make_shared<nn::Linear>(
            nn::LinearOptions{.in_features = classes, .out_features = features, .bias = false}, rng_));
    }
    /// The norm layer after a hidden convolution with output (channels, side, side); null for none.
    std::shared_ptr<nn::Module> norm(int64_t channels, int64_t side) {
        if (s_.norm == "batch") {
            auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = channels});
            if (s_.dcgan_init) nn::init::normal_(bn->weight, rng_, 1.0, 0.02);
            return bn;
        }
        if (s_.norm == "layer") {
            auto ln = std::make_shared<nn::LayerNorm>(
                nn::LayerNormOptions{.normalized_shape = {channels, side, side}});
            if (s_.dcgan_init) nn::init::normal_(ln->weight, rng_, 1.0, 0.02);
            return ln;
        }
        return nullptr;
    }

private:
    std::shared_ptr<nn::Module> wrap(std::shared_ptr<nn::WeightedModule> layer) {
        if (s_.dcgan_init) {
            nn::init::normal_(layer->weight, rng_, 0.0, 0.02);
            if (layer->bias.defined()) nn::init::zeros_(layer->bias);
        }
        if (!s_.spectral_norm) return layer;
        return std::make_shared<nn::SpectralNorm>(layer, rng_);
    }

    const Settings& s_;
    Rng& rng_;
};

/// The vocabulary size V when the data declares a vocabulary (its condition is then a bag of words
/// (V)), else 0. Any other condition (an image) is refused: dcgan takes text or class ids only.
int64_t text_width(const NetworkSpec& spec) {
    const std::optional<std::vector<std::string>> vocabulary = datasets::find_vocabulary(spec.data);
    if (!vocabulary) {
        GANTRY_CHECK(spec.condition.rank() == 0, "dcgan: the data's condition ", spec.condition,
                     " is not text (no vocabulary in its metadata); dcgan conditions on captions or class "
                     "ids only: use the unet or srresnet generator and the patchgan discriminator, or set "
                     "conditional: false");
        return 0;
    }
    const auto v = static_cast<int64_t>(vocabulary->size());
    GANTRY_CHECK(spec.condition == Shape{v}, "dcgan: the data declares a vocabulary of ", v,
                 " words but its condition is ", spec.condition, "; a caption's bag of words is (", v, ")");
    return v;
}

/// The text encoder of G: a bias-free Linear (V -> width) on the bag of words (= the mean of the
/// caption's word embeddings), drawn N(0, 0.02) with init: dcgan, like every other weight.
std::shared_ptr<nn::Module> make_text_embedding(int64_t vocabulary, int64_t width, const Settings& s, Rng& rng) {
    auto layer = std::make_shared<nn::Linear>(
        nn::LinearOptions{.in_features = vocabulary, .out_features = width, .bias = false}, rng);
    if (s.dcgan_init) nn::init::normal_(layer->weight, rng, 0.0, 0.02);
    return layer;
}

/// z (N, latent) or (N, latent, 1, 1) [+ labels (N) or bags of words (N, V)] -> images (N, C, S, S).
class Generator final : public nn::Module {
public:
    Generator(const Settings& s, const NetworkSpec& spec) : Module("DcganGenerator") {
        Rng& rng = *spec.init_rng;
        const Shape& sample = spec.data.sample_shape;
        const Geometry g = geometry_of(sample);
        int64_t in = spec.latent;
        if (s.conditional && (vocabulary_ = text_width(spec)) > 0) {
            // Caption -> [z, W_g b]: a bias-free linear embedding of the bag of words.
            embed_text = register_module("embed_text", make_text_embedding(vocabulary_, s.embedding, s, rng));
            in += s.embedding;
        } else if (s.conditional && spec.data.classes > 0) {
            classes_ = spec.data.classes;
            embed = register_module("embed", std::make_shared<nn::Embedding>(
                nn::EmbeddingOptions{.num_embeddings = classes_, .embedding_dim = s.embedding}, rng));
            in += s.embedding;
        }
        LayerFactory make(s, rng);
        net = register_module("net", std::make_shared<nn::Sequential>());
        if (s.fp32_edges) fp32_layers_.push_back(0);
        int64_t channels = s.width << (g.halvings - 1);
        int64_t side = 4;
        add_block(make, make.deconv(in, channels, 4, 1, 0), channels, side);
        for (int i = 0; i < g.halvings; ++i) {
            const bool first = i == 0;
            const bool last = i + 1 == g.halvings;
            const int64_t out = last ? sample[0] : channels / 2;
            const int64_t kernel = g.odd_base && first ? 3 : 4;  // 4 -> 7 for the 7 * 2^k sizes
            side = g.odd_base && first ? 7 : side * 2;
            if (last) {
                if (s.fp32_edges) fp32_layers_.push_back(net->size());
                net->push_back(make.deconv(channels, out, kernel, 2, 1));
                net->push_back(std::make_shared<nn::Tanh>());
            } else {
                add_block(make, make.deconv(channels, out, kernel, 2, 1), out, side);
            }
            channels = out;
        }
    }

    using Module::forward;
    Tensor forward(const Tensor& z) override {
        GANTRY_CHECK(classes_ == 0 && vocabulary_ == 0, "dcgan generator: it is ",
                     vocabulary_ > 0 ? "text" : "class", "-conditional; call forward(z, ",
                     vocabulary_ > 0 ? "bags of words" : "labels", ")");
        return forward_layers(*net, as_maps(z), fp32_layers_);
    }
    Tensor forward(const Tensor& z, const Tensor& labels) override {
        if (vocabulary_ > 0 && labels.defined()) {
            GANTRY_CHECK_AS(ShapeError, labels.rank() == 2 && labels.size(0) == z.size(0) &&
                                            labels.size(1) == vocabulary_,
                            "dcgan generator: expected bags of words (", z.size(0), ", ", vocabulary_, "), got ",
                            labels.shape());
            const Tensor flat = reshape(z, {z.size(0), -1});
            return forward_layers(*net, as_maps(concat({flat, (*embed_text)(labels)}, 1)), fp32_layers_);
        }
        // conditional: false (or unlabelled data): the labels the runtime passes are not used.
        if (classes_ == 0 || !labels.defined()) return forward(z);
        const Tensor flat = reshape(z, {z.size(0), -1});
        return forward_layers(*net, as_maps(concat({flat, (*embed)(labels)}, 1)), fp32_layers_);
    }

    std::shared_ptr<nn::Embedding> embed;
    std::shared_ptr<nn::Module> embed_text;
    std::shared_ptr<nn::Sequential> net;

private:
    void add_block(LayerFactory& make, std::shared_ptr<nn::Module> layer, int64_t channels, int64_t side) {
        net->push_back(std::move(layer));
        if (auto n = make.norm(channels, side)) net->push_back(n);
        net->push_back(std::make_shared<nn::ReLU>());
    }
    Tensor as_maps(const Tensor& z) const {
        GANTRY_CHECK_AS(ShapeError, z.rank() == 2 || (z.rank() == 4 && z.size(2) == 1 && z.size(3) == 1),
                        "dcgan generator: expected z (N, latent) or (N, latent, 1, 1), got ", z.shape());
        return reshape(z, {z.size(0), -1, 1, 1});
    }

    int64_t classes_ = 0;
    int64_t vocabulary_ = 0;
    /// fp32_edges: indices in `net` of the first and the last transposed convolution.
    std::vector<size_t> fp32_layers_;
};

/// x (N, pack * C, S, S) [+ labels (N)] -> logits (N).
class Discriminator final : public nn::Module {
public:
    Discriminator(const Settings& s, const NetworkSpec& spec) : Module("DcganDiscriminator") {
        Rng& rng = *spec.init_rng;
        const Shape& sample = spec.data.sample_shape;
        const Geometry g = geometry_of(sample);
        const int64_t vocabulary = s.conditional ? text_width(spec) : 0;
        const bool conditional = s.conditional && (vocabulary > 0 || spec.data.classes > 0);
        GANTRY_CHECK(!(conditional && spec.pack > 1), "dcgan discriminator: ",
                     vocabulary > 0 ? "text" : "class", " conditioning "
                     "cannot be combined with pack ", spec.pack, " (a pack mixes ",
                     vocabulary > 0 ? "captions" : "classes", "); set "
                     "conditional: false or pack: 1");
        LayerFactory make(s, rng);
        features = register_module("features", std::make_shared<nn::Sequential>());
        if (s.fp32_edges) fp32_layers_.push_back(0);
        int64_t side = sample[1];
        int64_t in = spec.pack * sample[0];
        int64_t channels = s.width;
        for (int i = 0; i < g.halvings; ++i) {
            side = side == 7 ? 3 : side / 2;
            features->push_back(make.conv(in, channels, 4, 2, 1));
            // DCGAN leaves D's first layer unnormalised (it sees the raw image).
            if (i > 0)
                if (auto n = make.norm(channels, side)) features->push_back(n);
            features->push_back(std::make_shared<nn::LeakyReLU>(nn::LeakyReLUOptions{.negative_slope = s.slope}));
            in = channels;
            if (i + 1 < g.halvings) channels *= 2;
        }
        head = register_module("head", make.conv(channels, 1, side, 1, 0));
        if (vocabulary > 0) {
            // Matching-aware: the caption's embedding W_d b is projected onto D's features.
            vocabulary_ = vocabulary;
            project_text = register_module("project_text", make.projection(vocabulary_, channels));
        } else if (conditional) {
            classes_ = spec.data.classes;
            project = register_module("project", make.projection(classes_, channels));
        }
    }

    using Module::forward;
    Tensor forward(const Tensor& x) override {
        GANTRY_CHECK(classes_ == 0 && vocabulary_ == 0, "dcgan discriminator: it is ",
                     vocabulary_ > 0 ? "text" : "class", "-conditional; call forward(x, ",
                     vocabulary_ > 0 ? "bags of words" : "labels", ")");
        return logits(forward_layers(*features, x, fp32_layers_));
    }
    Tensor forward(const Tensor& x, const Tensor& labels) override {
        if (vocabulary_ > 0 && labels.defined()) {
            GANTRY_CHECK_AS(ShapeError, labels.rank() == 2 && labels.size(0) == x.size(0) &&
                                            labels.size(1) == vocabulary_,
                            "dcgan discriminator: expected bags of words (", x.size(0), ", ", vocabulary_,
                            "), got ", labels.shape());
            const Tensor h = forward_layers(*features, x, fp32_layers_);
            // logit = psi(phi(x)) + <W_d b, sum_hw phi(x)>: the class projection with a bag.
            return logits(h) + sum(sum(h, {2, 3}) * (*project_text)(labels), {1});
        }
        if (classes_ == 0 || !labels.defined()) return forward(x);
        GANTRY_CHECK_AS(ShapeError, labels.rank() == 1 && labels.size(0) == x.size(0),
                        "dcgan discriminator: expected labels (", x.size(0), "), got ", labels.shape());
        const Tensor h = forward_layers(*features, x, fp32_layers_);
        // Miyato & Koyama: logit = psi(phi(x)) + <embed(y), phi(x)>, phi summed over space.
        const Tensor pooled = sum(h, {2, 3});                        // (N, F)
        const Tensor class_rows = (*project)(one_hot(labels, classes_));  // (N, F)
        return logits(h) + sum(pooled * class_rows, {1});
    }

    std::shared_ptr<nn::Sequential> features;
    std::shared_ptr<nn::Module> head;
    std::shared_ptr<nn::Module> project;
    std::shared_ptr<nn::Module> project_text;

private:
    Tensor logits(const Tensor& h) {
        std::optional<PrecisionScope> scope;
        if (!fp32_layers_.empty()) scope.emplace(Precision::fp32);  // fp32_edges: the head is the other edge
        return reshape((*head)(h), {-1});
    }

    int64_t classes_ = 0;
    int64_t vocabulary_ = 0;
    /// fp32_edges: the first convolution of `features` (the head is the other edge).
    std::vector<size_t> fp32_layers_;
};

class Dcgan final : public Architecture {
public:
    Dcgan(const plugin::Options& o, const plugin::Context&)
        : settings_{o.get_int("width"),
                    o.get_string("norm"),
                    o.get_bool("spectral_norm"),
                    static_cast<float>(o.get_number("slope")),
                    o.get_bool("bias"),
                    o.get_string("init") == "dcgan",
                    o.get_bool("conditional"),
                    o.get_int("embedding"),
                    o.get_bool("fp32_edges")} {}

    std::shared_ptr<nn::Module> build(const NetworkSpec& spec) override {
        GANTRY_CHECK(spec.init_rng != nullptr, "dcgan: no initialisation Rng");
        GANTRY_CHECK(spec.latent >= 1 || spec.role == Role::discriminator,
                     "dcgan: the generator needs latent >= 1, got ", spec.latent);
        if (spec.role == Role::generator) return std::make_shared<Generator>(settings_, spec);
        return std::make_shared<Discriminator>(settings_, spec);
    }

private:
    Settings settings_;
};

}  // namespace

// fp32_edges came after the shipped experiments: added, so their configuration hashes stay.
GANTRY_PLUGIN_WITH_ADDED_OPTIONS(architecture, "dcgan", "1.1.0",
              "convolutional G (transposed convs, batch norm) or D (strided convs, leaky ReLU); "
              "optional spectral norm, class or caption conditioning (projection D), 8..128 px",
              kOptions, "fp32_edges", Dcgan)
