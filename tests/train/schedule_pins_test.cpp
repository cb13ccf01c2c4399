// SPDX-License-Identifier: Apache-2.0
// Behaviour of train::Trainer pinned before the runtime v2 move (issue 12, point 7), observed from
// outside: the learning rate each optimizer actually steps with, the EMA weights against a hand
// computation, how many D steps `repeat` takes and the order of the steps. No plugins: one-vector
// networks, a constant dataset, a loss that builds plain terms, and an optimizer that writes each
// step it takes into a journal.
//
// Adapting after a rename: the LR schedule's type and the TrainerOptions fields that hold it are
// named in `set_schedules` only; Step and Role in `steps()` only.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/loss.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/optimizer.hpp"
#include "gantry/serialize.hpp"
#include "trainer/trainer.hpp"

using namespace gantry;

namespace {

// ---- the only places that name the schedule and step types ----------------------------------

enum class Decay { constant, linear, cosine };

/// Puts the schedules on `o`: G's and D's kind, both with the same final fraction.
void set_schedules(train::TrainerOptions& o, Decay g, Decay d, double final_fraction) {
    auto to_kind = [](Decay k) {
        using Kind = train::LrSchedule::Kind;
        return k == Decay::linear ? Kind::linear : k == Decay::cosine ? Kind::cosine : Kind::constant;
    };
    o.generator_lr.kind = to_kind(g);
    o.generator_lr.final_fraction = final_fraction;
    o.discriminator_lr.kind = to_kind(d);
    o.discriminator_lr.final_fraction = final_fraction;
}

/// A schedule from a string: "D5 G1" is [{D, repeat: 5}, {G, repeat: 1}].
std::vector<train::Step> steps(const std::string& text) {
    std::vector<train::Step> out;
    for (size_t at = 0; at < text.size(); ++at) {
        if (text[at] != 'D' && text[at] != 'G') continue;
        const Role role = text[at] == 'D' ? Role::discriminator : Role::generator;
        out.push_back({role, std::stoll(text.substr(at + 1))});
    }
    return out;
}

// ---- the parts ------------------------------------------------------------------------------

/// What the run did, in order: one letter per optimizer step, with the rate it stepped with.
struct Journal {
    std::string steps;                ///< "DDG..."
    std::vector<double> g_lr, d_lr;   ///< the rate of each G / D step
    int d_losses = 0, g_losses = 0;   ///< calls of the loss
    int batches = 0;                  ///< calls of the dataset
};

/// An optimizer that records each step, then updates its parameters with `update` (plain SGD by
/// default). The trainer owns it; the journal is how the test sees what it did.
class JournalOptimizer : public optim::Optimizer {
public:
    using Update = std::function<void(const std::vector<Tensor>& params, double lr)>;
    JournalOptimizer(std::vector<Tensor> params, char network, double lr, Journal& journal,
                     Update update = {})
        : Optimizer(std::move(params)), network_(network), lr_(lr), journal_(journal),
          update_(std::move(update)) {}

    void step() override {
        journal_.steps += network_;
        (network_ == 'G' ? journal_.g_lr : journal_.d_lr).push_back(lr_);
        if (update_) return update_(params_, lr_);
        for (Tensor& p : params_) {
            const Tensor g = p.grad();
            if (!g.defined()) continue;
            for (int64_t i = 0; i < p.numel(); ++i)
                p.data()[i] -= static_cast<float>(lr_) * g.data()[i];
        }
    }
    double lr() const override { return lr_; }
    void set_lr(double lr) override { lr_ = lr; }
    const char* kind() const override { return "Journal"; }

protected:
    void save(StateDict& dict) const override { put_f64(dict, "options.lr", lr_); }
    void load(const StateDict& dict) override { lr_ = get_f64(dict, "options.lr", "Journal"); }

private:
    char network_;
    double lr_;
    Journal& journal_;
    Update update_;
};

/// G(z) = z * w, w of shape (2). The buffer counts forward calls, as BatchNorm's statistics
/// change with every forward: the EMA copies buffers instead of averaging them.
class Scale : public nn::Module {
public:
    explicit Scale(float w0) : Module("Scale") {
        w = register_parameter("w", Tensor::full({2}, w0));
        forwards = register_buffer("forwards", Tensor::zeros({1}));
    }
    using Module::forward;
    Tensor forward(const Tensor& z) override {
        forwards.data()[0] += 1.f;
        return z * w;
    }
    Tensor w, forwards;
};

/// D(x) = x . v, v of shape (2).
class Project : public nn::Module {
public:
    Project() : Module("Project") { v = register_parameter("v", Tensor::from_vector({2}, {0.5f, -0.25f})); }
    using Module::forward;
    Tensor forward(const Tensor& x) override { return sum(x * v, {1}); }
    Tensor v;
};

/// Eight points (0.1 i, -0.1 i), unlabelled.
class Points : public Dataset {
public:
    explicit Points(Journal& journal) : journal_(journal) {}
    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{2};
        info.size = 8;
        info.identity = "pins";
        return info;
    }
    Batch get(const std::vector<int64_t>& indices) const override {
        ++journal_.batches;
        Tensor x = Tensor::empty({static_cast<int64_t>(indices.size()), 2});
        for (size_t k = 0; k < indices.size(); ++k) {
            x.data()[2 * k] = 0.1f * static_cast<float>(indices[k]);
            x.data()[2 * k + 1] = -0.1f * static_cast<float>(indices[k]);
        }
        return {x, {}};
    }

private:
    Journal& journal_;
};

/// The WGAN objective, counting its calls.
class Wasserstein : public Loss {
public:
    explicit Wasserstein(Journal& journal) : journal_(journal) {}
    LossTerms discriminator_loss(const DiscriminatorStep& step) override {
        ++journal_.d_losses;
        return {{"d", mean(step.discriminator(step.fake, {})) - mean(step.discriminator(step.real, {}))}};
    }
    LossTerms generator_loss(const GeneratorStep& step) override {
        ++journal_.g_losses;
        return {{"g", -mean(step.d_fake)}};
    }

private:
    Journal& journal_;
};

struct Run {
    Journal journal;
    Points data{journal};
    Wasserstein loss{journal};
    std::shared_ptr<Scale> g, g_ema;
    std::unique_ptr<train::Trainer> trainer;

    /// Base rates 0.1 (G) and 0.4 (D); `g_update` replaces G's SGD step when given. An EMA copy
    /// of G when o.ema_decay > 0.
    Run(train::TrainerOptions o, JournalOptimizer::Update g_update = {}) {
        g = std::make_shared<Scale>(0.5f);
        auto d = std::make_shared<Project>();
        train::TrainerParts parts;
        parts.generator = g;
        parts.discriminator = d;
        if (o.ema_decay > 0) parts.generator_ema = g_ema = std::make_shared<Scale>(-7.f);  // overwritten from G
        parts.loss = &loss;
        parts.dataset = &data;
        parts.generator_optimizer =
            std::make_unique<JournalOptimizer>(g->parameters(), 'G', 0.1, journal, std::move(g_update));
        parts.discriminator_optimizer = std::make_unique<JournalOptimizer>(d->parameters(), 'D', 0.4, journal);
        o.batch = 4;
        o.latent = 2;
        o.seed = 3;
        trainer = std::make_unique<train::Trainer>(std::move(o), std::move(parts));
    }
    void run_all() {
        while (trainer->iteration() < trainer->options().iterations) trainer->run_iteration();
    }
};

/// `iterations` of `schedule`; with `ema_start` >= 0 an EMA of decay 0.75 from that iteration.
train::TrainerOptions options(int64_t iterations, const std::string& schedule, int64_t ema_start = -1) {
    train::TrainerOptions o;
    o.iterations = iterations;
    o.steps = steps(schedule);
    if (ema_start >= 0) {
        o.ema_decay = 0.75;
        o.ema_start = ema_start;
    }
    return o;
}

}  // namespace

// ---- the learning rate ----------------------------------------------------------------------

TEST_CASE("pins: the learning rate each step uses follows the linear and cosine schedules",
          "[train][pins]") {
    // 5 iterations: progress t / 4 at iteration t. final fraction 0.2: G decays from 0.1 to 0.02,
    // D from 0.4 to 0.08. Linear: base + (floor - base) t / 4. Cosine: floor + (base - floor)
    // (1 + cos(pi t / 4)) / 2, cos(pi / 4) = 0.70710678...
    const std::vector<double> g_linear = {0.1, 0.08, 0.06, 0.04, 0.02};
    const std::vector<double> d_linear = {0.4, 0.32, 0.24, 0.16, 0.08};
    const std::vector<double> g_cosine = {0.1, 0.02 + 0.04 * 1.7071067811865475, 0.06,
                                          0.02 + 0.04 * 0.2928932188134525, 0.02};
    const std::vector<double> d_cosine = {0.4, 0.08 + 0.16 * 1.7071067811865475, 0.24,
                                          0.08 + 0.16 * 0.2928932188134525, 0.08};
    auto check = [](const std::vector<double>& actual, const std::vector<double>& expected) {
        REQUIRE(actual.size() == expected.size());
        for (size_t t = 0; t < expected.size(); ++t) {
            INFO("iteration " << t);
            CHECK(actual[t] == Approx(expected[t]).epsilon(1e-12));
        }
    };
    // The journal of a whole run of `schedule` with these decays, final fraction 0.2.
    auto journal = [](int64_t iterations, const std::string& schedule, Decay g, Decay d) {
        train::TrainerOptions o = options(iterations, schedule);
        set_schedules(o, g, d, 0.2);
        Run run(o);
        run.run_all();
        return run.journal;
    };
    SECTION("G linear, D cosine") {
        const Journal j = journal(5, "D1 G1", Decay::linear, Decay::cosine);
        check(j.g_lr, g_linear);
        check(j.d_lr, d_cosine);
    }
    SECTION("G cosine, D linear, every repeat of an iteration at that iteration's rate") {
        const Journal j = journal(5, "D2 G1", Decay::cosine, Decay::linear);
        check(j.g_lr, g_cosine);
        std::vector<double> d_twice;
        for (double lr : d_linear) d_twice.insert(d_twice.end(), {lr, lr});
        check(j.d_lr, d_twice);
    }
    SECTION("constant: the optimizers' own rates throughout") {
        const Journal j = journal(3, "D1 G1", Decay::constant, Decay::constant);
        check(j.g_lr, {0.1, 0.1, 0.1});
        check(j.d_lr, {0.4, 0.4, 0.4});
    }
}

// ---- EMA ------------------------------------------------------------------------------------

namespace {
/// G's step sets w to the number of G steps so far (1, 2, 3...; after `from` earlier steps:
/// from + 1, ...): the EMA is then a hand computation.
JournalOptimizer::Update count_up(int from = 0) {
    return [count = std::make_shared<int>(from)](const std::vector<Tensor>& params, double) {
        ++*count;
        for (Tensor p : params)  // a handle on the same storage
            for (int64_t i = 0; i < p.numel(); ++i) p.data()[i] = static_cast<float>(*count);
    };
}
}  // namespace

TEST_CASE("pins: the EMA weights after k steps against a hand computation", "[train][pins]") {
    // decay 0.75, w0 = 0.5; G's k-th step sets w = k. Every value below is exact in f32.
    SECTION("ema_start 2: the copy follows G for iterations 0 and 1, then averages") {
        Run run(options(5, "D1 G1", /*ema_start=*/2), count_up());
        CHECK(run.g_ema->w.to_vector() == std::vector<float>{0.5f, 0.5f});  // copied at construction
        // 1, 2 (followed); 0.75 * 2 + 0.25 * 3; 0.75 * 2.25 + 0.25 * 4; 0.75 * 2.6875 + 0.25 * 5.
        const std::vector<float> expected = {1.f, 2.f, 2.25f, 2.6875f, 3.265625f};
        for (size_t k = 0; k < expected.size(); ++k) {
            run.trainer->run_iteration();
            INFO("after iteration " << k);
            CHECK(run.g->w.to_vector() == std::vector<float>(2, static_cast<float>(k + 1)));
            CHECK(run.g_ema->w.to_vector() == std::vector<float>(2, expected[k]));
            // Buffers are copied, not averaged.
            CHECK(run.g_ema->forwards.item() == run.g->forwards.item());
        }
        CHECK(&run.trainer->sampling_generator() == run.g_ema.get());
    }
    SECTION("ema_start 0: averaging from the first step, from the copy of G's initial weights") {
        Run run(options(3, "D1 G1", /*ema_start=*/0), count_up());
        run.run_all();
        // 0.75 * 0.5 + 0.25 * 1 = 0.625; 0.75 * 0.625 + 0.25 * 2 = 0.96875; 0.75 * 0.96875 + 0.75.
        CHECK(run.g_ema->w.to_vector() == std::vector<float>(2, 1.4765625f));
    }
    SECTION("G repeated: one EMA update per G step, not per iteration") {
        Run run(options(2, "D1 G2", /*ema_start=*/0), count_up());
        run.run_all();
        // Four G steps, w = 1..4: 0.625, 0.96875, 1.4765625, 0.75 * 1.4765625 + 1 = 2.107421875.
        CHECK(run.g->w.to_vector() == std::vector<float>(2, 4.f));
        CHECK(run.g_ema->w.to_vector() == std::vector<float>(2, 2.107421875f));
    }
    SECTION("EMA off: samples come from G itself") {
        Run run(options(2, "D1 G1"));
        run.run_all();
        CHECK(&run.trainer->sampling_generator() == run.g.get());
    }
}

TEST_CASE("pins: the EMA warm-up uses min(decay - (1 + t) / (10 + t)) at its t-th update", "[train][pins]") {
    // TF's ExponentialMovingAverage with num_updates. w0 = 0.5; G's k-th step sets w = k. The
    // decay is computed in double and rounded to float once; the average is kept in float.
    auto warm = [](int64_t iterations, const std::string& schedule, double decay, int64_t start) {
        train::TrainerOptions o = options(iterations, schedule, start);
        o.ema_decay = decay;
        o.ema_warmup = true;
        return o;
    };
    SECTION("decay 0.2: 1/10 and 2/11 while below it, then 0.2") {
        Run run(warm(4, "D1 G1", 0.2, 0), count_up());
        // t = 0: 0.1 * 0.5 + 0.9 * 1 = 0.95
        // t = 1: (2/11) * 0.95 + (9/11) * 2 = 19.9 / 11 = 1.8090909...
        // t = 2: min(0.2, 3/12) = 0.2: 0.2 * 1.8090909 + 0.8 * 3 = 2.7618181...
        // t = 3: 0.2 * 2.7618181 + 0.8 * 4 = 3.7523636...
        const std::vector<double> expected = {0.95, 19.9 / 11, 0.2 * 19.9 / 11 + 2.4, 0.2 * (0.2 * 19.9 / 11 + 2.4) + 3.2};
        for (size_t k = 0; k < expected.size(); ++k) {
            run.trainer->run_iteration();
            INFO("after iteration " << k);
            for (float v : run.g_ema->w.to_vector()) CHECK(v == Approx(expected[k]).epsilon(1e-6));
        }
    }
    SECTION("t counts from ema.start: the copy follows G before it") {
        Run run(warm(4, "D1 G1", 0.999, 2), count_up());
        // 1, 2 (followed); t = 0: 0.1 * 2 + 0.9 * 3 = 2.9; t = 1: (2/11) * 2.9 + (9/11) * 4 = 41.8 / 11.
        const std::vector<double> expected = {1, 2, 2.9, 41.8 / 11};
        for (size_t k = 0; k < expected.size(); ++k) {
            run.trainer->run_iteration();
            INFO("after iteration " << k);
            for (float v : run.g_ema->w.to_vector()) CHECK(v == Approx(expected[k]).epsilon(1e-6));
        }
    }
    SECTION("G repeated: t counts updates (G steps) - not iterations") {
        Run run(warm(2, "D1 G2", 0.2, 0), count_up());
        run.run_all();
        // Four updates as in the first section: 0.95, 19.9/11, then 0.2 twice.
        const double expected = 0.2 * (0.2 * 19.9 / 11 + 2.4) + 3.2;
        for (float v : run.g_ema->w.to_vector()) CHECK(v == Approx(expected).epsilon(1e-6));
    }
    SECTION("the update count is saved in the trainer's state and restored") {
        Run a(warm(6, "D1 G1", 0.999, 1), count_up());
        for (int i = 0; i < 3; ++i) a.trainer->run_iteration();
        const gantry::StateDict state = a.trainer->state();
        REQUIRE(state.count("trainer.ema_updates") == 1);
        Run b(warm(6, "D1 G1", 0.999, 1), count_up(3));
        b.trainer->load_state(state);
        // Without the count, b would restart at t = 0 (decay 0.1) instead of t = 2 (decay 0.25).
        for (int i = 0; i < 3; ++i) {
            a.trainer->run_iteration();
            b.trainer->run_iteration();
        }
        CHECK(a.g_ema->w.to_vector() == b.g_ema->w.to_vector());
    }
    SECTION("without warm-up the state has no update count (checkpoints keep their bytes)") {
        Run run(options(2, "D1 G1", 0), count_up());
        run.run_all();
        CHECK(run.trainer->state().count("trainer.ema_updates") == 0);
    }
}

TEST_CASE("pins: an early EMA with warm-up follows G - without it stays near G's first weights",
          "[train][pins]") {
    // The EMA trap of issue 17: decay 0.999 over 30 G steps (w = 1..30 from w0 = 0.5). Without
    // warm-up the average still holds 0.999^30 = 97% of w0; with it, it is near G's late weights.
    auto ema_after = [](bool warmup) {
        train::TrainerOptions o = options(30, "D1 G1", 0);
        o.ema_decay = 0.999;
        o.ema_warmup = warmup;
        Run run(o, count_up());
        run.run_all();
        return static_cast<double>(run.g_ema->w.to_vector()[0]);
    };
    const double plain = ema_after(false), warmed = ema_after(true);
    CHECK(plain < 1.0);     // ~0.95: nearly the untrained w0 = 0.5, far from w = 30
    CHECK(warmed > 20.0);   // within the last third of G's path
    CHECK(warmed < 30.0);   // still an average
}

// ---- how many steps, in which order ---------------------------------------------------------

TEST_CASE("pins: repeat 5 takes five D steps per iteration - each on a fresh batch",
          "[train][pins]") {
    Run run(options(3, "D5 G1"));
    for (int t = 0; t < 3; ++t) {
        const std::vector<train::StepLog> logs = run.trainer->run_iteration();
        // One log per scheduled step, its terms averaged over the repeats.
        REQUIRE(logs.size() == 2);
        CHECK(logs[0].network == Role::discriminator);
        CHECK(logs[1].network == Role::generator);
    }
    CHECK(run.journal.steps == "DDDDDG" "DDDDDG" "DDDDDG");
    CHECK(run.journal.d_lr.size() == 15);
    CHECK(run.journal.g_lr.size() == 3);
    CHECK(run.journal.d_losses == 15);
    CHECK(run.journal.g_losses == 3);
    CHECK(run.journal.batches == 15);  // a D step draws a real batch, a G step none
}

TEST_CASE("pins: the steps run in the order the schedule lists them", "[train][pins]") {
    SECTION("G, D, D") {
        Run run(options(2, "G1 D1 D1"));
        run.run_all();
        CHECK(run.journal.steps == "GDD" "GDD");
    }
    SECTION("D x2, G, D, G x3") {
        Run run(options(2, "D2 G1 D1 G3"));
        const std::vector<train::StepLog> logs = run.trainer->run_iteration();
        REQUIRE(logs.size() == 4);
        CHECK(logs[2].network == Role::discriminator);
        CHECK(logs[3].network == Role::generator);
        run.trainer->run_iteration();
        CHECK(run.journal.steps == "DDGDGGG" "DDGDGGG");
    }
}
