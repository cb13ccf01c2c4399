// SPDX-License-Identifier: Apache-2.0
// The layers: options validation, PyTorch's default initialisation, forward == the functional op,
// and one small network trained by hand.
#include <cmath>

#include "gantry/autograd.hpp"
#include "gantry/nn/init.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {
std::vector<std::string> parameter_names(const nn::Module& m) {
    std::vector<std::string> out;
    for (const auto& entry : m.named_parameters()) out.push_back(entry.first);
    return out;
}

double max_abs(const Tensor& t) {
    double out = 0.0;
    for (float v : t.to_vector()) out = std::max(out, static_cast<double>(std::abs(v)));
    return out;
}
}  // namespace

// ---- construction: needs no layer op --------------------------------------------------------

TEST_CASE("Options: validate() names the bad value", "[nn][errors]") {
    Rng rng(0);
    CHECK_THROWS_WITH((nn::Linear(nn::LinearOptions{.in_features = 0, .out_features = 3}, rng)),
                      Catch::Contains("LinearOptions: in_features must be positive, got 0"));
    CHECK_THROWS_WITH((nn::LinearOptions{.in_features = 2, .out_features = -1}.validate()),
                      Catch::Contains("out_features must be positive, got -1"));
    CHECK_THROWS_WITH(
        (nn::Conv2dOptions{.in_channels = 3, .out_channels = 8, .kernel_size = 3, .stride = 0}
             .validate()),
        Catch::Contains("Conv2dOptions: stride must be positive, got 0"));
    CHECK_THROWS_WITH(
        (nn::Conv2dOptions{.in_channels = 3, .out_channels = 8, .kernel_size = {3, 0}}.validate()),
        Catch::Contains("kernel_size must be positive, got (3, 0)"));
    CHECK_THROWS_WITH(
        (nn::Conv2dOptions{.in_channels = 3, .out_channels = 8, .padding = -1}.validate()),
        Catch::Contains("padding must be non-negative, got -1"));
    CHECK_THROWS_WITH((nn::ConvTranspose2dOptions{.in_channels = 4, .out_channels = 2,
                                                  .kernel_size = 4, .stride = 2,
                                                  .output_padding = 2}
                           .validate()),
                      Catch::Contains("output_padding must be smaller than stride or dilation, "
                                      "got output_padding=2, stride=2, dilation=1"));
    CHECK_THROWS_WITH((nn::BatchNormOptions{.num_features = 4, .momentum = 1.5f}.validate()),
                      Catch::Contains("BatchNormOptions: momentum must be in [0, 1], got 1.5"));
    CHECK_THROWS_WITH((nn::BatchNormOptions{.num_features = 4, .eps = 0.f}.validate()),
                      Catch::Contains("eps must be positive, got 0"));
    CHECK_THROWS_WITH(nn::BatchNorm2d(nn::BatchNormOptions{}),
                      Catch::Contains("num_features must be positive, got 0"));
    CHECK_THROWS_WITH(nn::LayerNorm(nn::LayerNormOptions{}),
                      Catch::Contains("normalized_shape must have 1 to 3 axes, got ()"));
    CHECK_THROWS_WITH((nn::LayerNorm(nn::LayerNormOptions{.normalized_shape = {4, 0}})),
                      Catch::Contains("normalized_shape must be positive, got (4, 0)"));
    CHECK_THROWS_WITH(nn::LeakyReLU(nn::LeakyReLUOptions{.negative_slope = -0.1f}),
                      Catch::Contains("negative_slope must be finite and non-negative, got -0.1"));
    CHECK_THROWS_WITH(nn::Dropout(nn::DropoutOptions{.p = 1.f}),
                      Catch::Contains("DropoutOptions: p must be in [0, 1), got 1"));
    CHECK_THROWS_WITH((nn::Embedding(nn::EmbeddingOptions{.num_embeddings = 10}, rng)),
                      Catch::Contains("embedding_dim must be positive, got 0"));
    CHECK_THROWS_WITH(nn::Maxout(0), Catch::Contains("Maxout: pieces must be positive, got 0"));
    CHECK_THROWS_WITH((nn::Reshape({2, -1, -1})), Catch::Contains("at most one -1"));
    CHECK_THROWS_WITH(nn::Flatten(4), Catch::Contains("start_axis must be in [0, 4), got 4"));
}

TEST_CASE("Linear Conv2d ConvTranspose2d: PyTorch's default initialisation drawn from the seed",
          "[nn]") {
    SECTION("Linear: weight and bias in U(-1/sqrt(fan_in), 1/sqrt(fan_in))") {
        Rng rng(1);
        nn::Linear fc(nn::LinearOptions{.in_features = 400, .out_features = 300}, rng);
        CHECK(fc.weight.shape() == Shape{300, 400});
        CHECK(fc.bias.shape() == Shape{300});
        CHECK(max_abs(fc.weight) <= 1.0 / 20.0);
        CHECK(max_abs(fc.weight) > 0.99 / 20.0);
        CHECK(max_abs(fc.bias) <= 1.0 / 20.0);
        CHECK(max_abs(fc.bias) > 0.9 / 20.0);
        Rng again(1), other(2);
        nn::Linear same(nn::LinearOptions{.in_features = 400, .out_features = 300}, again);
        nn::Linear different(nn::LinearOptions{.in_features = 400, .out_features = 300}, other);
        CHECK(same.weight.to_vector() == fc.weight.to_vector());
        CHECK(same.bias.to_vector() == fc.bias.to_vector());
        CHECK(different.weight.to_vector() != fc.weight.to_vector());
        // reset_parameters draws again from the generator it is given.
        Rng third(1);
        same.reset_parameters(third);
        CHECK(same.weight.to_vector() == fc.weight.to_vector());
    }
    SECTION("Conv2d: fan_in = Cin * kH * kW; no bias when asked") {
        Rng rng(2);
        nn::Conv2d conv(nn::Conv2dOptions{.in_channels = 16, .out_channels = 32,
                                          .kernel_size = {3, 5}, .bias = false},
                        rng);
        CHECK(conv.weight.shape() == Shape{32, 16, 3, 5});
        CHECK_FALSE(conv.bias.defined());
        CHECK(parameter_names(conv) == std::vector<std::string>{"weight"});
        CHECK(max_abs(conv.weight) <= 1.0 / std::sqrt(240.0));
        CHECK(max_abs(conv.weight) > 0.99 / std::sqrt(240.0));
    }
    SECTION("ConvTranspose2d: weight (Cin, Cout, kH, kW), PyTorch's fan_in = Cout * kH * kW") {
        Rng rng(3);
        nn::ConvTranspose2d up(nn::ConvTranspose2dOptions{.in_channels = 64, .out_channels = 4,
                                                          .kernel_size = 4, .stride = 2,
                                                          .padding = 1},
                               rng);
        CHECK(up.weight.shape() == Shape{64, 4, 4, 4});
        CHECK(up.bias.shape() == Shape{4});
        CHECK(up.output_axis() == 1);
        CHECK(max_abs(up.weight) <= 1.0 / 8.0);  // 1/sqrt(4 * 16), not 1/sqrt(64 * 16)
        CHECK(max_abs(up.weight) > 0.99 / 8.0);
        CHECK(max_abs(up.bias) <= 1.0 / 8.0);
    }
    SECTION("Embedding: N(0, 1); norm layers start as the identity") {
        Rng rng(4);
        nn::Embedding embed(nn::EmbeddingOptions{.num_embeddings = 100, .embedding_dim = 100}, rng);
        double var = 0.0;
        for (float v : embed.weight.to_vector()) var += v * v;
        CHECK_THAT(var / 1e4, Catch::WithinAbs(1.0, 0.05));
        nn::BatchNorm2d bn(nn::BatchNormOptions{.num_features = 3});
        CHECK(bn.weight.to_vector() == std::vector<float>{1, 1, 1});
        CHECK(bn.bias.to_vector() == std::vector<float>{0, 0, 0});
        CHECK(bn.running_mean.to_vector() == std::vector<float>{0, 0, 0});
        CHECK(bn.running_var.to_vector() == std::vector<float>{1, 1, 1});
        CHECK(parameter_names(bn) == std::vector<std::string>{"weight", "bias"});
        CHECK(bn.named_buffers().size() == 2);
        nn::BatchNorm1d plain(nn::BatchNormOptions{.num_features = 3, .affine = false,
                                                   .track_running_stats = false});
        CHECK(plain.parameters().empty());
        CHECK(plain.buffers().empty());
        nn::LayerNorm ln(nn::LayerNormOptions{.normalized_shape = {2, 3}});
        CHECK(ln.weight.shape() == Shape{2, 3});
    }
}

TEST_CASE("Sequential: children named 0 1 2 and typed access", "[nn]") {
    Rng rng(5);
    nn::Sequential net{
        std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 2, .out_features = 8}, rng),
        std::make_shared<nn::LeakyReLU>(nn::LeakyReLUOptions{.negative_slope = 0.2f}),
        std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 8, .out_features = 1}, rng)};
    net.push_back(std::make_shared<nn::Sigmoid>());
    CHECK(net.size() == 4);
    CHECK(parameter_names(net) ==
          std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
    CHECK(net.at<nn::Linear>(2)->options.in_features == 8);
    CHECK(net[1]->name() == "LeakyReLU");
    CHECK_THROWS_WITH(net.at<nn::Linear>(1), Catch::Contains("module 1 is a LeakyReLU"));
    CHECK_THROWS_WITH(net[4], Catch::Contains("index 4 is out of range for 4 modules"));
    CHECK(net.repr() ==
          "Sequential(\n"
          "  (0): Linear(in_features=2, out_features=8, bias=true)\n"
          "  (1): LeakyReLU(negative_slope=0.2)\n"
          "  (2): Linear(in_features=8, out_features=1, bias=true)\n"
          "  (3): Sigmoid()\n"
          ")");
}

TEST_CASE("Flatten Reshape and activations: forward equals the op", "[nn]") {
    const Tensor x = random_tensor({2, 3, 2, 2}, 6);
    CHECK(nn::Flatten()(x).shape() == Shape{2, 12});
    CHECK(nn::Flatten(2)(x).shape() == Shape{2, 3, 4});
    CHECK(nn::Reshape({3, 4})(x).shape() == Shape{2, 3, 4});
    CHECK(nn::Reshape({-1, 2})(x).shape() == Shape{2, 6, 2});
    CHECK(nn::ReLU()(x).to_vector() == relu(x).to_vector());
    CHECK(nn::LeakyReLU(nn::LeakyReLUOptions{.negative_slope = 0.2f})(x).to_vector() ==
          leaky_relu(x, 0.2f).to_vector());
    CHECK(nn::Tanh()(x).to_vector() == tanh(x).to_vector());
    CHECK(nn::Sigmoid()(x).to_vector() == sigmoid(x).to_vector());
}

// ---- forward through the ops of the conv (linear, conv2d, conv_transpose2d) and norm
// (batch_norm, layer_norm, dropout, maxout, embedding) branches -----------------------------

TEST_CASE("Linear: forward equals the functional op and bad input is named", "[nn]") {
    Rng rng(7);
    nn::Linear fc(nn::LinearOptions{.in_features = 5, .out_features = 3}, rng);
    const Tensor x = random_tensor({4, 5}, 8);
    GANTRY_REQUIRE_CHECK(all_close(fc(x), linear(x, fc.weight, fc.bias)));
    const Tensor w2 = random_tensor({3, 5}, 9);
    GANTRY_REQUIRE_CHECK(all_close(fc.forward_with_weight(x, w2), linear(x, w2, fc.bias)));
    nn::Linear no_bias(nn::LinearOptions{.in_features = 5, .out_features = 3, .bias = false}, rng);
    GANTRY_REQUIRE_CHECK(all_close(no_bias(x), linear(x, no_bias.weight)));
    CHECK_THROWS_WITH(fc(random_tensor({4, 6}, 1)),
                      Catch::Contains("Linear: expected input (N, in_features) with 5 at axis 1, "
                                      "got (4, 6)"));
    CHECK_THROWS_WITH(fc.forward_with_weight(x, random_tensor({5, 3}, 1)),
                      Catch::Contains("expected a weight of shape (3, 5), got (5, 3)"));
}

TEST_CASE("Conv2d and ConvTranspose2d: forward equals the functional op", "[nn]") {
    Rng rng(10);
    nn::Conv2d conv(nn::Conv2dOptions{.in_channels = 3, .out_channels = 4, .kernel_size = 3,
                                      .stride = 2, .padding = 1, .dilation = {1, 2}},
                    rng);
    const Tensor x = random_tensor({2, 3, 7, 8}, 11);
    Conv2dParams params;
    params.stride = {2, 2};
    params.padding = {1, 1};
    params.dilation = {1, 2};
    const Tensor y = conv(x);
    CHECK(y.shape() == Shape{2, 4, 4, 3});
    GANTRY_REQUIRE_CHECK(all_close(y, conv2d(x, conv.weight, conv.bias, params)));
    CHECK_THROWS_WITH(conv(random_tensor({2, 2, 7, 8}, 1)),
                      Catch::Contains("Conv2d: expected input (N, in_channels, H, W) with 3"));

    nn::ConvTranspose2d up(nn::ConvTranspose2dOptions{.in_channels = 4, .out_channels = 2,
                                                      .kernel_size = 4, .stride = 2,
                                                      .padding = 1, .output_padding = 1},
                           rng);
    const Tensor h = random_tensor({2, 4, 3, 3}, 12);
    Conv2dParams up_params;
    up_params.stride = {2, 2};
    up_params.padding = {1, 1};
    const Tensor z = up(h);
    CHECK(z.shape() == Shape{2, 2, 7, 7});  // (3 - 1) * 2 - 2 + 3 + 1 + 1
    GANTRY_REQUIRE_CHECK(all_close(z, conv_transpose2d(h, up.weight, up.bias, up_params, {1, 1})));
}

TEST_CASE("BatchNorm2d: training uses and updates batch statistics and eval uses running ones",
          "[nn]") {
    nn::BatchNorm2d bn(nn::BatchNormOptions{.num_features = 3, .momentum = 0.2f});
    Rng rng(13);
    nn::init::normal_(bn.weight, rng);
    const Tensor x = random_tensor({4, 3, 2, 2}, 14, -2.f, 3.f);
    Tensor running_mean = Tensor::zeros({3}), running_var = Tensor::ones({3});
    const Tensor expected = batch_norm(x, bn.weight, bn.bias, running_mean, running_var, true,
                                       0.2f, 1e-5f);
    GANTRY_REQUIRE_CHECK(all_close(bn(x), expected));
    GANTRY_REQUIRE_CHECK(all_close(bn.running_mean, running_mean));
    GANTRY_REQUIRE_CHECK(all_close(bn.running_var, running_var));
    CHECK(bn.running_mean.to_vector() != std::vector<float>{0, 0, 0});

    bn.eval();
    const std::vector<float> mean_before = bn.running_mean.to_vector();
    GANTRY_REQUIRE_CHECK(all_close(bn(x), batch_norm(x, bn.weight, bn.bias, running_mean,
                                                     running_var, false, 0.2f, 1e-5f)));
    CHECK(bn.running_mean.to_vector() == mean_before);
    CHECK_THROWS_WITH(bn(random_tensor({4, 3}, 1)),
                      Catch::Contains("BatchNorm2d: expected input (N, C, H, W) with 3"));

    // Without running statistics eval mode still normalises with the batch's.
    nn::BatchNorm1d plain(nn::BatchNormOptions{.num_features = 2, .track_running_stats = false});
    plain.eval();
    const Tensor v = random_tensor({8, 2}, 15);
    GANTRY_REQUIRE_CHECK(all_close(plain(v), batch_norm(v, plain.weight, plain.bias, Tensor(),
                                                        Tensor(), true, 0.1f, 1e-5f)));
}

TEST_CASE("LayerNorm Maxout Embedding Dropout: forward equals the op", "[nn]") {
    nn::LayerNorm ln(nn::LayerNormOptions{.normalized_shape = {3, 2}});
    const Tensor x = random_tensor({4, 3, 2}, 16);
    GANTRY_REQUIRE_CHECK(all_close(ln(x), layer_norm(x, ln.weight, ln.bias, 1e-5f)));
    CHECK_THROWS_WITH(ln(random_tensor({4, 2, 3}, 1)),
                      Catch::Contains("LayerNorm: expected input (N, 3, 2), got (4, 2, 3)"));

    const Tensor features = Tensor::from_vector({1, 4}, {1, 5, -2, -1});
    CHECK(nn::Maxout(2)(features).to_vector() == std::vector<float>{5, -1});
    CHECK_THROWS_WITH(nn::Maxout(3)(features), Catch::Contains("expected input (N, C * 3, ...)"));

    Rng rng(17);
    nn::Embedding embed(nn::EmbeddingOptions{.num_embeddings = 4, .embedding_dim = 3}, rng);
    const Tensor rows = embed(Tensor::from_vector({2}, {2, 0}));
    const std::vector<float> table = embed.weight.to_vector();
    CHECK(rows.to_vector() == std::vector<float>{table[6], table[7], table[8], table[0], table[1],
                                                 table[2]});

    nn::Dropout drop(nn::DropoutOptions{.p = 0.5f, .seed = 3});
    const Tensor ones = Tensor::ones({1000});
    const std::vector<float> masked = drop(ones).to_vector();
    int zeros = 0;
    for (float v : masked) {
        CHECK((v == 0.f || v == 2.f));
        zeros += v == 0.f;
    }
    CHECK(zeros > 400);
    CHECK(zeros < 600);
    nn::Dropout same(nn::DropoutOptions{.p = 0.5f, .seed = 3});
    CHECK(same(ones).to_vector() == masked);
    drop.eval();
    CHECK(drop(ones).to_vector() == ones.to_vector());
}

TEST_CASE("Sequential: an MLP trained by hand-written SGD lowers its loss", "[nn]") {
    Rng rng(21);
    auto net = std::make_shared<nn::Sequential>();
    net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 2, .out_features = 16}, rng));
    net->push_back(std::make_shared<nn::LeakyReLU>(nn::LeakyReLUOptions{.negative_slope = 0.2f}));
    net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 16, .out_features = 1}, rng));
    // Fit y = x0 - 2 x1 on a fixed batch.
    const Tensor x = random_tensor({32, 2}, 22);
    std::vector<float> target_values;
    for (int64_t i = 0; i < 32; ++i) target_values.push_back(x.data()[2 * i] - 2.f * x.data()[2 * i + 1]);
    const Tensor target = Tensor::from_vector({32, 1}, target_values);

    auto loss_fn = [&] { return mean(square((*net)(x) - target)); };
    const float first = loss_fn().item();
    float last = first;
    for (int step = 0; step < 50; ++step) {
        net->zero_grad();
        const Tensor loss = loss_fn();
        autograd::backward(loss);
        for (Tensor p : net->parameters()) {
            // p -= lr * grad, outside the tape.
            const Tensor g = p.grad();
            for (int64_t i = 0; i < p.numel(); ++i) p.data()[i] -= 0.1f * g.data()[i];
        }
        last = loss.item();
    }
    INFO("loss " << first << " -> " << last);
    CHECK(last < 0.25f * first);
    CHECK(loss_fn().item() <= last);
}

TEST_CASE("Dropout: the mask stream's position is a buffer that load_state_dict restores", "[nn][resume]") {
    const Tensor ones = Tensor::ones({64});
    nn::Dropout drop(nn::DropoutOptions{.p = 0.5f, .seed = 3});
    drop(ones);
    const auto saved = drop.state_dict();
    REQUIRE(saved.count("rng_counter") == 1);
    const Tensor snapshot = saved.at("rng_counter").clone();
    const std::vector<float> next = drop(ones).to_vector();

    nn::Dropout fresh(nn::DropoutOptions{.p = 0.5f, .seed = 3});
    CHECK(fresh(ones).to_vector() != next);  // a fresh stream repeats the first mask
    fresh.load_state_dict({{"rng_counter", snapshot}});
    CHECK(fresh(ones).to_vector() == next);
    // Eval mode draws nothing.
    fresh.eval();
    const std::vector<float> before = fresh.rng_counter.to_vector();
    fresh(ones);
    CHECK(fresh.rng_counter.to_vector() == before);
}
