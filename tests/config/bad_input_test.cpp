// SPDX-License-Identifier: Apache-2.0
// The bad-input catalogue (reliability guide §2a, C1-C8): one row per mistake a user makes, each
// asserting where it is reported (file:line:col), which key, what was expected and the hint.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "config/experiment.hpp"

namespace gantry::config::testing {
const plugin::Catalog& fake_catalog();
}

namespace {

using gantry::config::ConfigErrors;
using gantry::config::parse_experiment;
using gantry::config::testing::fake_catalog;

// A valid experiment, six lines; rows append to it or replace one section.
const std::string kValid =
    "experiment: t\n"                     // 1
    "data: {plugin: gaussian_mixture}\n"  // 2
    "generator: {plugin: mlp}\n"          // 3
    "discriminator: {plugin: mlp}\n"      // 4
    "loss: {plugin: hinge}\n"             // 5
    "schedule: {iterations: 100}\n";      // 6

std::string with(const std::string& line7) { return kValid + line7; }

std::string replacing(const std::string& key, const std::string& text) {
    std::string out;
    size_t start = 0;
    while (start < kValid.size()) {
        const size_t end = kValid.find('\n', start);
        const std::string line = kValid.substr(start, end - start);
        out += line.rfind(key + ":", 0) == 0 ? text : line + "\n";
        start = end + 1;
    }
    return out;
}

struct BadCase {
    const char* what;
    std::string yaml;
    std::vector<std::string> overrides;
    std::vector<std::string> fragments;
    size_t count = 1;
};

std::string billion_laughs() {
    std::string y = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i < 10; ++i) {
        const std::string name = std::to_string(i), previous = std::to_string(i - 1);
        y.append("a").append(name).append(": &a").append(name).append(" [");
        for (int j = 0; j < 10; ++j) y.append(j ? ", *a" : "*a").append(previous);
        y.append("]\n");
    }
    return kValid + y;
}

std::string deep_nesting(int levels) {
    return with("x: " + std::string(static_cast<size_t>(levels), '[') +
                std::string(static_cast<size_t>(levels), ']') + "\n");
}

const std::vector<BadCase>& cases() {
    static const std::vector<BadCase> list = {
        // ---- C1 syntax ----
        {"unclosed flow mapping", "experiment: t\ndata: {plugin: gaussian_mixture\nseed: 1\n", {},
         {"bad.yaml:", "YAML syntax error"}},
        {"unclosed flow list", with("plugins: [a, b\n"), {}, {"bad.yaml:", "YAML syntax error"}},
        {"bad indentation", "experiment: t\n  seed: 1\n", {},
         {"bad.yaml:2:", "YAML syntax error"}},
        {"tab indentation", "experiment: t\ndata:\n\tplugin: mlp\n", {},
         {"bad.yaml:3:", "YAML syntax error"}},
        {"Latin-1 byte", "experiment: caf\xe9\n", {},
         {"bad.yaml:1:16: not valid UTF-8 (byte 0xe9); save the file as UTF-8"}},
        {"truncated UTF-8 sequence", with("seed: 1 # \xe2\x82"), {},
         {"bad.yaml:7:11: not valid UTF-8 (byte 0xe2)"}},
        {"stray colon", "experiment: t: u\n", {},
         {"bad.yaml:1:14: YAML syntax error: illegal map value"}},
        {"extra closing bracket", "experiment: [a, b]]\n", {},
         {"bad.yaml:1:19: YAML syntax error: illegal flow end"}},
        {"list item inside a mapping", "experiment: t\n- x\n", {},
         {"bad.yaml:2:1: YAML syntax error: end of map not found"}},
        {"undefined alias", with("seed: *nowhere\n"), {},
         {"bad.yaml:7:7: YAML syntax error: the referenced anchor is not defined"}},
        {"two documents", "experiment: t\n---\nseed: 1\n", {},
         {"bad.yaml:", "expected one YAML document, found 2", "remove the '---'"}},
        {"empty file", "", {}, {"bad.yaml:1:1: the file is empty"}},
        {"comment-only file", "# nothing yet\n", {}, {"bad.yaml:1:1: the file is empty"}},
        {"scalar document", "just some text\n", {},
         {"bad.yaml:1:1: expected a mapping of experiment keys, got 'just some text'"}},
        {"list document", "- a\n- b\n", {},
         {"bad.yaml:1:1: expected a mapping of experiment keys, got a list"}},
        {"non-scalar key", with("[a, b]: 1\n"), {}, {"bad.yaml:7:1: a key must be a name"}},

        // ---- C2 unknown keys ----
        {"top-level typo", with("sede: 1\n"), {},
         {"bad.yaml:7:1: sede: unknown key 'sede'; did you mean 'seed'?"}},
        {"nested typo", replacing("schedule", "schedule: {iterations: 100, bacth: 64}\n"), {},
         {"bad.yaml:6:29: schedule.bacth: unknown key 'bacth'; did you mean 'batch'?"}},
        {"unknown key without a close name", with("favourite_colour: blue\n"), {},
         {"bad.yaml:7:1: favourite_colour: unknown key 'favourite_colour'; expected one of: "
          "experiment, seed, threads"}},
        {"key at the wrong level", replacing("schedule", "schedule: {iterations: 100, every: 5}\n"),
         {}, {"bad.yaml:6:29: schedule.every: unknown key 'every'"}},
        {"optimizer key of another type",
         with("optimizers:\n  generator: {type: sgd, betas: [0.5, 0.9]}\n"), {},
         {"bad.yaml:8:26: optimizers.generator.betas: 'betas' is not an option of sgd (its "
          "options: type, lr, momentum, nesterov, weight_decay, schedule)"}},
        {"misspelt optimizer type", with("optimizers:\n  generator: {type: adma}\n"), {},
         {"bad.yaml:8:21: optimizers.generator.type: expected one of adam|sgd|rmsprop, got "
          "'adma'; did you mean 'adam'?"}},
        {"merge key", with("base: &b {log: 1}\nlog:\n  <<: *b\n"), {},
         {"bad.yaml:7:1: base: unknown key 'base'",
          "bad.yaml:9:3: log.<<: unknown key '<<'; YAML merge keys are not supported; use include:"},
         2},
        {"unknown key in a step",
         replacing("schedule", "schedule:\n  iterations: 100\n  steps:\n    - {train: generator, "
                               "repaet: 2}\n    - {train: discriminator}\n"),
         {}, {"bad.yaml:9:26: schedule.steps[0].repaet: unknown key 'repaet'; did you mean "
              "'repeat'?"}},

        // ---- C3 duplicate keys ----
        {"duplicate top-level key", with("seed: 1\nseed: 2\n"), {},
         {"bad.yaml:8:1: seed: duplicate key 'seed', first defined at 7:1; remove one of them"}},
        {"duplicate nested key",
         replacing("schedule", "schedule:\n  iterations: 100\n  batch: 32\n  batch: 64\n"), {},
         {"bad.yaml:9:3: schedule.batch: duplicate key 'batch', first defined at 8:3"}},
        {"duplicate key in a flow mapping", replacing("loss", "loss: {plugin: hinge, plugin: wgan_gp}\n"),
         {}, {"bad.yaml:5:23: loss.plugin: duplicate key 'plugin', first defined at 5:8"}},

        // ---- C4 wrong types ----
        {"word for an integer", replacing("schedule", "schedule: {iterations: ten}\n"), {},
         {"bad.yaml:6:24: schedule.iterations: expected an integer >= 1, got 'ten'"}},
        {"quoted integer", replacing("schedule", "schedule: {iterations: \"100\"}\n"), {},
         {"schedule.iterations: expected an integer >= 1, got '100'; the value is quoted, so it "
          "is a string"}},
        {"float for an integer", replacing("schedule", "schedule: {iterations: 1e4}\n"), {},
         {"schedule.iterations: expected an integer >= 1, got '1e4'; write it as 10000"}},
        {"list for a number", with("optimizers:\n  generator: {lr: [1]}\n"), {},
         {"bad.yaml:8:19: optimizers.generator.lr: expected a number > 0, got a list"}},
        {"scalar for a section", replacing("data", "data: 5\n"), {},
         {"bad.yaml:2:7: data: expected a mapping, got '5'"}},
        {"missing value", with("threads:\n"), {},
         {"bad.yaml:7:1: threads: expected an integer in [0, 4096], got nothing (null)"}},
        {"negative seed", with("seed: -1\n"), {},
         {"bad.yaml:7:7: seed: expected an integer in [0, 18446744073709551615], got '-1'"}},
        {"octal-looking integer", with("threads: 010\n"), {},
         {"threads: expected an integer in [0, 4096], got '010'; leading zeros are ambiguous"}},
        {"hex integer", with("threads: 0x10\n"), {},
         {"threads: expected an integer in [0, 4096], got '0x10'; write integers in decimal"}},
        {"integer overflow", with("threads: 99999999999999999999\n"), {},
         {"threads: expected an integer in [0, 4096], got '99999999999999999999'; the value does not "
          "fit in 64 bits"}},
        {"YAML 1.1 boolean", with("optimizers:\n  generator: {amsgrad: yes}\n"), {},
         {"optimizers.generator.amsgrad: expected true or false, got 'yes'; YAML 1.1 booleans"}},
        {"include of the wrong type", with("include: {a: 1}\n"), {},
         {"bad.yaml:7:10: include: expected a file path or a list of file paths, got a mapping"}},
        {"plugin name that is a list", replacing("loss", "loss: {plugin: [hinge]}\n"), {},
         {"bad.yaml:5:16: loss.plugin: expected a string, got a list"}},
        {"steps not a list", replacing("schedule", "schedule: {iterations: 1, steps: generator}\n"),
         {}, {"schedule.steps: expected a list of steps like {train: discriminator, repeat: 5}"}},
        {"plugin option list element",
         replacing("generator", "generator: {plugin: mlp, hidden: [128, abc]}\n"), {},
         {"bad.yaml:3:40: generator.hidden[1]: expected an integer in [1, 65536], got 'abc'"}},
        {"plugin option boolean", replacing("generator", "generator: {plugin: mlp, spectral_norm: 1}\n"),
         {}, {"generator.spectral_norm: expected true or false, got '1'"}},
        {"plugin option choice", replacing("generator", "generator: {plugin: mlp, activation: rellu}\n"),
         {}, {"bad.yaml:3:38: generator.activation: expected one of relu|leaky_relu|tanh, got "
              "'rellu'; did you mean 'relu'?"}},
        {"plugin option scalar for a list", replacing("generator", "generator: {plugin: mlp, hidden: 128}\n"),
         {}, {"generator.hidden: expected a list of integers, got '128'"}},

        // ---- C5 ranges and non-finite numbers ----
        {"batch 0", replacing("schedule", "schedule: {iterations: 100, batch: 0}\n"), {},
         {"bad.yaml:6:36: schedule.batch: expected an integer >= 1, got '0'"}},
        {"beta2 = 1", with("optimizers:\n  discriminator: {betas: [0.5, 1]}\n"), {},
         {"bad.yaml:8:32: optimizers.discriminator.betas[1]: expected a number in [0, 1), got '1'"}},
        {"three betas", with("optimizers:\n  discriminator: {betas: [0.5, 0.9, 0.9]}\n"), {},
         {"optimizers.discriminator.betas: expected a list of two numbers, got 3"}},
        {"lr 0", with("optimizers:\n  generator: {lr: 0}\n"), {},
         {"optimizers.generator.lr: expected a number > 0, got '0'"}},
        {"ema 1.5", replacing("schedule", "schedule: {iterations: 100, ema: 1.5}\n"), {},
         {"schedule.ema: expected a number in [0, 1), got '1.5'"}},
        {"ema mapping without decay", replacing("schedule", "schedule: {iterations: 100, ema: {start: 5}}\n"),
         {}, {"schedule.ema.decay: missing required key"}},
        {"negative threads", with("threads: -1\n"), {},
         {"threads: expected an integer in [0, 4096], got '-1'"}},
        {"checkpoint keep 0", with("checkpoint: {keep: 0}\n"), {},
         {"bad.yaml:7:20: checkpoint.keep: expected an integer >= 1, got '0'"}},
        {"log every 0", with("log: {every: 0}\n"), {},
         {"log.every: expected an integer >= 1, got '0'"}},
        {"final_fraction above 1", with("optimizers:\n  generator:\n    schedule: {type: cosine, final_fraction: 2}\n"),
         {}, {"optimizers.generator.schedule.final_fraction: expected a number in [0, 1], got '2'"}},
        {"final_fraction with a constant schedule",
         with("optimizers:\n  generator:\n    schedule: {type: constant, final_fraction: 0.1}\n"), {},
         {"optimizers.generator.schedule.final_fraction: 'final_fraction' has no effect here: it applies only "
          "with type linear or cosine"}},
        {"final_lr, the old name of final_fraction",
         with("optimizers:\n  generator:\n    schedule: {type: cosine, final_lr: 0.1}\n"), {},
         {"bad.yaml:9:30: optimizers.generator.schedule.final_lr: 'final_lr' is now called 'final_fraction'"}},
        {"lr .nan", with("optimizers:\n  generator: {lr: .nan}\n"), {},
         {"bad.yaml:8:19: optimizers.generator.lr: expected a finite number > 0, got '.nan'"}},
        {"lr .inf", with("optimizers:\n  generator: {lr: .inf}\n"), {},
         {"optimizers.generator.lr: expected a finite number > 0, got '.inf'"}},
        {"plugin option -.inf", replacing("loss", "loss: {plugin: wgan_gp, lambda: -.inf}\n"), {},
         {"bad.yaml:5:33: loss.lambda: expected a finite number >= 0, got '-.inf'"}},
        {"number too large for a double", replacing("loss", "loss: {plugin: wgan_gp, lambda: 1e999}\n"),
         {}, {"loss.lambda: expected a finite number >= 0, got '1e999' (too large for a double)"}},
        {"plugin option out of range",
         replacing("data", "data: {plugin: gaussian_mixture, modes: 0}\n"), {},
         {"bad.yaml:2:41: data.modes: expected an integer in [1, 10000], got '0'"}},
        {"bad experiment name", "experiment: ../escape\n" + kValid.substr(kValid.find('\n') + 1), {},
         {"bad.yaml:1:13: experiment: expected a name of at most 128 letters, digits, '_', '.' and '-', got "
          "'../escape'"}},

        // ---- C7 missing required keys ----
        {"no experiment name", kValid.substr(kValid.find('\n') + 1), {},
         {"bad.yaml:1:1: experiment: missing required key"}},
        {"no loss section", replacing("loss", ""), {},
         {"bad.yaml:1:1: loss: missing required key (a section naming a loss plugin and its "
          "options); loss plugins: hinge, nonsaturating, wgan_gp"}},
        {"section without plugin", replacing("loss", "loss: {lambda: 10}\n"), {},
         {"bad.yaml:5:7: loss.plugin: missing required key (the loss plugin); loss plugins: "}},
        {"empty section", replacing("loss", "loss:\n"), {}, {"loss.plugin: missing required key"}},
        {"required plugin option", replacing("data", "data: {plugin: idx}\n"), {},
         {"bad.yaml:2:7: data.images: missing required option of dataset plugin 'idx' (IDX image "
          "file (.gz or plain))"}},
        {"no iterations", replacing("schedule", "schedule: {batch: 64}\n"), {},
         {"bad.yaml:6:11: schedule.iterations: missing required key"}},
        {"no schedule", replacing("schedule", ""), {}, {"schedule: missing required key"}},
        {"step without train",
         replacing("schedule", "schedule:\n  iterations: 1\n  steps: [{repeat: 2}, {train: generator}]\n"),
         {}, {"schedule.steps[0].train: missing required key"}},
        {"stop_when without a bound",
         with("evaluate: {metrics: [modes], stop_when: {metric: modes}}\n"), {},
         {"evaluate.stop_when.at_least: missing required key (or at_most"}},

        // ---- unknown plugins and plugin options ----
        {"unknown loss plugin", replacing("loss", "loss: {plugin: wgan-gp}\n"), {},
         {"bad.yaml:5:16: loss.plugin: unknown loss plugin 'wgan-gp'; did you mean 'wgan_gp'?"}},
        {"unknown architecture", replacing("generator", "generator: {plugin: mpl}\n"), {},
         {"bad.yaml:3:21: generator.plugin: unknown architecture plugin 'mpl'; did you mean 'mlp'?"}},
        {"unknown plugin, nothing close", replacing("data", "data: {plugin: cifar10}\n"), {},
         {"data.plugin: unknown dataset plugin 'cifar10'; dataset plugins: gaussian_mixture, idx"}},
        {"plugin of another kind", replacing("generator", "generator: {plugin: hinge}\n"), {},
         {"generator.plugin: unknown architecture plugin 'hinge'"}},
        {"unknown plugin option", replacing("generator", "generator: {plugin: mlp, hiden: [64]}\n"),
         {}, {"bad.yaml:3:26: generator.hiden: unknown option 'hiden' of architecture plugin "
              "'mlp'; did you mean 'hidden'?"}},
        {"misspelt runtime key", replacing("generator", "generator: {plugin: mlp, latnet: 8}\n"), {},
         {"generator.latnet: unknown option 'latnet' of architecture plugin 'mlp'; did you mean "
          "'latent'?"}},
        {"unknown option, nothing close", replacing("loss", "loss: {plugin: wgan_gp, zzz: 1}\n"), {},
         {"loss.zzz: unknown option 'zzz' of loss plugin 'wgan_gp'; its options are: lambda, "
          "target"}},
        {"option of a plugin without options", replacing("loss", "loss: {plugin: hinge, margin: 1}\n"),
         {}, {"loss.margin: unknown option 'margin' of loss plugin 'hinge'; its options are: none"}},
        {"unknown metric", with("evaluate: {metrics: [mdoes]}\n"), {},
         {"bad.yaml:7:22: evaluate.metrics[0]: unknown metric 'mdoes'; did you mean 'modes'?"}},
        {"metric listed twice", with("evaluate: {metrics: [modes, modes]}\n"), {},
         {"evaluate.metrics[1]: metric 'modes' is listed twice"}},

        // ---- cross-field checks ----
        {"metric options of an unknown plugin",
         with("evaluate: {metrics: [modes], options: {mdoes: {threshold: 2}}}\n"), {},
         {"bad.yaml:7:40: evaluate.options.mdoes: unknown metric plugin 'mdoes'; did you mean 'modes'?"}},
        {"metric options of a plugin no listed metric uses",
         with("evaluate: {metrics: [], options: {modes: {threshold: 2}}}\n"), {},
         {"bad.yaml:7:35: evaluate.options.modes: no metric of evaluate.metrics comes from plugin 'modes'; "
          "add one of its metrics (modes, high_quality, kl_modes) to evaluate.metrics, or remove these options"}},
        {"metric option out of range",
         with("evaluate: {metrics: [modes], options: {modes: {threshold: -1}}}\n"), {},
         {"bad.yaml:7:59: evaluate.options.modes.threshold: expected a number >= 0, got '-1'"}},
        {"metric option misspelt",
         with("evaluate: {metrics: [modes], options: {modes: {treshold: 2}}}\n"), {},
         {"bad.yaml:7:48: evaluate.options.modes.treshold: unknown option 'treshold' of metric plugin "
          "'modes'; did you mean 'threshold'?"}},
        {"metric options not a mapping", with("evaluate: {metrics: [modes], options: {modes: 2}}\n"), {},
         {"bad.yaml:7:47: evaluate.options.modes: expected a mapping of the options of metric plugin 'modes', "
          "got '2'"}},
        {"stop_when metric not evaluated",
         with("evaluate: {metrics: [modes], stop_when: {metric: high_quality, at_least: 0.9}}\n"), {},
         {"bad.yaml:7:50: evaluate.stop_when.metric: 'high_quality' is not one of "
          "evaluate.metrics [modes]; add it to evaluate.metrics"}},
        {"stop_when both bounds",
         with("evaluate: {metrics: [modes], stop_when: {metric: modes, at_least: 8, at_most: 9}}\n"),
         {}, {"evaluate.stop_when.at_most: give one of at_least, at_most (a bound) or min_delta (a plateau), not several"}},
        {"batch not divisible by pack",
         "experiment: t\ndata: {plugin: gaussian_mixture}\ngenerator: {plugin: mlp}\n"
         "discriminator: {plugin: mlp, pack: 3}\nloss: {plugin: hinge}\n"
         "schedule: {iterations: 100, batch: 64}\n",
         {}, {"bad.yaml:6:36: schedule.batch: batch 64 is not divisible by discriminator.pack 3"}},
        {"generator never trained",
         replacing("schedule", "schedule:\n  iterations: 1\n  steps: [{train: discriminator}]\n"),
         {}, {"bad.yaml:8:10: schedule.steps: the generator is never trained; add a step "
              "{train: generator}"}},
        {"no steps", replacing("schedule", "schedule: {iterations: 1, steps: []}\n"), {},
         {"schedule.steps: expected at least one step, got an empty list"}},
        {"nesterov without momentum", with("optimizers:\n  generator: {type: sgd, nesterov: true}\n"),
         {}, {"optimizers.generator.nesterov: nesterov needs momentum > 0"}},

        // ---- C8 resource bombs ----
        {"billion laughs", billion_laughs(), {},
         {"bad.yaml:1:1: too large: the file has more than 100000 nodes once its aliases are expanded"}},
        {"nested 70 levels", deep_nesting(70), {}, {"bad.yaml:7:", "nested deeper than 64 levels"}},
        {"nested 1000 levels", deep_nesting(1000), {}, {"bad.yaml:7:", "nested too deeply"}},

        // ---- --set ----
        {"--set a wrong type", kValid, {"schedule.iterations=abc"},
         {"--set schedule.iterations=abc: schedule.iterations: expected an integer >= 1, got "
          "'abc'"}},
        {"--set an unknown key", kValid, {"schedul.batch=3"},
         {"--set schedul.batch=3: schedul: unknown key 'schedul'; did you mean 'schedule'?"}},
        {"--set an unknown plugin", kValid, {"loss.plugin=hing"},
         {"--set loss.plugin=hing: loss.plugin: unknown loss plugin 'hing'; did you mean 'hinge'?"}},
        {"--set without '='", kValid, {"seed"}, {"--set seed: expected key.path=value"}},
        {"--set a bad path", kValid, {"schedule..batch=1"},
         {"--set schedule..batch=1: bad key path 'schedule..batch'"}},
        {"--set a bad index", kValid, {"schedule.steps[x]=1"},
         {"--set schedule.steps[x]=1: bad key path"}},
        {"--set an index out of range",
         replacing("schedule", "schedule:\n  iterations: 1\n  steps: [{train: discriminator}, "
                               "{train: generator}]\n"),
         {"schedule.steps[5].repeat=2"},
         {"--set schedule.steps[5].repeat=2: schedule.steps: index 5 is out of range: the list "
          "has 2 items; index 2 appends one"}},
        {"--set into a list the file does not set", kValid, {"schedule.steps[0].repeat=2"},
         {"--set schedule.steps[0].repeat=2: schedule.steps: the file does not set this list"}},
        {"--set indexing a mapping", kValid, {"schedule[0]=1"},
         {"--set schedule[0]=1: schedule: cannot index [0]: the value is a mapping, not a list"}},
        {"--set through a scalar", kValid, {"experiment.name=x"},
         {"--set experiment.name=x: experiment: cannot set 'name': 'experiment' is 't', not a "
          "mapping"}},
        {"--set a value that is not YAML", kValid, {"loss.plugin=[hinge"},
         {"--set loss.plugin=[hinge: loss.plugin: YAML syntax error"}},
        {"--set include", kValid, {"include=base.yaml"},
         {"--set include=base.yaml: include: include cannot be overridden"}},
        {"--set .nan", kValid, {"optimizers.generator.lr=.nan"},
         {"--set optimizers.generator.lr=.nan: optimizers.generator.lr: expected a finite number"}},

        // ---- terms of G's objective (issue 13) ----
        {"negative loss weight", replacing("loss", "loss: {plugin: hinge, weight: -1}\n"), {},
         {"bad.yaml:5:31: loss.weight: expected a number in [0, 1e+09], got '-1'"}},
        {"infinite term weight", with("terms: [{plugin: hinge, weight: .inf}]\n"), {},
         {"bad.yaml:7:33: terms[0].weight: expected a finite number"}},
        {"loss weight 0 and no terms", replacing("loss", "loss: {plugin: hinge, weight: 0}\n"), {},
         {"bad.yaml:5:31: loss.weight: with loss.weight 0 and no terms the generator has nothing to minimise",
          "add a term such as terms: [{plugin: l1, weight: 100}]"}},
        {"terms not a list", with("terms: {plugin: hinge}\n"), {},
         {"bad.yaml:7:8: terms: expected a list of terms like {plugin: l1, weight: 100}, got a mapping"}},
        {"a term that is not a mapping", with("terms: [l1]\n"), {},
         {"bad.yaml:7:9: terms[0]: expected a mapping, got 'l1'"}},
        {"unknown term plugin", with("terms: [{plugin: hnge, weight: 2}]\n"), {},
         {"bad.yaml:7:18: terms[0].plugin: unknown loss plugin 'hnge'; did you mean 'hinge'?"}},
        {"term without a plugin", with("terms: [{weight: 2}]\n"), {},
         {"terms[0].plugin: missing", "the loss plugin"}},

        // ---- several problems, one report ----
        {"three problems", 
         "experiment: t\n"
         "data: {plugin: gaussian_mixture, mode: 8}\n"
         "generator: {plugin: mlp}\n"
         "discriminator: {plugin: mlp}\n"
         "loss: {plugin: hinge}\n"
         "schedule: {iterations: 0, bacth: 64}\n",
         {"seed=x"},
         {"bad.yaml:2:34: data.mode: unknown option 'mode' of dataset plugin 'gaussian_mixture'; "
          "did you mean 'modes'?\n"
          "bad.yaml:6:24: schedule.iterations: expected an integer >= 1, got '0'\n"
          "bad.yaml:6:27: schedule.bacth: unknown key 'bacth'; did you mean 'batch'?\n"
          "--set seed=x: seed: expected an integer in [0, 18446744073709551615], got 'x'"},
         4},
    };
    return list;
}

}  // namespace

TEST_CASE("config: every bad input is reported with file - position - key and hint", "[config]") {
    size_t index = 0;
    for (const BadCase& c : cases()) {
        INFO("case " << index++ << ": " << c.what << "\n--- yaml ---\n" << c.yaml);
        try {
            parse_experiment(c.yaml, "bad.yaml", c.overrides, &fake_catalog());
            FAIL_CHECK("accepted");
        } catch (const ConfigErrors& e) {
            INFO("--- what() ---\n" << e.what());
            for (const std::string& f : c.fragments) CHECK_THAT(e.what(), Catch::Contains(f));
            CHECK(e.records().size() == c.count);
            for (const auto& r : e.records()) {
                CHECK(!r.file.empty());
                CHECK(!r.message.empty());
                if (r.file.rfind("--set ", 0) != 0) CHECK(r.line >= 1);
            }
        }
    }
}

TEST_CASE("config: the catalogue has at least 90 bad inputs", "[config]") {
    CHECK(cases().size() >= 90);
}

TEST_CASE("config: a bomb is refused quickly", "[config]") {
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(parse_experiment(billion_laughs(), "bomb.yaml", {}, &fake_catalog()),
                    ConfigErrors);
    // Milliseconds in a release build; the bound leaves room for sanitizer builds on a busy
    // machine. A walk without the node budget would visit 10^10 nodes.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
