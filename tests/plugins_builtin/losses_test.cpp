// SPDX-License-Identifier: Apache-2.0
// The seven built-in losses loaded the way `gantry run` loads them (the real libraries in
// build/plugins through plugin::Host), checked against the formulas in each plugin's header.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/loss.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "plugin/host.hpp"
#include "gantry/threads.hpp"
#include "support/op_case.hpp"

#include "support/builtin_plugins.hpp"

using namespace gantry;
using namespace gantry::testing;
using Catch::Matchers::WithinAbs;

namespace {

plugin::Options defaults(plugin::Kind kind, const std::string& name) { return plugin_options(kind, name); }

std::unique_ptr<Loss> make_loss(const std::string& name, const plugin::Options& options) {
    return builtin_host().create_loss(name, options, plugin::Context{});
}
std::unique_ptr<Loss> make_loss(const std::string& name) {
    return make_loss(name, defaults(plugin::Kind::loss, name));
}

double term(const LossTerms& terms, const std::string& name) {
    for (const auto& [n, t] : terms)
        if (n == name) return t.item();
    FAIL("no loss term '" << name << "'");
    return 0;
}

std::vector<std::string> names_of(const LossTerms& terms) {
    std::vector<std::string> out;
    for (const auto& t : terms) out.push_back(t.first);
    return out;
}

double softplus_d(double x) { return std::log1p(std::exp(x)); }

// Logits picked far apart so that a loss that swaps real and fake, drops a sign or averages
// the wrong way cannot match by accident.
const std::vector<float> kRealLogits = {2.0f, -0.5f, 0.25f, 3.0f};
const std::vector<float> kFakeLogits = {-1.5f, 0.75f, -4.0f, 0.1f};

double mean_of(const std::vector<float>& v, double (*f)(double)) {
    double s = 0;
    for (float x : v) s += f(x);
    return s / static_cast<double>(v.size());
}

// D answers with fixed logits: the real batch gets kRealLogits, the fake batch kFakeLogits.
struct FixedCritic {
    Tensor real = Tensor::zeros({4, 2});
    Tensor fake = Tensor::ones({4, 2});
    int calls = 0;

    DiscriminatorStep step() {
        DiscriminatorStep s;
        s.real = real;
        s.fake = fake;
        s.discriminator = [this](const Tensor& x, const Tensor&) {
            ++calls;
            if (x.is_same(real)) return Tensor::from_vector({4}, kRealLogits);
            if (x.is_same(fake)) return Tensor::from_vector({4}, kFakeLogits);
            FAIL("the loss called D on a batch that is neither the real nor the fake one");
            return Tensor();
        };
        return s;
    }
};

GeneratorStep generator_step(const Tensor& d_fake) {
    GeneratorStep s;
    s.d_fake = d_fake;
    s.fake = Tensor::ones({4, 2});
    s.discriminator = [](const Tensor&, const Tensor&) -> Tensor {
        FAIL("a generator loss of this kind needs no extra D call");
        return {};
    };
    return s;
}

// d(G loss)/d(logits) at kFakeLogits: what G actually receives through D(G(z)).
std::vector<float> generator_logit_gradient(Loss& loss) {
    Tensor logits = Tensor::from_vector({4}, kFakeLogits);
    logits.requires_grad_();
    const LossTerms terms = loss.generator_loss(generator_step(logits));
    REQUIRE(terms.size() == 1);
    return autograd::grad({terms[0].second}, {logits})[0].to_vector();
}

double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST_CASE("builtin losses: every loss is found by the host and none penalises by default",
          "[plugins_builtin][loss]") {
    for (const char* name : {"minimax", "nonsaturating", "wgan", "wgan_gp", "lsgan", "hinge", "r1"}) {
        INFO(name);
        REQUIRE(builtin_host().find(plugin::Kind::loss, name) != nullptr);
        const bool penalises = std::string(name) == "wgan_gp" || std::string(name) == "r1";
        CHECK(make_loss(name)->penalizes_input_gradient() == penalises);
    }
}

TEST_CASE("builtin losses: minimax and nonsaturating D terms are the logistic loss",
          "[plugins_builtin][loss]") {
    for (const char* name : {"minimax", "nonsaturating"}) {
        INFO(name);
        FixedCritic critic;
        const LossTerms terms = make_loss(name)->discriminator_loss(critic.step());
        CHECK(names_of(terms) == std::vector<std::string>{"real", "fake"});
        CHECK_THAT(term(terms, "real"), WithinAbs(mean_of(kRealLogits, [](double l) { return softplus_d(-l); }), 1e-5));
        CHECK_THAT(term(terms, "fake"), WithinAbs(mean_of(kFakeLogits, softplus_d), 1e-5));
        CHECK(critic.calls == 2);
    }
}

TEST_CASE("builtin losses: minimax G saturates where nonsaturating G does not",
          "[plugins_builtin][loss]") {
    const Tensor logits = Tensor::from_vector({4}, kFakeLogits);
    const double minimax = term(make_loss("minimax")->generator_loss(generator_step(logits)), "fake");
    CHECK_THAT(minimax, WithinAbs(-mean_of(kFakeLogits, softplus_d), 1e-5));
    const double ns = term(make_loss("nonsaturating")->generator_loss(generator_step(logits)), "fake");
    CHECK_THAT(ns, WithinAbs(mean_of(kFakeLogits, [](double l) { return softplus_d(-l); }), 1e-5));

    // d/dl of -softplus(l) / N is -sigmoid(l) / N: tiny where D rejects the sample (l = -4);
    // d/dl of softplus(-l) / N is -sigmoid(-l) / N: close to -1/N there.
    const std::vector<float> g_mm = generator_logit_gradient(*make_loss("minimax"));
    const std::vector<float> g_ns = generator_logit_gradient(*make_loss("nonsaturating"));
    for (size_t i = 0; i < 4; ++i) {
        INFO("logit " << kFakeLogits[i]);
        CHECK_THAT(g_mm[i], WithinAbs(-sigmoid_d(kFakeLogits[i]) / 4, 1e-6));
        CHECK_THAT(g_ns[i], WithinAbs(-sigmoid_d(-kFakeLogits[i]) / 4, 1e-6));
    }
    CHECK(std::fabs(g_mm[2]) < 0.02f * std::fabs(g_ns[2]));  // sigmoid(-4) / sigmoid(4)
}

TEST_CASE("builtin losses: wgan and hinge critic terms and the shared G term",
          "[plugins_builtin][loss]") {
    {
        FixedCritic critic;
        const LossTerms terms = make_loss("wgan")->discriminator_loss(critic.step());
        CHECK_THAT(term(terms, "real"), WithinAbs(-mean_of(kRealLogits, [](double l) { return l; }), 1e-5));
        CHECK_THAT(term(terms, "fake"), WithinAbs(mean_of(kFakeLogits, [](double l) { return l; }), 1e-5));
    }
    {
        FixedCritic critic;
        const LossTerms terms = make_loss("hinge")->discriminator_loss(critic.step());
        CHECK_THAT(term(terms, "real"),
                   WithinAbs(mean_of(kRealLogits, [](double l) { return std::max(0.0, 1 - l); }), 1e-5));
        CHECK_THAT(term(terms, "fake"),
                   WithinAbs(mean_of(kFakeLogits, [](double l) { return std::max(0.0, 1 + l); }), 1e-5));
    }
    const Tensor logits = Tensor::from_vector({4}, kFakeLogits);
    for (const char* name : {"wgan", "wgan_gp", "hinge"}) {
        INFO(name);
        CHECK_THAT(term(make_loss(name)->generator_loss(generator_step(logits)), "fake"),
                   WithinAbs(-mean_of(kFakeLogits, [](double l) { return l; }), 1e-5));
    }
}

TEST_CASE("builtin losses: lsgan uses the 0-1 coding with the 1/2 factor", "[plugins_builtin][loss]") {
    FixedCritic critic;
    auto loss = make_loss("lsgan");
    const LossTerms terms = loss->discriminator_loss(critic.step());
    CHECK_THAT(term(terms, "real"),
               WithinAbs(0.5 * mean_of(kRealLogits, [](double l) { return (l - 1) * (l - 1); }), 1e-5));
    CHECK_THAT(term(terms, "fake"), WithinAbs(0.5 * mean_of(kFakeLogits, [](double l) { return l * l; }), 1e-5));
    const Tensor logits = Tensor::from_vector({4}, kFakeLogits);
    CHECK_THAT(term(loss->generator_loss(generator_step(logits)), "fake"),
               WithinAbs(0.5 * mean_of(kFakeLogits, [](double l) { return (l - 1) * (l - 1); }), 1e-5));
}

TEST_CASE("builtin losses: wgan clips every critic weight to [-clip  clip] and nothing else",
          "[plugins_builtin][loss]") {
    plugin::Options options = defaults(plugin::Kind::loss, "wgan");
    CHECK(options.get_number("clip") == Approx(0.01));
    options.set("clip", 0.5);
    auto loss = make_loss("wgan", options);
    Rng rng(1, 1);
    nn::Linear critic(nn::LinearOptions{.in_features = 3, .out_features = 2}, rng);
    const std::vector<float> w = {-2.f, -0.5f, -0.25f, 0.f, 0.49f, 7.f};
    critic.parameters()[0].copy_from(Tensor::from_vector({2, 3}, w));
    critic.parameters()[1].copy_from(Tensor::from_vector({2}, {0.6f, -0.1f}));
    loss->constrain_discriminator(critic);
    CHECK(critic.parameters()[0].to_vector() == std::vector<float>{-0.5f, -0.5f, -0.25f, 0.f, 0.49f, 0.5f});
    CHECK(critic.parameters()[1].to_vector() == std::vector<float>{0.5f, -0.1f});

    // Losses without a constraint leave D alone.
    critic.parameters()[0].copy_from(Tensor::from_vector({2, 3}, w));
    for (const char* name : {"minimax", "nonsaturating", "wgan_gp", "lsgan", "hinge", "r1"}) {
        make_loss(name)->constrain_discriminator(critic);
        CHECK(critic.parameters()[0].to_vector() == w);
    }
}

namespace {

// A linear critic D(x) = x . w + b: its input gradient is w for every sample, so both penalties
// have closed forms.
struct LinearCritic {
    std::vector<float> w;
    float b;
    DiscriminatorFn fn() const {
        const Tensor weight = Tensor::from_vector({1, static_cast<int64_t>(w.size())}, w);
        const Tensor bias = Tensor::from_vector({1}, {b});
        return [weight, bias](const Tensor& x, const Tensor&) { return reshape(linear(x, weight, bias), {-1}); };
    }
};

DiscriminatorStep penalty_step(const DiscriminatorFn& d, Rng& rng, int64_t iteration = 0) {
    DiscriminatorStep s;
    s.real = random_tensor({6, 2}, 11, -1.f, 1.f);
    s.fake = random_tensor({6, 2}, 12, -2.f, 2.f);
    s.discriminator = d;
    s.rng = &rng;
    s.iteration = iteration;
    return s;
}

}  // namespace

TEST_CASE("builtin losses: wgan_gp penalty on a linear critic is lambda (|w| - 1)^2",
          "[plugins_builtin][loss]") {
    const LinearCritic critic{{3.f, 4.f}, 0.5f};  // |w| = 5
    Rng rng(3, 3);
    const DiscriminatorStep s = penalty_step(critic.fn(), rng);
    auto loss = make_loss("wgan_gp");
    const LossTerms terms = loss->discriminator_loss(s);
    CHECK(names_of(terms) == std::vector<std::string>{"real", "fake", "gp"});
    CHECK_THAT(term(terms, "gp"), WithinAbs(10.0 * 16.0, 1e-3));
    double real_mean = 0, fake_mean = 0;
    for (int64_t i = 0; i < 6; ++i) {
        real_mean += (3.0 * s.real.data()[2 * i] + 4.0 * s.real.data()[2 * i + 1] + 0.5) / 6;
        fake_mean += (3.0 * s.fake.data()[2 * i] + 4.0 * s.fake.data()[2 * i + 1] + 0.5) / 6;
    }
    CHECK_THAT(term(terms, "real"), WithinAbs(-real_mean, 1e-5));
    CHECK_THAT(term(terms, "fake"), WithinAbs(fake_mean, 1e-5));

    // one_sided (WGAN-LP) leaves a critic with |w| < 1 unpenalised; the two-sided one does not.
    plugin::Options o = defaults(plugin::Kind::loss, "wgan_gp");
    o.set("one_sided", true);
    o.set("lambda", 2.0);
    const LinearCritic gentle{{0.3f, 0.4f}, 0.f};  // |w| = 0.5
    CHECK(term(make_loss("wgan_gp", o)->discriminator_loss(penalty_step(gentle.fn(), rng)), "gp") == 0.0);
    CHECK_THAT(term(make_loss("wgan_gp", o)->discriminator_loss(penalty_step(critic.fn(), rng)), "gp"),
               WithinAbs(2.0 * 16.0, 1e-3));
    CHECK_THAT(term(loss->discriminator_loss(penalty_step(gentle.fn(), rng)), "gp"),
               WithinAbs(10.0 * 0.25, 1e-4));
}

TEST_CASE("builtin losses: r1 penalty on a linear critic is gamma/2 |w|^2 and lazy with every",
          "[plugins_builtin][loss]") {
    const LinearCritic critic{{3.f, 4.f}, -1.f};
    Rng rng(3, 3);
    auto loss = make_loss("r1");
    const DiscriminatorStep s = penalty_step(critic.fn(), rng);
    const LossTerms terms = loss->discriminator_loss(s);
    CHECK_THAT(term(terms, "r1"), WithinAbs(10.0 / 2 * 25.0, 1e-3));
    double real = 0, fake = 0;
    for (int64_t i = 0; i < 6; ++i) {
        real += softplus_d(-(3.0 * s.real.data()[2 * i] + 4.0 * s.real.data()[2 * i + 1] - 1)) / 6;
        fake += softplus_d(3.0 * s.fake.data()[2 * i] + 4.0 * s.fake.data()[2 * i + 1] - 1) / 6;
    }
    CHECK_THAT(term(terms, "real"), WithinAbs(real, 1e-4));
    CHECK_THAT(term(terms, "fake"), WithinAbs(fake, 1e-4));
    CHECK_THAT(term(loss->generator_loss(generator_step(Tensor::from_vector({4}, kFakeLogits))), "fake"),
               WithinAbs(mean_of(kFakeLogits, [](double l) { return softplus_d(-l); }), 1e-5));

    // Lazy: only in iterations divisible by `every`, weighted by it; the data terms stay.
    plugin::Options o = defaults(plugin::Kind::loss, "r1");
    o.set("every", int64_t{4});
    o.set("gamma", 1.0);
    auto lazy = make_loss("r1", o);
    for (int64_t it : {1, 2, 3, 5}) {
        INFO("iteration " << it);
        const LossTerms t = lazy->discriminator_loss(penalty_step(critic.fn(), rng, it));
        CHECK(names_of(t) == std::vector<std::string>{"fake", "real"});
        CHECK_THAT(term(t, "real"), WithinAbs(real, 1e-4));
    }
    for (int64_t it : {0, 4, 8}) {
        INFO("iteration " << it);
        CHECK_THAT(term(lazy->discriminator_loss(penalty_step(critic.fn(), rng, it)), "r1"),
                   WithinAbs(4 * 0.5 * 25.0, 1e-3));
    }
}

namespace {

// A critic with a smooth hidden layer, D(x) = w2 . tanh(W1 x + b1) + b2: its input gradient
// depends on W1 and w2, so the penalty has a non-trivial gradient with respect to both.
struct SmallCritic {
    std::vector<Tensor> weights = {random_tensor({5, 2}, 21, -1.f, 1.f), random_tensor({5}, 22, -0.5f, 0.5f),
                                   random_tensor({1, 5}, 23, -1.f, 1.f), random_tensor({1}, 24)};
};

DiscriminatorFn critic_fn(const std::vector<Tensor>& w) {
    return [w](const Tensor& x, const Tensor&) {
        return reshape(linear(tanh(linear(x, w[0], w[1])), w[2], w[3]), {-1});
    };
}

// The loss's D terms on the critic `w`; the Rng restarts on every call so that wgan_gp draws the
// same interpolation weights for every finite-difference evaluation.
LossTerms d_terms(Loss& loss, const std::vector<Tensor>& w) {
    autograd::EnableGradGuard record;  // gradcheck's differences run without the tape
    Rng rng(5, 5);
    DiscriminatorStep s;
    s.real = random_tensor({6, 2}, 31, -1.f, 1.f);
    s.fake = random_tensor({6, 2}, 32, -2.f, 2.f);
    s.discriminator = critic_fn(w);
    s.rng = &rng;
    return loss.discriminator_loss(s);
}

Tensor named(const LossTerms& terms, const std::string& name) {
    for (const auto& [n, t] : terms)
        if (n == name) return t;
    FAIL("no loss term '" << name << "'");
    return {};
}

Tensor total(const LossTerms& terms) {
    Tensor t = terms[0].second;
    for (size_t i = 1; i < terms.size(); ++i) t = t + terms[i].second;
    return t;
}


}  // namespace

TEST_CASE("builtin losses: penalty gradients w.r.t. the critic weights match finite differences",
          "[plugins_builtin][loss]") {
    const SingleThread one;
    const std::string name = GENERATE(std::string("wgan_gp"), std::string("r1"));
    const std::string penalty = name == "wgan_gp" ? "gp" : "r1";
    INFO(name);
    auto loss = make_loss(name);
    const OpFn f = [&](const std::vector<Tensor>& w) { return named(d_terms(*loss, w), penalty); };
    CheckOptions o;
    o.eps = 1e-3;
    o.atol = 5e-3;
    o.rtol = 3e-2;
    GANTRY_REQUIRE_CHECK(gradcheck(f, SmallCritic().weights, o));
    // The whole D loss, as the trainer backpropagates it.
    const OpFn whole = [&](const std::vector<Tensor>& w) { return total(d_terms(*loss, w)); };
    GANTRY_REQUIRE_CHECK(gradcheck(whole, SmallCritic().weights, o));
}

TEST_CASE("builtin losses: the penalty reaches D's weight gradients through backward",
          "[plugins_builtin][loss]") {
    // The bug this guards against (mlpack's WGAN-GP): the penalty is computed and logged but
    // its gradient never reaches the critic's weights, so training equals plain WGAN.
    const std::string name = GENERATE(std::string("wgan_gp"), std::string("r1"));
    const std::string weight_key = name == "wgan_gp" ? "lambda" : "gamma";
    const std::string penalty = name == "wgan_gp" ? "gp" : "r1";
    INFO(name);
    auto backward_grads = [&](double weight, bool only_penalty) {
        plugin::Options o = defaults(plugin::Kind::loss, name);
        o.set(weight_key, weight);
        auto loss = make_loss(name, o);
        std::vector<Tensor> w = SmallCritic().weights;
        for (Tensor& t : w) t.requires_grad_();
        const LossTerms terms = d_terms(*loss, w);
        autograd::backward(only_penalty ? named(terms, penalty) : total(terms));
        std::vector<std::vector<float>> grads;
        for (const Tensor& t : w) grads.push_back(t.grad().defined() ? t.grad().to_vector()
                                                                    : std::vector<float>(t.numel(), 0.f));
        return grads;
    };
    const auto without = backward_grads(0.0, false);
    const auto with = backward_grads(10.0, false);
    const auto alone = backward_grads(10.0, true);
    double changed = 0;
    for (size_t i = 0; i < with.size(); ++i)
        for (size_t j = 0; j < with[i].size(); ++j) {
            // total = data terms + penalty, so the gradients add up.
            CHECK_THAT(with[i][j], WithinAbs(without[i][j] + alone[i][j], 1e-3 + 1e-4 * std::fabs(with[i][j])));
            changed = std::max(changed, static_cast<double>(std::fabs(with[i][j] - without[i][j])));
        }
    CHECK(changed > 1e-2);
    // The input-gradient depends on W1 and w2: both get a non-zero penalty gradient.
    for (size_t i : {size_t{0}, size_t{2}}) {
        double m = 0;
        for (float v : alone[i]) m = std::max(m, static_cast<double>(std::fabs(v)));
        INFO("weight " << i);
        CHECK(m > 1e-3);
    }
}
