// SPDX-License-Identifier: Apache-2.0
// mlp: fully connected generator or discriminator for points or flattened images.
// G: latent -> hidden... -> prod(sample_shape) [-> output activation] -> sample_shape.
// D: pack * prod(sample_shape) -> hidden... -> 1 (logits).
#include <gantry/nn/layers.hpp>
#include <gantry/plugin.hpp>

#include <cmath>

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
        auto net = std::make_shared<nn::Sequential>();
        if (!is_g && spec.data.sample_shape.rank() > 1) net->push_back(std::make_shared<nn::Flatten>(1));
        int64_t width = is_g ? spec.latent : spec.pack * features;
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

GANTRY_PLUGIN(architecture, "mlp", "1.0.0", "fully connected G or D (points or flattened images)",
              kOptions, Mlp)
