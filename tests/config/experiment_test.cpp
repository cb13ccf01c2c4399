// SPDX-License-Identifier: Apache-2.0
// Good experiment files: defaults, includes, overrides, and the resolved YAML round trip.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/experiment.hpp"

#include "support/temp_dir.hpp"

namespace gantry::config::testing {
const plugin::Catalog& fake_catalog();
}

namespace {

using namespace gantry::config;
using gantry::Role;
using gantry::config::testing::fake_catalog;

std::string data_path(const std::string& name) {
    return std::string(GANTRY_SOURCE_DIR) + "/tests/config/data/" + name;
}

ExperimentSpec load(const std::string& name, const std::vector<std::string>& overrides = {}) {
    return load_experiment(data_path(name), overrides, &fake_catalog());
}

std::string errors_of(const std::string& name, const std::vector<std::string>& overrides = {}) {
    try {
        load(name, overrides);
    } catch (const ConfigErrors& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("experiment: every default is filled in", "[config]") {
    const ExperimentSpec s = load("minimal.yaml");
    CHECK(s.experiment == "minimal");
    CHECK(s.seed == 0);
    CHECK(s.threads == 0);
    CHECK(s.plugins.empty());
    CHECK(s.generator.latent == 64);
    CHECK(s.discriminator.pack == 1);
    for (const OptimizerSpec* o : {&s.optimizers.generator, &s.optimizers.discriminator}) {
        REQUIRE(std::holds_alternative<gantry::optim::AdamOptions>(o->options));
        const auto& adam = std::get<gantry::optim::AdamOptions>(o->options);
        CHECK(adam.lr == 2e-4);
        CHECK(adam.betas == std::pair<double, double>{0.5, 0.999});
        CHECK(adam.eps == 1e-8);
        CHECK(adam.weight_decay == 0.0);
        CHECK_FALSE(adam.amsgrad);
        CHECK(o->schedule.kind == gantry::train::LrSchedule::Kind::constant);
    }
    CHECK(s.schedule.iterations == 100);
    CHECK(s.schedule.batch == 64);
    REQUIRE(s.schedule.steps.size() == 2);
    CHECK(s.schedule.steps[0].network == Role::discriminator);
    CHECK(s.schedule.steps[0].repeat == 1);
    CHECK(s.schedule.steps[1].network == Role::generator);
    CHECK(s.schedule.ema.decay == 0.0);
    CHECK(s.evaluate.every == 1000);
    CHECK(s.evaluate.samples == 2500);
    CHECK(s.evaluate.metrics.empty());
    CHECK_FALSE(s.evaluate.stop_when);
    CHECK(s.log.every == 50);
    CHECK(s.samples.every == 1000);
    CHECK(s.samples.grid == 64);
    CHECK(s.checkpoint.every == 1000);
    CHECK(s.checkpoint.keep == 2);
}

TEST_CASE("experiment: plugin options get their declared defaults - in declared order",
          "[config]") {
    const ExperimentSpec s = load("minimal.yaml");
    CHECK(s.data.plugin == "gaussian_mixture");
    CHECK(s.data.options.get_string("layout") == "ring");
    CHECK(s.data.options.get_int("modes") == 8);
    CHECK(s.data.options.get_number("radius") == 2.0);
    CHECK(s.data.option_order == std::vector<std::string>{"layout", "modes", "radius", "sigma"});
    CHECK(s.generator.options.get_int_list("hidden") == std::vector<int64_t>{128, 128});
    CHECK(s.generator.options.get_string("activation") == "leaky_relu");
    CHECK_FALSE(s.generator.options.get_bool("spectral_norm"));
    CHECK(s.loss.plugin == "hinge");
    CHECK(s.loss.options.values().empty());
}

TEST_CASE("experiment: threads auto means all cores like 0 and keeps the hash", "[config]") {
    const ExperimentSpec pinned = load("ring.yaml");
    REQUIRE(pinned.threads == 2);
    const ExperimentSpec automatic = load("ring.yaml", {"threads=auto"});
    CHECK(automatic.threads == 0);
    CHECK(automatic.config_hash == load("ring.yaml", {"threads=0"}).config_hash);
    CHECK(automatic.config_hash != pinned.config_hash);
    const std::string bad = errors_of("ring.yaml", {"threads=many"});
    CHECK_THAT(bad, Catch::Contains("threads") && Catch::Contains("expected auto or an integer 0..4096, got 'many'"));
    CHECK_THAT(errors_of("ring.yaml", {"threads=-1"}), Catch::Contains("threads"));
}

TEST_CASE("experiment: the product spec's example resolves as written", "[config]") {
    const ExperimentSpec s = load("ring.yaml");
    CHECK(s.experiment == "wgan-gp-ring");
    CHECK(s.threads == 2);
    CHECK(s.generator.latent == 256);
    CHECK(s.generator.options.get_int_list("hidden") == std::vector<int64_t>{128, 128, 128});
    CHECK(s.loss.options.get_number("lambda") == 10.0);
    CHECK(s.loss.options.get_number("target") == 1.0);
    CHECK(learning_rate(s.optimizers.generator.options) == 1e-4);
    CHECK(std::get<gantry::optim::AdamOptions>(s.optimizers.generator.options).betas == std::pair<double, double>{0.5, 0.9});
    CHECK(s.schedule.iterations == 20000);
    CHECK(s.schedule.steps[0].repeat == 5);
    CHECK(s.schedule.steps[1].repeat == 1);
    CHECK(s.schedule.ema.decay == 0.999);
    CHECK(s.evaluate.metrics == std::vector<std::string>{"modes", "high_quality"});
    REQUIRE(s.evaluate.stop_when);
    CHECK(s.evaluate.stop_when->metric == "modes");
    CHECK(s.evaluate.stop_when->at_least == 8.0);
    CHECK_FALSE(s.evaluate.stop_when->at_most);
    CHECK(s.evaluate.stop_when->patience == 3);
    CHECK(s.metric_plugins ==
          std::vector<std::pair<std::string, std::string>>{{"modes", "modes"},
                                                           {"high_quality", "modes"}});
    CHECK(s.checkpoint.every == 2000);
}

TEST_CASE("experiment: include merges deeply - lists and scalars replace", "[config]") {
    const ExperimentSpec s = load("derived.yaml");
    CHECK(s.experiment == "derived");
    CHECK(s.data.plugin == "gaussian_mixture");                 // from the base
    CHECK(s.data.options.get_int("modes") == 25);               // overridden
    CHECK(s.data.options.get_string("layout") == "grid");       // overridden
    CHECK(s.generator.options.get_int_list("hidden") == std::vector<int64_t>{256});  // replaced
    CHECK(s.discriminator.options.get_int_list("hidden") == std::vector<int64_t>{64, 64});
    CHECK(s.loss.options.get_number("lambda") == 5.0);
    CHECK(learning_rate(s.optimizers.generator.options) == 2e-4);                         // overridden
    CHECK(std::get<gantry::optim::AdamOptions>(s.optimizers.generator.options).betas == std::pair<double, double>{0.5, 0.9});  // kept
    CHECK(s.schedule.iterations == 1000);
    CHECK(s.schedule.batch == 64);
    // A plugin directory is relative to the file that names it.
    REQUIRE(s.plugins.size() == 1);
    CHECK(s.plugins[0] == std::filesystem::path(data_path("base/plugin_dir")).lexically_normal());
    CHECK(s.resolved_yaml.find("include") == std::string::npos);
}

TEST_CASE("experiment: an include cycle is reported with its chain", "[config]") {
    const std::string e = errors_of("cycle_a.yaml");
    CHECK_THAT(e, Catch::Contains("cycle_b.yaml:1:32: include[1]: include cycle: "));
    CHECK_THAT(e, Catch::Contains("data/cycle_a.yaml -> "));
    CHECK_THAT(e, Catch::Contains("data/cycle_b.yaml -> "));
    CHECK_THAT(e, Catch::EndsWith("data/cycle_a.yaml"));
}

TEST_CASE("experiment: a missing include is reported where it is included", "[config]") {
    const std::string e = errors_of("missing_include.yaml");
    CHECK_THAT(e, Catch::Contains("missing_include.yaml:4:5: include: cannot read '"));
    CHECK_THAT(e, Catch::Contains("base/does_not_exist.yaml': No such file or directory"));
}

TEST_CASE("experiment: a syntax error in an included file names that file", "[config]") {
    const std::string e = errors_of("broken_include.yaml");
    CHECK_THAT(e, Catch::Contains("base/broken.yaml:4:1: YAML syntax error"));
}

TEST_CASE("experiment: a missing experiment file", "[config]") {
    const std::string e = errors_of("no_such_file.yaml");
    CHECK_THAT(e, Catch::Contains("no_such_file.yaml: cannot read"));
    CHECK_THAT(e, Catch::Contains("No such file or directory"));
    CHECK_THAT(errors_of("base"), Catch::Contains("it is a directory"));
}

TEST_CASE("experiment: several problems of a file are reported at once - in file order",
          "[config]") {
    try {
        load("several_errors.yaml");
        FAIL("accepted");
    } catch (const ConfigErrors& e) {
        REQUIRE(e.records().size() == 3);
        CHECK(e.records()[0].key_path == "data.mode");
        CHECK(e.records()[0].line == 3);
        CHECK(e.records()[0].col == 34);
        CHECK(e.records()[0].hint == "did you mean 'modes'?");
        CHECK(e.records()[1].key_path == "schedule.iterations");
        CHECK(e.records()[1].message == "expected an integer >= 1, got '0'");
        CHECK(e.records()[2].key_path == "schedule.bacth");
        CHECK_THAT(e.records()[2].file, Catch::EndsWith("several_errors.yaml"));
    }
}

TEST_CASE("experiment: --set reaches list elements - lists and plugin names", "[config]") {
    const ExperimentSpec s = load("ring.yaml", {"schedule.steps[1].repeat=3",
                                                "optimizers.generator.betas=[0.0, 0.99]",
                                                "generator.hidden=[32]", "seed=18446744073709551615",
                                                "evaluate.stop_when.patience=1"});
    CHECK(s.schedule.steps[1].repeat == 3);
    CHECK(std::get<gantry::optim::AdamOptions>(s.optimizers.generator.options).betas == std::pair<double, double>{0.0, 0.99});
    CHECK(s.generator.options.get_int_list("hidden") == std::vector<int64_t>{32});
    CHECK(s.seed == 18446744073709551615ULL);
    CHECK(s.evaluate.stop_when->patience == 1);
}

TEST_CASE("experiment: --set appends a list element at index == size", "[config]") {
    const ExperimentSpec s = load("ring.yaml", {"schedule.steps[2]={train: generator, repeat: 2}"});
    REQUIRE(s.schedule.steps.size() == 3);
    CHECK(s.schedule.steps[2].network == Role::generator);
    CHECK(s.schedule.steps[2].repeat == 2);
}

TEST_CASE("experiment: --set creates sections the file does not have", "[config]") {
    const ExperimentSpec s = load("minimal.yaml", {"evaluate.metrics=[modes]", "log.every=10"});
    CHECK(s.evaluate.metrics == std::vector<std::string>{"modes"});
    CHECK(s.log.every == 10);
}

TEST_CASE("experiment: --set of another plugin drops the old plugin's options", "[config]") {
    // ring.yaml sets wgan_gp's lambda; hinge has no options, so keeping it would be an error.
    const ExperimentSpec s = load("ring.yaml", {"loss.plugin=hinge"});
    CHECK(s.loss.plugin == "hinge");
    CHECK(s.loss.options.values().empty());
    // Options given on the command line are the user's intent and still checked.
    CHECK_THAT(errors_of("ring.yaml", {"loss.margin=1", "loss.plugin=hinge"}),
               Catch::Contains("--set loss.margin=1: loss.margin: unknown option 'margin'"));
    // Runtime keys are not the plugin's.
    const ExperimentSpec other =
        load_experiment(data_path("ring.yaml"), {"generator.plugin=resnet"}, nullptr);
    CHECK(other.generator.plugin == "resnet");
    CHECK(other.generator.latent == 256);
    CHECK(other.generator.options.values().empty());
}

TEST_CASE("experiment: the resolved YAML loads back to the same spec and hash", "[config]") {
    const char* files[] = {"ring.yaml", "minimal.yaml", "derived.yaml"};
    for (const gantry::plugin::Catalog* catalog : {&fake_catalog(), static_cast<const gantry::plugin::Catalog*>(nullptr)})
        for (const char* file : files) {
            INFO(file << (catalog ? " with" : " without") << " a catalogue");
            const ExperimentSpec first =
                load_experiment(data_path(file), {"schedule.ema={decay: 0.99, start: 10}"}, catalog);
            const ExperimentSpec again =
                parse_experiment(first.resolved_yaml, "resolved.yaml", {}, catalog);
            CHECK(again.resolved_yaml == first.resolved_yaml);
            CHECK(again.config_hash == first.config_hash);
            CHECK(again.generator.options.values() == first.generator.options.values());
            CHECK(again.data.options.values() == first.data.options.values());
            CHECK(again.loss.options.values() == first.loss.options.values());
            CHECK(again.plugins == first.plugins);
            CHECK(again.schedule.ema.start == 10);
            CHECK(std::get<gantry::optim::AdamOptions>(again.optimizers.generator.options).eps ==
                  std::get<gantry::optim::AdamOptions>(first.optimizers.generator.options).eps);
        }
}

TEST_CASE("experiment: the hash identifies the configuration - not its spelling", "[config]") {
    const ExperimentSpec base = load("minimal.yaml");
    CHECK(base.config_hash.size() == 16);
    CHECK(base.config_hash == fnv1a_hex(base.resolved_yaml));
    // Stated defaults, another order, flow vs block style, comments: the same experiment.
    const ExperimentSpec spelled = parse_experiment(
        "# the same as minimal.yaml\n"
        "schedule:\n  iterations: 100\n  batch: 64\n"
        "loss: {plugin: hinge}\ndiscriminator: {plugin: mlp, pack: 1}\n"
        "generator: {plugin: mlp, hidden: [128, 128], latent: 64}\n"
        "data: {plugin: gaussian_mixture, modes: 8}\nseed: 0\nexperiment: minimal\n",
        data_path("spelled.yaml"), {}, &fake_catalog());
    CHECK(spelled.config_hash == base.config_hash);
    // Any changed value changes the hash.
    for (const char* change : {"seed=1", "schedule.iterations=101", "data.modes=9",
                               "optimizers.generator.lr=0.0002000001", "log.every=51",
                               "generator.hidden=[128, 129]"}) {
        INFO(change);
        CHECK(load("minimal.yaml", {change}).config_hash != base.config_hash);
    }
}

TEST_CASE("experiment: optimizer types keep only their own options", "[config]") {
    const ExperimentSpec s = load(
        "minimal.yaml",
        {"optimizers.generator={type: sgd, lr: 0.01, momentum: 0.9, nesterov: true}",
         "optimizers.discriminator={type: rmsprop, alpha: 0.9, schedule: {type: cosine, "
         "final_fraction: 0.1}}"});
    REQUIRE(std::holds_alternative<gantry::optim::SGDOptions>(s.optimizers.generator.options));
    CHECK(std::get<gantry::optim::SGDOptions>(s.optimizers.generator.options).nesterov);
    REQUIRE(std::holds_alternative<gantry::optim::RMSpropOptions>(s.optimizers.discriminator.options));
    CHECK(std::get<gantry::optim::RMSpropOptions>(s.optimizers.discriminator.options).alpha == 0.9);
    CHECK(type_name(s.optimizers.discriminator.options) == std::string("rmsprop"));
    CHECK(s.optimizers.discriminator.schedule.kind == gantry::train::LrSchedule::Kind::cosine);
    CHECK(s.optimizers.discriminator.schedule.final_fraction == 0.1);
    CHECK_THAT(s.resolved_yaml, Catch::Contains("    type: sgd\n    lr: 0.01\n    momentum: "
                                                "0.9\n    nesterov: true\n"));
    CHECK_THAT(s.resolved_yaml,
               Catch::Contains("    schedule: {type: cosine, final_fraction: 0.1}\n"));
}

TEST_CASE("experiment: path options resolve against the file that writes them - absolute in the resolved file",
          "[config]") {
    namespace fs = std::filesystem;
    const auto normal = [](const std::string& p) { return fs::path(p).lexically_normal().string(); };
    const ExperimentSpec s = load("idx_paths.yaml");
    // Written in base/idx_base.yaml: against base/, not against the including file's directory.
    CHECK(s.data.options.get_string("images") == normal(data_path("base/../data/images.idx")));
    CHECK(s.data.options.get_string("labels").empty());  // the empty default stays empty
    // A --set has no file: against the experiment file's directory.
    const ExperimentSpec set = load("idx_paths.yaml", {"data.labels=labels.idx"});
    CHECK(set.data.options.get_string("labels") == normal(data_path("labels.idx")));
    const ExperimentSpec absolute = load("idx_paths.yaml", {"data.labels=/srv/labels.idx"});
    CHECK(absolute.data.options.get_string("labels") == "/srv/labels.idx");
    // The resolved file, read back from anywhere, names the same files.
    CHECK_THAT(set.resolved_yaml, Catch::Contains("images: " + normal(data_path("base/../data/images.idx"))));
    const gantry::testing::TempDir tmp;
    const fs::path elsewhere = tmp.path / "resolved.yaml";
    {
        std::ofstream(elsewhere) << set.resolved_yaml;
    }
    const ExperimentSpec again = load_experiment(elsewhere.string(), {}, &fake_catalog());
    CHECK(again.data.options.get_string("images") == set.data.options.get_string("images"));
    CHECK(again.data.options.get_string("labels") == set.data.options.get_string("labels"));
    CHECK(again.config_hash == set.config_hash);
}

TEST_CASE("experiment: evaluate.options sets a metric plugin's options - checked and written back",
          "[config]") {
    const ExperimentSpec plain = load("ring.yaml");
    CHECK(plain.evaluate.options.empty());
    CHECK(plain.resolved_yaml.find("options:") == std::string::npos);  // other files keep their hash

    const ExperimentSpec s = load("ring.yaml", {"evaluate.options.modes.threshold=2.5"});
    REQUIRE(s.evaluate.options.size() == 1);
    CHECK(s.evaluate.options[0].plugin == "modes");
    CHECK(s.evaluate.options[0].options.get_number("threshold") == 2.5);
    CHECK_THAT(s.resolved_yaml, Catch::Contains("  options:\n    modes:\n      threshold: 2.5\n"));
    CHECK(s.config_hash != plain.config_hash);
    const ExperimentSpec again = parse_experiment(s.resolved_yaml, "again.yaml", {}, &fake_catalog());
    CHECK(again.resolved_yaml == s.resolved_yaml);
}

TEST_CASE("experiment: terms and loss.weight are read - written back only when used", "[config]") {
    const ExperimentSpec plain = load("ring.yaml");
    CHECK(plain.terms.empty());
    CHECK(plain.loss.weight == 1.0);
    CHECK(plain.resolved_yaml.find("terms:") == std::string::npos);  // other files keep their hash
    CHECK(plain.resolved_yaml.find("weight:") == std::string::npos);

    const ExperimentSpec s =
        load("ring.yaml", {"loss.weight=0.5", "terms=[{plugin: hinge, weight: 100}, {plugin: wgan_gp}]"});
    CHECK(s.loss.weight == 0.5);
    REQUIRE(s.terms.size() == 2);
    CHECK(s.terms[0].plugin == "hinge");
    CHECK(s.terms[0].weight == 100.0);
    CHECK(s.terms[1].plugin == "wgan_gp");
    CHECK(s.terms[1].weight == 1.0);  // the default
    CHECK(s.terms[1].options.has("lambda"));  // the term's options get their defaults
    CHECK_THAT(s.resolved_yaml, Catch::Contains("loss:\n  plugin: wgan_gp\n  weight: 0.5\n"));
    CHECK_THAT(s.resolved_yaml, Catch::Contains("\nterms:\n  - plugin: hinge\n    weight: 100.0\n  - plugin: wgan_gp\n    weight: 1.0\n    lambda: "));
    CHECK(s.config_hash != plain.config_hash);
    const ExperimentSpec again = parse_experiment(s.resolved_yaml, "again.yaml", {}, &fake_catalog());
    CHECK(again.resolved_yaml == s.resolved_yaml);
    CHECK(again.config_hash == s.config_hash);
}

TEST_CASE("experiment: precision is fp32 or bf16 - written back only when bf16", "[config][bf16]") {
    const ExperimentSpec plain = load("ring.yaml");
    CHECK(plain.precision == gantry::Precision::fp32);
    CHECK(plain.resolved_yaml.find("precision") == std::string::npos);  // other files keep their hash
    // Stating the default is the same configuration.
    const ExperimentSpec stated = load("ring.yaml", {"precision=fp32"});
    CHECK(stated.precision == gantry::Precision::fp32);
    CHECK(stated.config_hash == plain.config_hash);

    const ExperimentSpec bf16 = load("ring.yaml", {"precision=bf16"});
    CHECK(bf16.precision == gantry::Precision::bf16);
    CHECK(bf16.precision_mark.file == "--set precision=bf16");
    CHECK_THAT(bf16.resolved_yaml, Catch::Contains("\nthreads: 2\nprecision: bf16\nplugins:"));
    CHECK(bf16.config_hash != plain.config_hash);
    const ExperimentSpec again = parse_experiment(bf16.resolved_yaml, "again.yaml", {}, &fake_catalog());
    CHECK(again.precision == gantry::Precision::bf16);
    CHECK(again.config_hash == bf16.config_hash);
    CHECK(again.precision_mark.file == "again.yaml");
    CHECK(again.precision_mark.line == 4);

    for (const char* bad : {"precision=fp16", "precision=BF16", "precision=16", "precision=[bf16]"}) {
        INFO(bad);
        const std::string errors = errors_of("ring.yaml", {bad});
        CHECK_THAT(errors, Catch::Contains("precision: expected"));
        CHECK_THAT(errors, Catch::Contains("fp32|bf16"));
    }
}

TEST_CASE("experiment: a plugin section records where it names its plugin", "[config]") {
    const ExperimentSpec s = load("ring.yaml");
    CHECK_THAT(s.generator.where, Catch::Matches(".*ring\\.yaml:[0-9]+:[0-9]+"));
    CHECK_THAT(s.data.where, Catch::Matches(".*ring\\.yaml:[0-9]+:[0-9]+"));
}
