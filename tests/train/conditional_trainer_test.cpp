// SPDX-License-Identifier: Apache-2.0
// train::Trainer on conditional data (plugin API 2.1), with a hand-made dataset, networks and
// terms: G and D receive the batch's conditions as their context (packed with x for a packing
// D), a weighted term is added to G's objective and logged weighted, loss.weight 0 trains G
// alone, and a conditional run resumes exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gantry/datasets/condition.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/adam.hpp"
#include "trainer/trainer.hpp"

#include "support/optimizers.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

constexpr int64_t kSize = 40;

/// Sample i has the condition c_i = (i / 40, 1 - i / 40) and the target 2 * c_i: a paired dataset
/// small enough to reason about.
class PairedPoints : public Dataset {
public:
    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{2};
        info.size = kSize;
        datasets::set_condition_shape(info, Shape{2});
        return info;
    }
    Batch get(const std::vector<int64_t>& indices) const override {
        Tensor c = condition(indices);
        return {affine(c, 2.f, 0.f), Tensor()};
    }
    Tensor condition(const std::vector<int64_t>& indices) const override {
        Tensor c = Tensor::empty({static_cast<int64_t>(indices.size()), 2});
        for (size_t k = 0; k < indices.size(); ++k) {
            const float t = static_cast<float>(indices[k]) / kSize;
            c.data()[2 * k] = t;
            c.data()[2 * k + 1] = 1.f - t;
        }
        return c;
    }
};

/// A Linear over [input, context] that remembers the shapes of the contexts it saw.
class JoinedLinear : public nn::Module {
public:
    JoinedLinear(int64_t in, int64_t context, int64_t out, Rng& rng) {
        fc = register_module("fc", std::make_shared<nn::Linear>(nn::LinearOptions{in + context, out}, rng));
    }
    using Module::forward;
    Tensor forward(const Tensor& x) override {
        contexts.push_back(Shape{});
        return (*fc)(x);
    }
    Tensor forward(const Tensor& x, const Tensor& context) override {
        contexts.push_back(context.shape());
        last_context = context;
        return (*fc)(concat({x, context}, 1));
    }
    std::shared_ptr<nn::Linear> fc;
    std::vector<Shape> contexts;
    Tensor last_context;
};

/// Non-saturating GAN loss on D's logits.
class Adversarial : public Loss {
public:
    LossTerms discriminator_loss(const DiscriminatorStep& step) override {
        real_contexts.push_back(step.real_labels);
        fake_contexts.push_back(step.fake_labels);
        conditions.push_back(step.condition);
        const Tensor real = step.discriminator(step.real, step.real_labels);
        const Tensor fake = step.discriminator(step.fake, step.fake_labels);
        return {{"d", mean(softplus(-real)) + mean(softplus(fake))}};
    }
    LossTerms generator_loss(const GeneratorStep& step) override {
        ++generator_calls;
        return {{"g", mean(softplus(-step.d_fake))}};
    }
    std::vector<Tensor> real_contexts, fake_contexts, conditions;
    int generator_calls = 0;
};

/// mean |fake - target|: a reconstruction term.
class L1 : public Loss {
public:
    LossTerms discriminator_loss(const DiscriminatorStep&) override { return {}; }
    LossTerms generator_loss(const GeneratorStep& step) override {
        REQUIRE(step.real.defined());
        REQUIRE(step.condition.defined());
        last_value = mean(abs(step.fake - step.real)).item();
        return {{"l1", mean(abs(step.fake - step.real))}};
    }
    bool needs_pairs() const override { return true; }
    double last_value = 0;
};

struct Setup {
    PairedPoints data;
    Adversarial adversarial;
    L1 l1;
    std::shared_ptr<JoinedLinear> g, d;
    std::unique_ptr<train::Trainer> trainer;

    Setup(double adversarial_weight, double l1_weight, int64_t pack = 1, int64_t iterations = 30) {
        Rng init(3, 3);
        g = std::make_shared<JoinedLinear>(2, 2, 2, init);
        d = std::make_shared<JoinedLinear>(2 * pack, 2 * pack, 1, init);
        train::TrainerParts parts;
        parts.generator = g;
        parts.discriminator = d;
        parts.loss = &adversarial;
        if (l1_weight > 0) parts.terms.push_back({&l1, l1_weight});
        parts.dataset = &data;
        const OptimizerFactory adam = make_optimizer<optim::Adam>(optim::AdamOptions{.lr = 0.05, .betas = {0.5, 0.9}});
        parts.generator_optimizer = adam(g->parameters());
        parts.discriminator_optimizer = adam(d->parameters());
        train::TrainerOptions o;
        o.iterations = iterations;
        o.batch = 8;
        o.latent = 2;
        o.pack = pack;
        o.seed = 9;
        o.adversarial_weight = adversarial_weight;
        trainer = std::make_unique<train::Trainer>(o, std::move(parts));
    }
};

float max_abs_difference(const Tensor& a, const Tensor& b) {
    REQUIRE(a.shape() == b.shape());
    float worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i) worst = std::max(worst, std::fabs(a.data()[i] - b.data()[i]));
    return worst;
}

}  // namespace

TEST_CASE("conditional trainer: G and D take the batch's conditions as their context",
          "[train][conditional]") {
    Setup s(1.0, 0.0);
    REQUIRE(s.trainer->conditional());
    s.trainer->run_iteration();
    // One D step and one G step: every call carried an (8, 2) condition, none went without.
    for (const Shape& shape : s.g->contexts) CHECK(shape == Shape{8, 2});
    for (const Shape& shape : s.d->contexts) CHECK(shape == Shape{8, 2});
    CHECK(s.g->contexts.size() == 2);
    CHECK(s.d->contexts.size() == 3);  // real and fake in the D step, fake in the G step
    // Real and fake share the real batch's conditions, which are the dataset's own.
    REQUIRE(s.adversarial.conditions.size() == 1);
    CHECK(max_abs_difference(s.adversarial.real_contexts[0], s.adversarial.fake_contexts[0]) == 0);
    CHECK(max_abs_difference(s.adversarial.conditions[0], s.adversarial.real_contexts[0]) == 0);
    const Tensor c = s.adversarial.conditions[0];
    for (int64_t k = 0; k < 8; ++k) CHECK(c.data()[2 * k] + c.data()[2 * k + 1] == Approx(1.0));
}

TEST_CASE("conditional trainer: a packing D sees x and its condition packed together",
          "[train][conditional]") {
    Setup s(1.0, 0.0, /*pack=*/2);
    s.trainer->run_iteration();
    for (const Shape& shape : s.d->contexts) CHECK(shape == Shape{4, 4});
}

TEST_CASE("conditional trainer: a weighted term is logged weighted and trains G towards the targets",
          "[train][conditional]") {
    Setup s(1.0, 5.0, 1, 60);
    const std::vector<train::StepLog> first = s.trainer->run_iteration();
    REQUIRE(first.size() == 2);
    const train::StepLog& g = first[1];
    REQUIRE(g.losses.count("l1") == 1);
    REQUIRE(g.losses.count("g") == 1);
    CHECK(g.losses.at("l1") == Approx(5.0 * s.l1.last_value).epsilon(1e-6));
    CHECK(g.losses.at("total") == Approx(g.losses.at("l1") + g.losses.at("g")).epsilon(1e-6));
    const double start = s.l1.last_value;
    for (int i = 1; i < 60; ++i) s.trainer->run_iteration();
    INFO("l1 at the start " << start << ", at the end " << s.l1.last_value);
    CHECK(s.l1.last_value < 0.5 * start);
}

TEST_CASE("conditional trainer: with the adversarial weight at 0 only G trains on its terms",
          "[train][conditional]") {
    Setup s(0.0, 1.0, 1, 40);
    const StateDict d_before = s.d->state_dict();
    std::vector<float> d_weights(d_before.at("fc.weight").data(),
                                 d_before.at("fc.weight").data() + d_before.at("fc.weight").numel());
    const std::vector<train::StepLog> logs = s.trainer->run_iteration();
    REQUIRE(logs.size() == 1);  // the D step is skipped
    CHECK(logs[0].network == Role::generator);
    CHECK(logs[0].losses.count("g") == 0);
    CHECK(s.adversarial.generator_calls == 0);
    CHECK(s.d->contexts.empty());  // D is never even called
    const double start = s.l1.last_value;
    for (int i = 1; i < 40; ++i) s.trainer->run_iteration();
    const Tensor d_after = s.d->state_dict().at("fc.weight");
    CHECK(std::memcmp(d_after.data(), d_weights.data(), d_weights.size() * sizeof(float)) == 0);
    CHECK(s.l1.last_value < 0.5 * start);
}

TEST_CASE("conditional trainer: a conditional run resumes exactly", "[train][conditional][resume]") {
    Setup straight(1.0, 2.0, 1, 10);
    for (int i = 0; i < 10; ++i) straight.trainer->run_iteration();
    Setup first(1.0, 2.0, 1, 10);
    for (int i = 0; i < 4; ++i) first.trainer->run_iteration();
    Setup second(1.0, 2.0, 1, 10);
    second.trainer->load_state(first.trainer->state());
    for (int i = 4; i < 10; ++i) second.trainer->run_iteration();
    for (const auto& [name, t] : straight.trainer->state()) {
        const Tensor other = second.trainer->state().at(name);
        INFO(name);
        CHECK(std::memcmp(t.data(), other.data(), static_cast<size_t>(t.numel()) * sizeof(float)) == 0);
    }
}

TEST_CASE("conditional trainer: a dataset returning conditions of the wrong shape is a data error",
          "[train][conditional]") {
    class Liar : public PairedPoints {
    public:
        Tensor condition(const std::vector<int64_t>& indices) const override {
            return Tensor::zeros({static_cast<int64_t>(indices.size()), 3});
        }
    };
    Liar data;
    Rng init(3, 3);
    auto g = std::make_shared<JoinedLinear>(2, 3, 2, init);
    auto d = std::make_shared<JoinedLinear>(2, 3, 1, init);
    Adversarial loss;
    train::TrainerParts parts;
    parts.generator = g;
    parts.discriminator = d;
    parts.loss = &loss;
    parts.dataset = &data;
    const OptimizerFactory adam = make_optimizer<optim::Adam>(optim::AdamOptions{.lr = 0.05});
    parts.generator_optimizer = adam(g->parameters());
    parts.discriminator_optimizer = adam(d->parameters());
    train::TrainerOptions o;
    o.batch = 4;
    o.latent = 2;
    train::Trainer trainer(o, std::move(parts));
    CHECK_THROWS_AS(trainer.run_iteration(), DataError);
    CHECK_THROWS_WITH(trainer.run_iteration(), Catch::Contains("declares conditions of shape (2)") &&
                                                   Catch::Contains("returned (4, 3)"));
}
