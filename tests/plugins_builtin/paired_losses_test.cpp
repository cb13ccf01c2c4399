// SPDX-License-Identifier: Apache-2.0
// The reconstruction terms of paired data (issue 13): l1, l2 and perceptual, loaded through the
// plugin host, checked on hand-computed inputs, against the reference classifier's own forward,
// and against finite differences to first and second order (tests/support/gradcheck.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/eval/classifier.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/loss.hpp"
#include "gantry/ops.hpp"
#include "plugin/host.hpp"
#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;
namespace fs = std::filesystem;
using Catch::Matchers::WithinAbs;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

std::unique_ptr<Loss> make_loss(const std::string& name, const Set& set = {}) {
    return builtin_host().create_loss(name, plugin_options(plugin::Kind::loss, name, set), plugin::Context{});
}

GeneratorStep paired_step(const Tensor& fake, const Tensor& target) {
    GeneratorStep s;
    s.fake = fake;
    s.real = target;
    s.condition = Tensor::zeros({fake.size(0), 1, 2, 2});
    s.discriminator = [](const Tensor&, const Tensor&) -> Tensor {
        FAIL("a reconstruction term must not call D");
        return {};
    };
    return s;
}

/// The single term of `loss` on (fake, target).
Tensor term(Loss& loss, const Tensor& fake, const Tensor& target, const std::string& name) {
    autograd::EnableGradGuard record;  // gradcheck's differences run without the tape
    const LossTerms terms = loss.generator_loss(paired_step(fake, target));
    REQUIRE(terms.size() == 1);
    CHECK(terms[0].first == name);
    return terms[0].second;
}

/// fake = target + an offset at least 0.1 from 0 (|.| has a kink at 0): a leaf.
Tensor away_from(const Tensor& target, uint64_t seed) {
    const Tensor offset = random_tensor(target.shape(), seed, -0.6f, 0.6f, 0.1f);
    std::vector<float> v = target.to_vector();
    for (size_t i = 0; i < v.size(); ++i) v[i] += offset.data()[i];
    return Tensor::from_vector(target.shape(), v);
}

const fs::path kWeights = fs::path(GANTRY_BUILD_DIR) / "plugins" / "image_metrics" / "fashion_mnist_cnn.gtf";

/// Fashion-MNIST-like test inputs without the data files: smooth blobs in [-1, 1].
Tensor blobs(int64_t n, uint64_t seed) {
    Rng rng(seed, 1);
    const Tensor centres = rng.uniform({n, 3}, 8.f, 20.f);
    Tensor x = Tensor::empty({n, 1, 28, 28});
    for (int64_t i = 0; i < n; ++i)
        for (int64_t y = 0; y < 28; ++y)
            for (int64_t xx = 0; xx < 28; ++xx) {
                const float cy = centres.data()[i * 3], cx = centres.data()[i * 3 + 1], r = centres.data()[i * 3 + 2] / 2;
                const float d2 = (static_cast<float>(y) - cy) * (static_cast<float>(y) - cy) +
                                 (static_cast<float>(xx) - cx) * (static_cast<float>(xx) - cx);
                x.data()[(i * 28 + y) * 28 + xx] = 2.f * std::exp(-d2 / (2 * r * r)) - 1.f;
            }
    return x;
}

/// A blob plus uniform noise in [-0.3, 0.3]: every pixel differs from its neighbours.
Tensor noisy_blob(uint64_t seed) {
    Tensor x = blobs(1, seed);
    const Tensor noise = random_tensor(x.shape(), seed + 100, -0.3f, 0.3f);
    std::vector<float> v = x.to_vector();
    for (size_t i = 0; i < v.size(); ++i) v[i] += noise.data()[i];
    return Tensor::from_vector(x.shape(), v);
}

}  // namespace

TEST_CASE("paired losses: l1 l2 and perceptual are found and need pairs and give D no terms",
          "[plugins_builtin][loss][paired]") {
    for (const char* name : {"l1", "l2", "perceptual"}) {
        INFO(name);
        auto loss = make_loss(name);
        CHECK(loss->needs_pairs());
        CHECK_FALSE(loss->penalizes_input_gradient());
        DiscriminatorStep d;
        d.real = Tensor::zeros({2, 1, 28, 28});
        d.fake = Tensor::ones({2, 1, 28, 28});
        d.discriminator = [](const Tensor&, const Tensor&) -> Tensor {
            FAIL("a reconstruction term must not call D");
            return {};
        };
        CHECK(loss->discriminator_loss(d).empty());
        // Without a paired target (an unconditional run): an error naming the plugin.
        GeneratorStep g;
        g.fake = Tensor::zeros({2, 1, 28, 28});
        g.d_fake = Tensor::zeros({2});
        CHECK_THAT(error_message<Error>([&] { loss->generator_loss(g); }),
                   Catch::Contains(std::string("'") + name + "'") && Catch::Contains("paired target"));
        // Shapes that differ.
        CHECK_THROWS_AS(loss->generator_loss(paired_step(Tensor::zeros({2, 1, 28, 28}), Tensor::zeros({2, 1, 14, 14}))),
                        ShapeError);
    }
}

TEST_CASE("paired losses: l1 and l2 are the means over pixels of |fake - target| and its square",
          "[plugins_builtin][loss][paired]") {
    const Tensor fake = Tensor::from_vector({2, 1, 1, 3}, {0.5f, -1.f, 2.f, 0.f, 0.25f, -0.75f});
    const Tensor target = Tensor::from_vector({2, 1, 1, 3}, {0.f, 1.f, 1.f, 0.5f, 0.25f, 0.25f});
    // |d| = 0.5 2 1 0.5 0 1
    CHECK_THAT(term(*make_loss("l1"), fake, target, "l1").item(), WithinAbs(5.0 / 6, 1e-6));
    CHECK_THAT(term(*make_loss("l2"), fake, target, "l2").item(), WithinAbs((0.25 + 4 + 1 + 0.25 + 0 + 1) / 6, 1e-6));
    CHECK(term(*make_loss("l1"), target, target, "l1").item() == 0.f);

    // The gradient reaches fake: d l1 / d fake = sign(fake - target) / N; d l2 = 2 (fake - target) / N.
    Tensor leaf = fake.clone();
    leaf.requires_grad_();
    const std::vector<float> g1 = autograd::grad({term(*make_loss("l1"), leaf, target, "l1")}, {leaf})[0].to_vector();
    CHECK(g1 == std::vector<float>{1.f / 6, -1.f / 6, 1.f / 6, -1.f / 6, 0.f, -1.f / 6});
    const std::vector<float> g2 = autograd::grad({term(*make_loss("l2"), leaf, target, "l2")}, {leaf})[0].to_vector();
    const std::vector<float> d = {0.5f, -2.f, 1.f, -0.5f, 0.f, -1.f};
    for (size_t i = 0; i < 6; ++i) CHECK_THAT(g2[i], WithinAbs(2 * d[i] / 6, 1e-6));
}

TEST_CASE("paired losses: l1 and l2 gradients and gradients of gradients match finite differences",
          "[plugins_builtin][loss][paired]") {
    const SingleThread one;
    const Tensor target = random_tensor({2, 1, 4, 4}, 41);
    for (const char* name : {"l1", "l2"}) {
        INFO(name);
        auto loss = make_loss(name);
        const OpFn f = [&](const std::vector<Tensor>& in) { return term(*loss, in[0], target, name); };
        GANTRY_REQUIRE_CHECK(gradcheck(f, {away_from(target, 42)}));
        // l2's second derivative is 2/N; l1's is 0, so it is checked through a curvature.
        const OpFn curved = [&](const std::vector<Tensor>& in) { return square(f(in)); };
        GANTRY_REQUIRE_CHECK(gradgradcheck(std::string(name) == "l1" ? curved : f, {away_from(target, 43)}));
        // The target is data: with respect to it the terms are just as differentiable.
        const OpFn g = [&](const std::vector<Tensor>& in) { return square(term(*loss, away_from(target, 44), in[0], name)); };
        GANTRY_REQUIRE_CHECK(gradcheck(g, {target.clone()}));
    }
}

TEST_CASE("paired losses: perceptual is the distance of the reference classifier's activations",
          "[plugins_builtin][loss][paired]") {
    REQUIRE(fs::exists(kWeights));
    auto classifier = eval::load_classifier(kWeights, io::file_sha256_hex(kWeights));
    const Tensor target = blobs(3, 1);
    const Tensor fake = blobs(3, 2);
    autograd::NoGradGuard no_grad;
    // The module's eval forward, layer by layer (body: conv bn relu x3, flatten, linear bn relu).
    std::vector<Tensor> acts_fake, acts_target;
    Tensor a = fake, b = target;
    for (size_t i = 0; i < classifier->body->size(); ++i) {
        a = (*(*classifier->body)[i])(a);
        b = (*(*classifier->body)[i])(b);
        if (i == 2 || i == 5 || i == 8 || i == 12) acts_fake.push_back(a), acts_target.push_back(b);
    }
    acts_fake.push_back(classifier->logits_of_features(a));
    acts_target.push_back(classifier->logits_of_features(b));
    const char* layers[] = {"block1", "block2", "block3", "features", "logits"};
    for (size_t l = 0; l < 5; ++l) {
        INFO(layers[l]);
        const std::vector<float> u = acts_fake[l].to_vector(), v = acts_target[l].to_vector();
        double mse = 0, mae = 0;
        for (size_t i = 0; i < u.size(); ++i) mse += (u[i] - v[i]) * (u[i] - v[i]), mae += std::fabs(u[i] - v[i]);
        mse /= static_cast<double>(u.size());
        mae /= static_cast<double>(u.size());
        REQUIRE(mse > 1e-3);
        const double got = term(*make_loss("perceptual", {{"layer", std::string(layers[l])}}), fake, target, "perceptual").item();
        CHECK_THAT(got, WithinAbs(mse, 1e-4 * mse + 1e-6));
        const double got_l1 = term(*make_loss("perceptual", {{"layer", std::string(layers[l])}, {"distance", std::string("l1")}}),
                                   fake, target, "perceptual").item();
        CHECK_THAT(got_l1, WithinAbs(mae, 1e-4 * mae + 1e-6));
    }
    CHECK(term(*make_loss("perceptual"), target, target, "perceptual").item() == 0.f);
    // Other images than 28x28 grey ones: a ShapeError naming the plugin.
    CHECK_THAT(error_message<ShapeError>([] {
                   make_loss("perceptual")->generator_loss(paired_step(Tensor::zeros({1, 3, 32, 32}), Tensor::zeros({1, 3, 32, 32})));
               }),
               Catch::Contains("'perceptual'") && Catch::Contains("28x28"));
    // Weights with another digest are refused when the plugin is made.
    CHECK_THROWS_AS(make_loss("perceptual", {{"classifier_sha256", std::string(64, '0')}}), DataError);
}

TEST_CASE("paired losses: perceptual gradients w.r.t. fake match finite differences to second order",
          "[plugins_builtin][loss][paired]") {
    // phi is a ReLU network with thousands of kinks: a difference quotient of step 1e-3 often
    // crosses one and then measures the kink, not the gradient (measured: the failing pixel moves
    // with eps, and along one direction the quotient is -0.0046 at eps 1e-3 but 0.0002 at 3e-4,
    // where autograd says 0.00023). So the check is (1) along K random directions of the whole
    // image, fake = x0 + sum_k t_k v_k, differentiated with respect to t through the same
    // harness: the first order checks K directional derivatives <grad, v_k>, the second order the
    // Hessian projections v_j' H v_k (create_graph through every convolution); (2) with a small
    // step, 1e-4, made affordable in f32 by a target near x0, so that f itself is small.
    const SingleThread one;
    const Tensor x0 = noisy_blob(4);
    const Tensor target = x0 + random_tensor(x0.shape(), 78, -0.1f, 0.1f);
    const std::string layer = GENERATE(std::string("block2"), std::string("features"));
    INFO(layer);
    auto loss = make_loss("perceptual", {{"layer", layer}});
    constexpr int64_t kDirections = 6;
    const Tensor directions = random_tensor({kDirections, 784}, 77, -1.f, 1.f);
    const OpFn f = [&](const std::vector<Tensor>& in) {
        const Tensor fake = x0 + reshape(matmul(reshape(in[0], {1, kDirections}), directions), {1, 1, 28, 28});
        return 1000.f * term(*loss, fake, target, "perceptual");
    };
    CheckOptions o;
    o.eps = 1e-4;
    o.atol = 2e-3;
    o.rtol = 5e-2;
    GANTRY_REQUIRE_CHECK(gradcheck(f, {Tensor::zeros({kDirections})}, o));
    GANTRY_REQUIRE_CHECK(gradgradcheck(f, {Tensor::zeros({kDirections})}, o));
    // The gradient reaches fake through backward, as in the trainer.
    Tensor fake = x0.clone();
    fake.requires_grad_();
    autograd::backward(100.f * term(*loss, fake, blobs(1, 3), "perceptual"));
    REQUIRE(fake.grad().defined());
    double largest = 0;
    for (float g : fake.grad().to_vector()) largest = std::max(largest, static_cast<double>(std::fabs(g)));
    CHECK(largest > 1e-3);
}
