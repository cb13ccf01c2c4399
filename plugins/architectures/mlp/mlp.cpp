// SPDX-License-Identifier: Apache-2.0
// mlp: fully connected generator or discriminator for points or flattened images.
// G: latent -> hidden... -> prod(sample_shape) [-> output activation] -> sample_shape.
// D: pack * prod(sample_shape) -> hidden... -> 1 (logits).
// Text (data declaring a vocabulary, gantry/datasets/text.hpp): the caption's bag of words b (V)
// joins each network's input — G: [z, b], D: [flatten(x), b] (Reed et al. 2016's conditioning by
// concatenation). The first layer's weights on b are then the linear text embedding, folded into
// that layer; both networks stay linear in b up to their first activation, so GAN-INT's
// interpolated bags are interpolated embeddings. Without a vocabulary the nets are unchanged.
#include <gantry/datasets/text.hpp>
#include <gantry/nn/layers.hpp>
#include <gantry/plugin.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace gantry;

const double kNaN = std::nan("");

const plugin::OptionSpec kOptions[] = {
    {"hidden", plugin::OptionType::integer_list, "[128, 128, 128]", 1, 1 << 16, nullptr,
     "width of each hidden layer"},
    {"activation", plugin::OptionType::string, "relu", kNaN, kNaN, "relu|leaky_relu|tanh|maxout",
     "hidden activation (maxout: `pieces` linear pieces per unit)"},
    {"slope", plugin::OptionType::number, "0.2", 0, 1, nullptr, "negative slope of leaky_relu"},
    {"pieces", plugin::OptionType::integer, "2", 2, 16, nullptr, "linear pieces per maxout unit"},
    {"norm", plugin::OptionType::string, "none", kNaN, kNaN, "none|batch|layer",
     "normalisation after each hidden linear layer (batch norm: G only; layer norm: any)"},
    {"output", plugin::OptionType::string, "none", kNaN, kNaN, "none|tanh|sigmoid",
     "generator output activation (tanh for images in [-1, 1])"},
};

/// A text-conditional net: forward(x, bags (N, V)) is net([flatten(x), bags]).
class TextConditioned final : public nn::Module {
public:
    TextConditioned(std::shared_ptr<nn::Sequential> inner, int64_t vocabulary)
        : Module("TextMlp"), vocabulary_(vocabulary) {
        net = register_module("net", std::move(inner));
    }
    using Module::forward;
    Tensor forward(const Tensor&) override {
        GANTRY_CHECK(false, "mlp: this network is text-conditional; call forward(x, bags of words)");
        return {};
    }
    Tensor forward(const Tensor& x, const Tensor& bags) override {
        GANTRY_CHECK_AS(ShapeError, bags.defined() && bags.rank() == 2 && bags.size(0) == x.size(0) &&
                                        bags.size(1) == vocabulary_,
                        "mlp: expected bags of words (", x.size(0), ", ", vocabulary_, "), got ",
                        bags.defined() ? bags.shape().str() : std::string("none"));
        return (*net)(concat({reshape(x, {x.size(0), -1}), bags}, 1));
    }
    std::shared_ptr<nn::Sequential> net;

private:
    int64_t vocabulary_;
};

class Mlp final : public Architecture {
public:
    Mlp(const plugin::Options& o, const plugin::Context&)
        : hidden_(o.get_int_list("hidden")),
          activation_(o.get_string("activation")),
          slope_(static_cast<float>(o.get_number("slope"))),
          pieces_(o.get_int("pieces")),
          norm_(o.get_string("norm")),
          output_(o.get_string("output")) {}

    std::shared_ptr<nn::Module> build(const NetworkSpec& spec) override {
        GANTRY_CHECK(spec.init_rng != nullptr, "mlp: no initialisation Rng");
        Rng& rng = *spec.init_rng;
        const bool is_g = spec.role == Role::generator;
        GANTRY_CHECK(is_g || norm_ != "batch",
                     "mlp: norm: batch is for generators; a discriminator takes norm: layer or none");
        const int64_t features = spec.data.sample_shape.numel();
        const std::optional<std::vector<std::string>> vocabulary = datasets::find_vocabulary(spec.data);
        const int64_t text = vocabulary ? static_cast<int64_t>(vocabulary->size()) : 0;
        GANTRY_CHECK(text == 0 || spec.pack == 1, "mlp: text conditioning cannot be combined with pack ", spec.pack,
                     " (a pack mixes captions); set pack: 1");
        auto net = std::make_shared<nn::Sequential>();
        if (!is_g && text == 0 && spec.data.sample_shape.rank() > 1) net->push_back(std::make_shared<nn::Flatten>(1));
        int64_t width = (is_g ? spec.latent : spec.pack * features) + text;
        for (int64_t h : hidden_) {
            const int64_t units = activation_ == "maxout" ? h * pieces_ : h;
            net->push_back(std::make_shared<nn::Linear>(
                nn::LinearOptions{.in_features = width, .out_features = units}, rng));
            if (norm_ == "batch")
                net->push_back(std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions{.num_features = units}));
            else if (norm_ == "layer")
                net->push_back(std::make_shared<nn::LayerNorm>(nn::LayerNormOptions{.normalized_shape = {units}}));
            net->push_back(activation());
            width = h;
        }
        net->push_back(std::make_shared<nn::Linear>(
            nn::LinearOptions{.in_features = width, .out_features = is_g ? features : 1}, rng));
        if (is_g) {
            if (output_ == "tanh") net->push_back(std::make_shared<nn::Tanh>());
            else if (output_ == "sigmoid") net->push_back(std::make_shared<nn::Sigmoid>());
            if (spec.data.sample_shape.rank() > 1)
                net->push_back(std::make_shared<nn::Reshape>(spec.data.sample_shape.dims()));
        }
        if (text > 0) return std::make_shared<TextConditioned>(net, text);
        return net;
    }

private:
    std::shared_ptr<nn::Module> activation() const {
        if (activation_ == "leaky_relu")
            return std::make_shared<nn::LeakyReLU>(nn::LeakyReLUOptions{.negative_slope = slope_});
        if (activation_ == "tanh") return std::make_shared<nn::Tanh>();
        if (activation_ == "maxout") return std::make_shared<nn::Maxout>(pieces_);
        return std::make_shared<nn::ReLU>();
    }

    std::vector<int64_t> hidden_;
    std::string activation_;
    float slope_;
    int64_t pieces_;
    std::string norm_;
    std::string output_;
};

}  // namespace

GANTRY_PLUGIN(architecture, "mlp", "1.0.0", "fully connected G or D (points or flattened images; a caption's bag of words joins the input)",
              kOptions, Mlp)
