// SPDX-License-Identifier: Apache-2.0
// train::project (the search behind `gantry project` and `gantry studio`): it finds a latent
// point a generator made, it leaves the generator as it found it, a mask frees pixels, a class
// is searched, and its objective's gradient in z (and the gradient of that gradient) agrees with
// finite differences. Also the labels of interpolation rows (one class per row).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "gantry/autograd.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/ops.hpp"
#include "gantry/random.hpp"
#include "support/errors.hpp"
#include "support/gradcheck.hpp"
#include "support/op_case.hpp"
#include "train/projection.hpp"
#include "train/sampling.hpp"

using namespace gantry;
using Catch::Contains;

namespace {

constexpr int64_t kLatent = 3;

/// z (N, 3) -> tanh(linear) as (N, 1, 4, 4) images.
std::shared_ptr<nn::Sequential> tiny_generator(uint64_t seed = 1) {
    Rng rng(seed, 3);
    return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
        std::make_shared<nn::Linear>(nn::LinearOptions{kLatent, 16}, rng), std::make_shared<nn::Tanh>(),
        std::make_shared<nn::Reshape>(std::vector<int64_t>{1, 4, 4})});
}

/// A generator with a class: the label's value added to every pixel before tanh.
class ClassGenerator : public nn::Module {
public:
    ClassGenerator() : Module("ClassGenerator"), body(tiny_generator()) { register_module("body", body); }
    using Module::forward;
    Tensor forward(const Tensor& z) override { return (*body)(z); }
    Tensor forward(const Tensor& z, const Tensor& labels) override {
        const Tensor shift = reshape(labels, {-1, 1, 1, 1}) * 0.3f;
        return tanh((*body)(z) + shift);
    }
    std::shared_ptr<nn::Sequential> body;
};

train::ProjectionOptions options(int64_t restarts, int64_t steps) {
    train::ProjectionOptions o;
    o.latent = kLatent;
    o.restarts = restarts;
    o.steps = steps;
    o.learning_rate = 0.05;
    o.prior_weight = 0.0;
    o.seed = 4;
    return o;
}

}  // namespace

TEST_CASE("projection: finds the latent point a generator made and leaves the generator as it was",
          "[train][projection]") {
    auto g = tiny_generator();
    const Tensor truth = Tensor::from_vector({1, kLatent}, {0.8f, -0.5f, 0.3f});
    Tensor target;
    {
        autograd::NoGradGuard no_grad;
        target = (*g)(truth);
    }
    std::vector<float> before;
    for (const Tensor& p : g->parameters()) {
        const std::vector<float> v = p.to_vector();
        before.insert(before.end(), v.begin(), v.end());
    }
    g->train(true);
    const std::vector<train::Projection> found = train::project(*g, target, {}, options(4, 300));
    REQUIRE(found.size() == 1);
    const train::Projection& p = found[0];
    REQUIRE(p.candidates.size() == 4);
    CHECK(p.curve.size() == 301);
    CHECK(p.curve.back() < p.curve.front());
    CHECK(p.candidates[0].distance < 0.01);
    for (size_t k = 1; k < p.candidates.size(); ++k) CHECK(p.candidates[k - 1].loss <= p.candidates[k].loss);
    CHECK(p.candidates[0].label == -1);
    // G untouched: same weights, still trainable, no gradient left behind, training mode kept.
    std::vector<float> after;
    for (const Tensor& q : g->parameters()) {
        CHECK(q.requires_grad());
        CHECK_FALSE(q.grad().defined());
        const std::vector<float> v = q.to_vector();
        after.insert(after.end(), v.begin(), v.end());
    }
    CHECK(after == before);
    CHECK(g->is_training());
    // Deterministic for a seed.
    const auto again = train::project(*g, target, {}, options(4, 300));
    CHECK(again[0].candidates[0].z.to_vector() == p.candidates[0].z.to_vector());
}

TEST_CASE("projection: an empty mask leaves only the prior and a mask frees its pixels", "[train][projection]") {
    auto g = tiny_generator();
    const Tensor target = Tensor::full({2, 1, 4, 4}, 0.9f);
    auto o = options(2, 100);
    o.prior_weight = 1.0;
    const Tensor none = Tensor::zeros({2, 1, 4, 4});
    const auto free = train::project(*g, target, none, o);
    REQUIRE(free.size() == 2);
    for (const auto& p : free) {
        CHECK(p.candidates[0].distance == 0.0);
        // Only mean(z^2) pulls: z shrinks towards 0.
        const std::vector<float> z = p.candidates[0].z.to_vector();
        double norm = 0;
        for (float v : z) norm += double(v) * v;
        CHECK(norm < 0.3);
    }
    // A mask that is one in a single pixel: the distance is measured there only.
    Tensor one = Tensor::zeros({1, 1, 4, 4});
    one.data()[5] = 1.f;
    o.prior_weight = 0;
    const auto single = train::project(*g, Tensor::full({1, 1, 4, 4}, 0.2f), one, o);
    const float at = single[0].candidates[0].image.data()[5];
    CHECK(std::fabs(at - 0.2f) == Approx(single[0].candidates[0].distance).margin(1e-5));
    // A mask of another size is refused.
    CHECK_THAT(testing::error_message<ShapeError>([&] {
                   train::project(*g, target, Tensor::zeros({2, 1, 3, 4}), o);
               }),
               Contains("do not fit targets"));
    CHECK_THAT(testing::error_message<ShapeError>([&] {
                   train::project(*g, Tensor::zeros({1, 1, 5, 5}), {}, o);
               }),
               Contains("the generator makes"));
}

TEST_CASE("projection: the class of a conditional generator is searched or held", "[train][projection]") {
    ClassGenerator g;
    const Tensor truth = Tensor::from_vector({1, kLatent}, {0.2f, 0.1f, -0.4f});
    Tensor target;
    {
        autograd::NoGradGuard no_grad;
        target = g(truth, Tensor::full({1}, 3.f));
    }
    auto o = options(3, 300);
    o.classes = 5;
    const auto searched = train::project(g, target, {}, o);
    REQUIRE(searched[0].candidates.size() == 15);  // 3 starts x 5 classes
    CHECK(searched[0].candidates[0].label == 3);
    CHECK(searched[0].candidates[0].distance < 0.02);
    o.label = 1;
    const auto held = train::project(g, target, {}, o);
    REQUIRE(held[0].candidates.size() == 3);
    for (const auto& c : held[0].candidates) CHECK(c.label == 1);
    o.label = 5;
    CHECK_THAT(testing::error_message<ConfigError>([&] { o.validate("gantry project"); }),
               Contains("--class out of range"));
    o.label = -1;
    o.restarts = 0;
    CHECK_THAT(testing::error_message<ConfigError>([&] { o.validate("gantry project"); }),
               Contains("--restarts must be in [1, 256]"));
}

TEST_CASE("projection: the objective's gradient in z and its second order against finite differences",
          "[train][projection][gradcheck]") {
    testing::SingleThread single;
    auto g = tiny_generator(2);
    g->requires_grad_(false);
    Rng rng(9, 1);
    // Targets far from G's outputs (in [-1, 1]): |G(z) - t| stays away from its kink.
    const Tensor targets = Tensor::full({2, 1, 4, 4}, 1.6f);
    const Tensor weights = rng.uniform({2, 1, 4, 4}, 0.2f, 1.f);
    const Tensor counts = sum(weights, {1, 2, 3});
    auto f = [&](const std::vector<Tensor>& in) {
        return train::projection_objective(*g, in[0], {}, targets, weights, counts, 0.3f);
    };
    const Tensor z = rng.normal({2, kLatent}, 0.f, 0.5f);
    const auto first = testing::gradcheck(f, {z.clone()});
    INFO(first.report);
    CHECK(first.ok);
    const auto second = testing::gradgradcheck(f, {z.clone()});
    INFO(second.report);
    CHECK(second.ok);
}

TEST_CASE("projection: D's realism term - its gradient by finite differences and D left as it was",
          "[train][projection][gradcheck]") {
    testing::SingleThread single;
    auto g = tiny_generator(2);
    Rng rng(9, 2);
    auto d = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
        std::make_shared<nn::Flatten>(1), std::make_shared<nn::Linear>(nn::LinearOptions{16, 1}, rng)});
    g->requires_grad_(false);
    d->requires_grad_(false);
    const Tensor targets = Tensor::full({2, 1, 4, 4}, 1.6f);
    const Tensor weights = Tensor::ones({2, 1, 4, 4});
    const Tensor counts = sum(weights, {1, 2, 3});
    auto f = [&](const std::vector<Tensor>& in) {
        return train::projection_objective(*g, in[0], {}, targets, weights, counts, 0.1f, nullptr, d.get(), 0.7f);
    };
    const Tensor z = rng.normal({2, kLatent}, 0.f, 0.5f);
    const auto first = testing::gradcheck(f, {z.clone()});
    INFO(first.report);
    CHECK(first.ok);
    const auto second = testing::gradgradcheck(f, {z.clone()});
    INFO(second.report);
    CHECK(second.ok);
    // The term is there: with it the objective is larger by 0.7 * softplus(-D(G(z))) > 0.
    const Tensor with = f({z}), without = train::projection_objective(*g, z, {}, targets, weights, counts, 0.1f);
    for (int64_t i = 0; i < 2; ++i) CHECK(with.data()[i] > without.data()[i]);

    // project() freezes D as it does G, and refuses the term without a D.
    d->requires_grad_(true);
    auto o = options(2, 20);
    o.realism_weight = 0.5;
    const auto found = train::project(*g, Tensor::full({1, 1, 4, 4}, 0.3f), {}, o, d.get());
    CHECK(found[0].candidates.size() == 2);
    for (const Tensor& p : d->parameters()) {
        CHECK(p.requires_grad());
        CHECK_FALSE(p.grad().defined());
    }
    CHECK_THAT(testing::error_message<ConfigError>([&] { train::project(*g, Tensor::zeros({1, 1, 4, 4}), {}, o); }),
               Contains("needs the discriminator"));
    o.realism_weight = -1;
    CHECK_THAT(testing::error_message<ConfigError>([&] { o.validate("gantry project"); }),
               Contains("--realism must be >= 0"));
}

TEST_CASE("sampling: interpolation rows keep one class each", "[train][projection]") {
    DataInfo data;
    data.classes = 3;
    const Tensor labels = train::row_labels(data, 4, 5);
    REQUIRE(labels.numel() == 20);
    for (int64_t r = 0; r < 4; ++r)
        for (int64_t c = 0; c < 5; ++c) CHECK(labels.data()[r * 5 + c] == static_cast<float>(r % 3));
    data.classes = 0;
    CHECK_FALSE(train::row_labels(data, 2, 2).defined());
}
