// SPDX-License-Identifier: Apache-2.0
// The framework sections' key tables (framework/src/config/keys.cpp), row by row: every default
// is what an absent key means, every bound and type is enforced at the key's path, a misspelt key
// is answered with the right name, a renamed key with its new name; the configuration hash does
// not move (experiments/, and a file using a renamed key); docs/configuration.md shows the tables.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/experiment.hpp"
#include "train/plugin_session.hpp"

namespace gantry::config::testing {
const plugin::Catalog& fake_catalog();
}

namespace {

namespace fs = std::filesystem;
using namespace gantry::config;
using gantry::config::testing::fake_catalog;

std::string source_path(const std::string& name) { return std::string(GANTRY_SOURCE_DIR) + "/" + name; }

ExperimentSpec load(const std::vector<std::string>& overrides) {
    return load_experiment(source_path("tests/config/data/minimal.yaml"), overrides, &fake_catalog());
}

/// Every problem of the minimal experiment with `overrides`, one per line ("" when it is valid).
std::string errors(const std::vector<std::string>& overrides) {
    try {
        load(overrides);
        return "";
    } catch (const ConfigErrors& e) {
        return e.what();
    }
}

/// Where a table's section is in the minimal experiment, and the overrides that make its keys
/// apply (an optimizer type, a decaying schedule, a written list of steps).
struct Place {
    std::string path;
    std::vector<std::string> setup;
};

const std::map<std::string, Place>& places() {
    static const std::map<std::string, Place> m = {
        {"adam", {"optimizers.generator", {"optimizers.generator.type=adam"}}},
        {"sgd", {"optimizers.generator", {"optimizers.generator.type=sgd"}}},
        {"rmsprop", {"optimizers.discriminator", {"optimizers.discriminator.type=rmsprop"}}},
        {"optimizer", {"optimizers.generator", {}}},
        {"lr_schedule", {"optimizers.generator.schedule", {"optimizers.generator.schedule.type=linear"}}},
        {"schedule", {"schedule", {}}},
        {"step",
         {"schedule.steps[0]", {"schedule.steps=[{train: discriminator}, {train: generator}]"}}},
        {"ema", {"schedule.ema", {"schedule.ema={decay: 0.5}"}}},
        {"evaluate", {"evaluate", {}}},
        {"log", {"log", {}}},
        {"samples", {"samples", {}}},
        {"checkpoint", {"checkpoint", {}}},
    };
    return m;
}

std::vector<std::string> with(std::vector<std::string> setup, const std::string& more) {
    setup.push_back(more);
    return setup;
}

std::string shortest(double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
}

TEST_CASE("keys: every table has a place in an experiment and every key a type", "[config][keys]") {
    const std::vector<KeyDoc> keys = framework_keys();
    CHECK(keys.size() >= 30);
    for (const KeyDoc& k : keys) {
        INFO(k.table << "." << k.name);
        CHECK(places().count(k.table) == 1);
        CHECK_FALSE(k.doc.empty());
        if (!k.v1_name.empty()) CHECK(k.v1_name != k.name);
    }
}

TEST_CASE("keys: writing a key's default changes nothing (same hash as leaving it out)", "[config][keys]") {
    for (const KeyDoc& k : framework_keys()) {
        if (k.type.empty() || !k.default_value) continue;  // structured or required
        const Place& place = places().at(k.table);
        const std::string set_by_setup = place.path + "." + k.name + "=";
        if (!place.setup.empty() && place.setup[0].rfind(set_by_setup, 0) == 0) continue;
        INFO(k.table << "." << k.name << " = " << *k.default_value);
        const ExperimentSpec absent = load(place.setup);
        const ExperimentSpec written = load(with(place.setup, place.path + "." + k.name + "=" + *k.default_value));
        CHECK(written.config_hash == absent.config_hash);
        CHECK(written.resolved_yaml == absent.resolved_yaml);
    }
}

TEST_CASE("keys: a required key is reported missing at its section", "[config][keys]") {
    // schedule.iterations is the minimal file's own; the others are in sections it does not write.
    CHECK_THAT(errors({"schedule={batch: 8}"}), Catch::Contains("schedule.iterations: missing required key"));
    CHECK_THAT(errors({"schedule.steps=[{repeat: 2}, {train: generator}]"}),
               Catch::Contains("schedule.steps[0].train: missing required key (discriminator or generator)"));
    CHECK_THAT(errors({"schedule.ema={start: 3}"}), Catch::Contains("schedule.ema.decay: missing required key"));
}

TEST_CASE("keys: a value of the wrong type is refused at the key's path", "[config][keys]") {
    for (const KeyDoc& k : framework_keys()) {
        if (k.type.empty()) continue;
        const Place& place = places().at(k.table);
        const std::string path = place.path + "." + k.name;
        INFO(path);
        // A mapping is no scalar of any type, and no list of two numbers.
        CHECK_THAT(errors(with(place.setup, path + "={a: 1}")), Catch::Contains(path + ": expected"));
        if (k.type == "integer") CHECK_THAT(errors(with(place.setup, path + "=1.5")), Catch::Contains(path + ": expected an integer"));
        if (k.type == "boolean") CHECK_THAT(errors(with(place.setup, path + "=yes")), Catch::Contains(path + ": expected true or false"));
        if (k.type == "number" || k.type == "integer")
            CHECK_THAT(errors(with(place.setup, path + "='0.5'")), Catch::Contains("the value is quoted"));
    }
}

TEST_CASE("keys: each bound is enforced and the bound itself is accepted unless open", "[config][keys]") {
    for (const KeyDoc& k : framework_keys()) {
        if (k.type != "number" && k.type != "integer" && k.type != "two numbers") continue;
        const Place& place = places().at(k.table);
        const std::string path = place.path + "." + k.name;
        auto value = [&](double v) {
            const std::string x = k.type == "integer" ? std::to_string(static_cast<int64_t>(v)) : shortest(v);
            return k.type == "two numbers" ? "[" + x + ", " + x + "]" : x;
        };
        const double step = k.type == "integer" ? 1 : 0.5;
        for (const auto& [bound, open, outside] :
             {std::tuple{k.lo, k.lo_open, k.lo - step}, std::tuple{k.hi, k.hi_open, k.hi + step}}) {
            if (std::isnan(bound)) continue;
            INFO(path << " bound " << bound << (open ? " (open)" : ""));
            const std::string out_of_range = errors(with(place.setup, path + "=" + value(outside)));
            CHECK_THAT(out_of_range, Catch::Contains(path) && Catch::Contains("expected") &&
                                         Catch::Contains(k.range.substr(1)));
            const std::string at_bound = errors(with(place.setup, path + "=" + value(bound)));
            if (open)
                CHECK_THAT(at_bound, Catch::Contains(path));
            else
                CHECK_THAT(at_bound, !Catch::Contains(path + ": expected"));
        }
    }
}

TEST_CASE("keys: a misspelt key is answered with the table's name", "[config][keys]") {
    for (const KeyDoc& k : framework_keys()) {
        if (k.name.size() < 4) continue;  // too short to misspell recognisably
        const Place& place = places().at(k.table);
        std::string typo = k.name;
        std::swap(typo[1], typo[2]);
        if (typo == k.name) typo.insert(1, "x");
        const std::string value = k.default_value ? *k.default_value : "1";
        INFO(k.table << "." << typo);
        CHECK_THAT(errors(with(place.setup, place.path + "." + typo + "=" + value)),
                   Catch::Contains("unknown key '" + typo + "'") && Catch::Contains("did you mean '" + k.name + "'"));
    }
}

TEST_CASE("keys: a renamed key is refused by a message naming its new name", "[config][keys]") {
    int renamed = 0;
    for (const KeyDoc& k : framework_keys()) {
        if (k.v1_name.empty()) continue;
        ++renamed;
        const Place& place = places().at(k.table);
        INFO(k.v1_name);
        const std::string old_path = place.path + "." + k.v1_name;
        CHECK_THAT(errors(with(place.setup, old_path + "=" + *k.default_value)),
                   Catch::Contains(old_path + ": '" + k.v1_name + "' is now called '" + k.name + "'"));
    }
    CHECK(renamed == 1);  // final_lr -> final_fraction

    // In a file: the message is at the old key's line and column.
    const fs::path file = fs::temp_directory_path() / ("gantry-renamed-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(file) << "experiment: old\ndata: {plugin: gaussian_mixture}\ngenerator: {plugin: mlp}\n"
                           "discriminator: {plugin: mlp}\nloss: {plugin: hinge}\nschedule: {iterations: 10}\n"
                           "optimizers:\n  generator:\n    schedule: {type: cosine, final_lr: 0.25}\n";
    try {
        load_experiment(file.string(), {}, &fake_catalog());
        FAIL("final_lr was accepted");
    } catch (const ConfigErrors& e) {
        REQUIRE(e.records().size() == 1);
        CHECK(e.records()[0].line == 9);
        CHECK(e.records()[0].col == 30);
        CHECK(e.records()[0].key_path == "optimizers.generator.schedule.final_lr");
        CHECK_THAT(e.records()[0].message, Catch::Contains("'final_fraction'"));
    }
    // A run's own experiment.yaml written before the rename is read with the v1 spelling: same
    // value, same hash as the file spelt today.
    const ExperimentSpec old_run = load_experiment(file.string(), {}, [](const std::vector<std::string>&) {
        return &fake_catalog();
    }, Spelling::v1);
    fs::remove(file);
    CHECK(old_run.optimizers.generator.schedule.final_fraction == 0.25);
    const ExperimentSpec today = parse_experiment(old_run.resolved_yaml, "today.yaml", {}, &fake_catalog());
    CHECK_THAT(old_run.resolved_yaml, Catch::Contains("schedule: {type: cosine, final_fraction: 0.25}"));
    CHECK(today.config_hash == old_run.config_hash);
}

TEST_CASE("keys: the hash is taken over the v1 spelling so a rename keeps every identity", "[config][keys]") {
    const ExperimentSpec s = load({"optimizers.discriminator.schedule={type: linear, final_fraction: 0.5}"});
    const std::string v1 = to_yaml(s, Spelling::v1);
    CHECK_THAT(v1, Catch::Contains("    schedule: {type: linear, final_lr: 0.5}\n"));
    CHECK_THAT(s.resolved_yaml, Catch::Contains("    schedule: {type: linear, final_fraction: 0.5}\n"));
    CHECK(s.config_hash == fnv1a_hex(v1));
    CHECK(config_hash(s) == s.config_hash);
    // Without a renamed key in it, the two spellings are the same text.
    const ExperimentSpec plain = load({});
    CHECK(to_yaml(plain, Spelling::v1) == plain.resolved_yaml);
    CHECK(plain.config_hash == fnv1a_hex(plain.resolved_yaml));
}

TEST_CASE("keys: the resolved experiment reads back as the same spec and hash (every optimizer type)",
          "[config][keys]") {
    for (const std::vector<std::string>& overrides : std::vector<std::vector<std::string>>{
             {},
             {"optimizers.generator={type: sgd, lr: 0.01, momentum: 0.9, nesterov: true, weight_decay: 0.001}",
              "optimizers.discriminator={type: rmsprop, alpha: 0.9, eps: 1e-6, momentum: 0.5, "
              "schedule: {type: cosine, final_fraction: 0.125}}"},
             {"optimizers.generator={betas: [0.0, 0.9], amsgrad: true, schedule: {type: linear}}",
              "schedule.steps=[{train: generator}, {train: discriminator, repeat: 5}]",
              "schedule.ema={decay: 0.999, start: 100}", "log.every=7", "samples={every: 0, grid: 16}",
              "checkpoint={every: 0, keep: 9}", "evaluate={every: 0, samples: 10}"}}) {
        const ExperimentSpec s = load(overrides);
        const ExperimentSpec again = parse_experiment(s.resolved_yaml, "again.yaml", {}, &fake_catalog());
        CHECK(again.resolved_yaml == s.resolved_yaml);
        CHECK(again.config_hash == s.config_hash);
        CHECK(std::string(type_name(again.optimizers.generator.options)) == type_name(s.optimizers.generator.options));
        CHECK(learning_rate(again.optimizers.generator.options) == learning_rate(s.optimizers.generator.options));
        CHECK(again.optimizers.discriminator.schedule.final_fraction ==
              s.optimizers.discriminator.schedule.final_fraction);
        CHECK(again.schedule.steps.size() == s.schedule.steps.size());
    }
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST_CASE("keys: docs/configuration.md shows each key table as the tables declare it", "[config][keys][docs]") {
    const std::string docs = slurp(source_path("docs/configuration.md"));
    std::vector<std::string> tables;
    for (const KeyDoc& k : framework_keys())
        if (tables.empty() || tables.back() != k.table) tables.push_back(k.table);
    for (const std::string& table : tables) {
        INFO("docs/configuration.md: the block after <!-- keys: " << table << " --> must be:\n"
             << key_table_markdown(table));
        const std::string marker = "<!-- keys: " + table + " -->\n";
        const size_t at = docs.find(marker);
        REQUIRE(at != std::string::npos);
        const size_t end = docs.find("<!-- end keys -->", at);
        REQUIRE(end != std::string::npos);
        CHECK(docs.substr(at + marker.size(), end - at - marker.size()) == key_table_markdown(table));
    }
}

// Pinned identities: the config hashes of the shipped experiments and of a file using a renamed
// key, as `gantry validate` printed them before the key tables (commit 2054d5b). Sweeps skip
// finished runs by this hash, so it must never move.
TEST_CASE("keys: every shipped experiment keeps its configuration hash", "[config][keys][hash]") {
    std::map<std::string, std::string> pinned;
    std::istringstream lines(slurp(source_path("tests/config/data/pinned_hashes.txt")));
    for (std::string file, hash; lines >> file >> hash;) pinned[file] = hash;
    size_t experiments = 0;
    for (const auto& entry : fs::recursive_directory_iterator(source_path("experiments")))
        if (entry.path().extension() == ".yaml" && entry.path().parent_path().filename() != "base" &&
            entry.path().parent_path().filename() != "sweeps")
            ++experiments;
    CHECK(experiments > 0);
    CHECK(pinned.size() == experiments + 1);
    for (const auto& [file, hash] : pinned) {
        INFO(file);
        gantry::train::PluginSession session;
        const ExperimentSpec s = gantry::train::resolve_experiment(source_path(file), {}, session);
        CHECK(s.config_hash == hash);
    }
}

}  // namespace

namespace {

ExperimentSpec fashion_with(const std::vector<std::string>& overrides) {
    gantry::train::PluginSession session;
    return gantry::train::resolve_experiment(source_path("experiments/fashion/dcgan.yaml"), overrides, session);
}

}  // namespace

TEST_CASE("keys: an option added to a plugin later is written only when it differs from its default",
          "[config][keys][hash]") {
    // dcgan's fp32_edges (Descriptor::added_options): at its default, or set to it, the resolved
    // experiment and the pinned hash are those from before the option existed.
    const ExperimentSpec plain = fashion_with({});
    const ExperimentSpec same = fashion_with({"generator.fp32_edges=false"});
    const ExperimentSpec edges = fashion_with({"generator.fp32_edges=true"});
    CHECK(plain.resolved_yaml.find("fp32_edges") == std::string::npos);
    CHECK(same.config_hash == plain.config_hash);
    CHECK(edges.config_hash != plain.config_hash);
    CHECK_THAT(edges.resolved_yaml, Catch::Contains("generator:\n  plugin: dcgan\n") &&
                                        Catch::Contains("  fp32_edges: true\n"));
    // The plugin gets the value either way.
    CHECK(plain.generator.options.get_bool("fp32_edges") == false);
    CHECK(edges.generator.options.get_bool("fp32_edges") == true);
}
