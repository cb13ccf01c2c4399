// SPDX-License-Identifier: Apache-2.0
// The sweep file: expansion of grid / runs / random / seeds into runs, run ids, and the strict
// checks (every problem at its line and column in the sweep file, nothing runs before all pass).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <set>

#include "config/experiment.hpp"
#include "sweep/sweep.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kBase = std::string(GANTRY_SOURCE_DIR) + "/tests/train/data/tiny.yaml";

/// Plugin names and options are checked for form only (no catalogue): these tests are about the
/// sweep layer. The real binary checks against the plugins (sweep_cli_test.cpp).
gantry::sweep::SweepSpec load(const gantry::testing::TempDir& tmp, const std::string& text) {
    const fs::path file = tmp.path / "sweep.yaml";
    std::ofstream(file) << text;
    return gantry::sweep::load_sweep(file.string(), [](const std::string& f, const std::vector<std::string>& set) {
        return gantry::config::load_experiment(f, set);
    });
}

std::vector<gantry::config::Diagnostic> problems(const gantry::testing::TempDir& tmp, const std::string& text) {
    try {
        load(tmp, text);
    } catch (const gantry::config::ConfigErrors& e) {
        return e.records();
    }
    FAIL("the sweep was accepted");
    return {};
}

std::string value_of(const gantry::sweep::SweepRun& run, const std::string& key) {
    for (const auto& o : run.overrides)
        if (o.key == key) return o.value;
    return "";
}

}  // namespace

TEST_CASE("sweep grid: the cartesian product crossed with the seeds", "[sweep]") {
    gantry::testing::TempDir tmp;
    const auto s = load(tmp, "sweep: g\nbase: " + kBase +
                                 "\ngrid:\n  loss.plugin: [minimax, hinge, lsgan]\n"
                                 "  optimizers.generator.lr: [1.0e-3, 1.0e-4]\nseeds: 3\n");
    CHECK(s.runs.size() == 18);
    CHECK(s.configurations.size() == 6);
    CHECK(s.configurations[0] == "loss.plugin=minimax optimizers.generator.lr=1.0e-3");
    std::set<std::string> ids;
    for (const auto& r : s.runs) ids.insert(r.run_id);
    CHECK(ids.size() == 18);
    CHECK(s.runs[0].run_id.size() == 12);
    // The seed is the training-seed axis: same configuration, seeds 0, 1, 2, innermost.
    CHECK(s.runs[0].configuration == s.runs[2].configuration);
    CHECK(s.runs[0].seed == 0);
    CHECK(s.runs[2].seed == 2);
    CHECK(s.runs[3].configuration == 1);
    CHECK(s.runs[0].experiment == "tiny-ring");
}

TEST_CASE("sweep run ids depend on the resolved experiment only", "[sweep]") {
    gantry::testing::TempDir tmp;
    const auto a = load(tmp, "sweep: a\nbase: " + kBase + "\nruns:\n  - {loss.plugin: hinge}\n");
    const auto b = load(tmp, "sweep: b\nbase: " + kBase + "\nruns:\n  - {loss.plugin: hinge, threads: 2}\n"
                                                      "  - {loss.plugin: hinge, seed: 3}\n");
    // threads is left out of the hash (it follows --parallel); seed 3 is the tiny file's own seed.
    CHECK(a.runs.at(0).run_id == b.runs.at(0).run_id);
    REQUIRE(b.runs.size() == 1);
    CHECK_THAT(b.notes.at(0), Contains("resolves to the same experiment"));
}

TEST_CASE("sweep runs: an explicit list of override maps", "[sweep]") {
    gantry::testing::TempDir tmp;
    const auto s = load(tmp, "sweep: r\nbase: " + kBase +
                                 "\nruns:\n  - {loss.plugin: wgan_gp, loss.lambda: 1}\n"
                                 "  - {loss.plugin: hinge, optimizers.generator.betas: [0.0, 0.9]}\nseeds: [4, 7]\n");
    REQUIRE(s.runs.size() == 4);
    CHECK(s.runs[1].seed == 7);
    CHECK(value_of(s.runs[2], "optimizers.generator.betas") == "[0.0, 0.9]");
    CHECK(s.configurations[0] == "loss.plugin=wgan_gp loss.lambda=1");
}

TEST_CASE("sweep random: log-uniform draws stay in bounds and follow the hyper-parameter seed", "[sweep]") {
    gantry::testing::TempDir tmp;
    auto text = [&](int seed) {
        return "sweep: rnd\nbase: " + kBase + "\nrandom:\n  n: 20\n  seed: " + std::to_string(seed) +
               "\n  params:\n    optimizers.generator.lr: {log_uniform: [1.0e-5, 1.0e-2]}\n"
               "    loss.plugin: {choice: [hinge, lsgan]}\n    schedule.ema: {uniform: [0.9, 0.999]}\nseeds: 2\n";
    };
    const auto a = load(tmp, text(1)), again = load(tmp, text(1)), other = load(tmp, text(2));
    REQUIRE(a.runs.size() == 40);
    CHECK(a.random_search);
    CHECK(a.hyper_seed == 1);
    int below_1e_3 = 0;
    std::set<std::string> choices;
    for (size_t i = 0; i < a.runs.size(); ++i) {
        const double lr = std::stod(value_of(a.runs[i], "optimizers.generator.lr"));
        CHECK(lr >= 1e-5);
        CHECK(lr <= 1e-2);
        below_1e_3 += lr < 1e-3;
        choices.insert(value_of(a.runs[i], "loss.plugin"));
        CHECK(a.runs[i].run_id == again.runs[i].run_id);
    }
    // Log-uniform over three decades: about two thirds of the draws are below 1e-3 (a plain
    // uniform draw would put 9 in 10 above it).
    CHECK(below_1e_3 >= 14);
    CHECK(choices.size() == 2);
    CHECK(value_of(a.runs[0], "optimizers.generator.lr") != value_of(other.runs[0], "optimizers.generator.lr"));
}

TEST_CASE("sweep file errors name the sweep file line and column", "[sweep]") {
    gantry::testing::TempDir tmp;
    const std::string file = (tmp.path / "sweep.yaml").string();
    SECTION("a misspelt key gets a suggestion") {
        const auto p = problems(tmp, "sweep: x\nbase: " + kBase + "\ngird:\n  loss.plugin: [hinge]\nseeds: 1\n");
        REQUIRE(p.size() == 1);
        CHECK(p[0].file == file);
        CHECK(p[0].line == 3);
        CHECK(p[0].col == 1);
        CHECK_THAT(p[0].hint, Contains("'grid'"));
    }
    SECTION("a bad value of one run is placed at that value in the sweep file") {
        const auto p = problems(tmp, "sweep: x\nbase: " + kBase + "\ngrid:\n  schedule.batch: [64, -3]\nseeds: 2\n");
        REQUIRE(p.size() == 1);  // the same problem for both seeds is reported once
        CHECK(p[0].file == file);
        CHECK(p[0].line == 4);
        CHECK(p[0].col == 24);
        CHECK(p[0].key_path == "schedule.batch");
    }
    SECTION("every problem at once") {
        const auto p = problems(tmp, "sweep: x\nbase: missing.yaml\nparallel: 0\nbackend: slurmm\n"
                                     "random: {n: 2, params: {loss.lambda: {log_uniform: [0, 1]}}}\n");
        CHECK(p.size() == 4);
    }
    SECTION("a sweep without runs") {
        const auto p = problems(tmp, "sweep: x\nbase: " + kBase + "\n");
        REQUIRE(p.size() == 1);
        CHECK_THAT(p[0].message, Contains("grid:, runs:, random: or seeds:"));
    }
    SECTION("a sweep that expands to more than 10000 runs is refused before it is expanded") {
        const std::string ten = ": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
        auto p = problems(tmp, "sweep: x\nbase: " + kBase + "\ngrid:\n  a.a" + ten + "\n  a.b" + ten + "\n  a.c" + ten +
                                   "\n  a.d" + ten + "\n  a.e" + ten + "\n");
        REQUIRE(p.size() == 1);
        CHECK(p[0].line == 8);
        CHECK(p[0].key_path == "grid.a.e");
        CHECK_THAT(p[0].message, Contains("more than 10000 configurations"));
        p = problems(tmp, "sweep: x\nbase: " + kBase + "\nrandom: {n: 1000000000000, params: {loss.lambda: {uniform: [0, 1]}}}\n");
        REQUIRE(p.size() == 1);
        CHECK(p[0].key_path == "random.n");
        p = problems(tmp, "sweep: x\nbase: " + kBase + "\ngrid: {schedule.batch" + ten + "}\nseeds: 1001\n");
        REQUIRE(p.size() == 1);
        CHECK_THAT(p[0].message, Contains("more than 10000 runs (grid x runs x random x seeds)"));
    }
    SECTION("a key swept twice") {
        const auto p = problems(tmp, "sweep: x\nbase: " + kBase + "\ngrid: {seed: [1, 2]}\nseeds: 2\n");
        REQUIRE(p.size() == 2);
        CHECK_THAT(p[0].message, Contains("training seed is set both here and by seeds:"));
    }
}
