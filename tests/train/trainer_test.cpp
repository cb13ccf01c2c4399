// SPDX-License-Identifier: Apache-2.0
// train::Trainer in process, on the real plugins from build/plugins: state()/load_state() carry
// everything a continuation needs, and a penalty moves D's weights through the trainer's backward.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/optim/adam.hpp"
#include "gantry/optim/sgd.hpp"
#include "plugin/host.hpp"
#include "trainer/trainer.hpp"

#include "support/builtin_plugins.hpp"
#include "support/optimizers.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

/// One trainer and everything it points to. Built the way `gantry run` builds it, from a seed.
struct Setup {
    std::unique_ptr<Dataset> dataset;
    std::unique_ptr<Loss> loss;
    std::unique_ptr<train::Trainer> trainer;

    Setup(const std::string& loss_name, const std::map<std::string, plugin::OptionValue>& loss_options,
          bool sgd = false, int64_t iterations = 12, float d_input_dropout = 0.f) {
        const plugin::Context context{5, ""};
        dataset = builtin_host().create_dataset(
            "gaussian_mixture",
            plugin_options(plugin::Kind::dataset, "gaussian_mixture", {{"size", int64_t{100}}}), context);
        loss = builtin_host().create_loss(loss_name, plugin_options(plugin::Kind::loss, loss_name, loss_options), context);
        auto arch = builtin_host().create_architecture(
            "mlp", plugin_options(plugin::Kind::architecture, "mlp", {{"hidden", std::vector<int64_t>{8}},
                                                               {"activation", std::string("tanh")}}),
            context);
        Rng init(5, 3);
        train::TrainerParts parts;
        parts.generator = arch->build({Role::generator, dataset->info(), 3, 1, &init});
        parts.discriminator = arch->build({Role::discriminator, dataset->info(), 3, 1, &init});
        if (d_input_dropout > 0) {
            // Dropout on D's input: its masks come from the module's own stream.
            auto with_dropout = std::make_shared<nn::Sequential>();
            with_dropout->push_back(std::make_shared<nn::Dropout>(nn::DropoutOptions{.p = d_input_dropout, .seed = 11}));
            with_dropout->push_back(parts.discriminator);
            parts.discriminator = with_dropout;
        }
        Rng scratch(5, 103);
        parts.generator_ema = arch->build({Role::generator, dataset->info(), 3, 1, &scratch});
        parts.loss = loss.get();
        parts.dataset = dataset.get();
        const OptimizerFactory optimizer =
            sgd ? make_optimizer<optim::SGD>(optim::SGDOptions{.lr = 0.05})
                : make_optimizer<optim::Adam>(optim::AdamOptions{.lr = 1e-2, .betas = {0.5, 0.9}});
        parts.generator_optimizer = optimizer(parts.generator->parameters());
        parts.discriminator_optimizer = optimizer(parts.discriminator->parameters());
        train::TrainerOptions o;
        o.iterations = iterations;
        o.batch = 16;  // 100 samples: an epoch boundary falls inside a batch
        o.steps = {{Role::discriminator, 2}, {Role::generator, 1}};
        o.latent = 3;
        o.ema_decay = 0.8;
        o.ema_start = 2;
        o.seed = 5;
        o.discriminator_lr.kind = train::LrSchedule::Kind::cosine;
        o.discriminator_lr.final_fraction = 0.1;
        trainer = std::make_unique<train::Trainer>(o, std::move(parts));
    }
};

std::string first_difference(const StateDict& a, const StateDict& b) {
    if (a.size() != b.size()) return "different tensor counts";
    for (const auto& [name, t] : a) {
        auto it = b.find(name);
        if (it == b.end()) return "'" + name + "' missing";
        if (!(t.shape() == it->second.shape()) ||
            std::memcmp(t.data(), it->second.data(), static_cast<size_t>(t.numel()) * sizeof(float)) != 0)
            return "'" + name + "' differs";
    }
    return {};
}

}  // namespace

TEST_CASE("trainer: load_state of a mid-run state continues exactly like the uninterrupted run",
          "[train][resume]") {
    const std::string loss = GENERATE(std::string("wgan_gp"), std::string("r1"), std::string("hinge"));
    INFO(loss);
    const std::map<std::string, plugin::OptionValue> loss_options =
        loss == "r1" ? std::map<std::string, plugin::OptionValue>{{"every", int64_t{3}}}
                     : std::map<std::string, plugin::OptionValue>{};
    Setup straight(loss, loss_options);
    for (int i = 0; i < 12; ++i) straight.trainer->run_iteration();

    Setup first(loss, loss_options);
    for (int i = 0; i < 7; ++i) first.trainer->run_iteration();
    const StateDict saved = first.trainer->state();

    // A fresh process would build everything again from the seed, then load.
    Setup second(loss, loss_options);
    second.trainer->load_state(saved);
    CHECK(second.trainer->iteration() == 7);
    for (int i = 7; i < 12; ++i) second.trainer->run_iteration();
    const std::string difference = first_difference(straight.trainer->state(), second.trainer->state());
    INFO(difference);
    CHECK(difference.empty());
}

TEST_CASE("trainer: the gradient penalty changes D's update and the clip constrains it",
          "[train]") {
    // One iteration with the penalty weighted 0 and 10 from identical states: D's weights must
    // differ: a penalty that only shows up in the log would leave them equal.
    for (const char* loss : {"wgan_gp", "r1"}) {
        INFO(loss);
        const std::string key = std::string(loss) == "wgan_gp" ? "lambda" : "gamma";
        Setup off(loss, {{key, 0.0}}, /*sgd=*/true), on(loss, {{key, 10.0}}, /*sgd=*/true);
        const std::vector<train::StepLog> log_off = off.trainer->run_iteration();
        const std::vector<train::StepLog> log_on = on.trainer->run_iteration();
        const std::string penalty = std::string(loss) == "wgan_gp" ? "gp" : "r1";
        CHECK(log_off[0].losses.at(penalty) == 0.0);
        CHECK(log_on[0].losses.at(penalty) > 0.0);
        const auto d_off = off.trainer->discriminator().parameters();
        const auto d_on = on.trainer->discriminator().parameters();
        bool differs = false;
        for (size_t i = 0; i < d_off.size(); ++i) differs |= d_off[i].to_vector() != d_on[i].to_vector();
        CHECK(differs);
    }
    Setup clipped("wgan", {{"clip", 0.02}});
    clipped.trainer->run_iteration();
    for (const Tensor& p : clipped.trainer->discriminator().parameters())
        for (float v : p.to_vector()) CHECK(std::fabs(v) <= 0.02f);
}

TEST_CASE("trainer: with PacGAN packing the gradient penalty is taken on D's packed input",
          "[train]") {
    // D is a function of a pack of samples: its Lipschitz constraint (and R1's norm) concern the
    // gradient with respect to the whole packed input. A linear critic on packs of 2 points with
    // weights (3 4 0 0) has that gradient norm 5 everywhere: gp = lambda (5 - 1)^2 = 160. Taken
    // per point instead, half the points see (3 4) and half (0 0): 10 * (16 + 1) / 2 = 85.
    const plugin::Context context{5, ""};
    auto dataset = builtin_host().create_dataset("gaussian_mixture", plugin_options(plugin::Kind::dataset, "gaussian_mixture"),
                                         context);
    auto arch = builtin_host().create_architecture(
        "mlp", plugin_options(plugin::Kind::architecture, "mlp", {{"hidden", std::vector<int64_t>{4}}}), context);
    for (const char* name : {"wgan_gp", "r1"}) {
        INFO(name);
        auto loss = builtin_host().create_loss(name, plugin_options(plugin::Kind::loss, name), context);
        Rng init(5, 3);
        train::TrainerParts parts;
        parts.generator = arch->build({Role::generator, dataset->info(), 3, 1, &init});
        auto critic = std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 4, .out_features = 1}, init);
        critic->parameters()[0].copy_from(Tensor::from_vector({1, 4}, {3.f, 4.f, 0.f, 0.f}));
        critic->parameters()[1].copy_from(Tensor::from_vector({1}, {0.f}));
        parts.discriminator = critic;
        parts.loss = loss.get();
        parts.dataset = dataset.get();
        parts.generator_optimizer =
            std::make_unique<optim::SGD>(parts.generator->parameters(), optim::SGDOptions{.lr = 1e-6});
        parts.discriminator_optimizer =
            std::make_unique<optim::SGD>(critic->parameters(), optim::SGDOptions{.lr = 1e-6});
        train::TrainerOptions o;
        o.batch = 16;
        o.latent = 3;
        o.pack = 2;
        train::Trainer trainer(o, std::move(parts));
        const std::vector<train::StepLog> logs = trainer.run_iteration();
        if (std::string(name) == "wgan_gp")
            CHECK(logs[0].losses.at("gp") == Approx(10.0 * 16.0).epsilon(1e-4));
        else  // gamma / 2 * |(3 4 0 0)|^2 per pack
            CHECK(logs[0].losses.at("r1") == Approx(10.0 / 2 * 25.0).epsilon(1e-4));
    }
}

TEST_CASE("trainer: a discriminator with dropout resumes bit for bit (the mask stream is in the state)",
          "[train][resume]") {
    const std::map<std::string, plugin::OptionValue> none;
    Setup straight("nonsaturating", none, false, 12, 0.3f);
    for (int i = 0; i < 12; ++i) straight.trainer->run_iteration();

    Setup first("nonsaturating", none, false, 12, 0.3f);
    for (int i = 0; i < 7; ++i) first.trainer->run_iteration();
    const StateDict saved = first.trainer->state();
    // The stream has moved: 7 iterations of 2 D steps, each masking real and fake batches.
    REQUIRE(saved.count("discriminator.0.rng_counter") == 1);
    CHECK(saved.at("discriminator.0.rng_counter").to_vector() != std::vector<float>(4, 0.f));

    Setup second("nonsaturating", none, false, 12, 0.3f);
    second.trainer->load_state(saved);
    for (int i = 7; i < 12; ++i) second.trainer->run_iteration();
    const std::string difference = first_difference(straight.trainer->state(), second.trainer->state());
    INFO(difference);
    CHECK(difference.empty());
}
