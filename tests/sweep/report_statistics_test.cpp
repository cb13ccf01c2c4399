// SPDX-License-Identifier: Apache-2.0
// `gantry report` over small synthetic run directories whose numbers are chosen so that every
// statistic can be computed by hand: mean, standard error, median, min … max, seeds, the ★ (and
// ties), the selection rule, --metric, the grouping of plain runs by configuration, plots.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "config/experiment.hpp"
#include "gantry/error.hpp"
#include "report/plots.hpp"
#include "report/report.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;
using gantry::testing::slurp;

namespace {

struct Eval {
    int64_t iteration;
    double fd;
    double modes;
};

/// A finished (or failed) run directory: the resolved experiment, its evaluations and a loss log
/// where g/total equals g/fake (a one-term generator loss) and d/total does not.
void write_run(const fs::path& dir, const std::string& lr, uint64_t seed, int threads, const std::vector<Eval>& evals,
               const std::string& status = "done") {
    fs::create_directories(dir);
    const std::string text =
        "experiment: ring\nseed: " + std::to_string(seed) + "\nthreads: " + std::to_string(threads) +
        "\ndata: {plugin: gaussian_mixture, layout: ring}\n"
        "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
        "discriminator: {plugin: mlp, hidden: [16]}\n"
        "loss: {plugin: nonsaturating}\n"
        "optimizers:\n  generator: {type: adam, lr: " + lr + "}\n  discriminator: {type: adam, lr: 1.0e-3}\n"
        "schedule: {iterations: 20, batch: 64}\n"
        "evaluate: {every: 10, samples: 256, metrics: [modes, kl_modes]}\n";
    const gantry::config::ExperimentSpec spec = gantry::config::parse_experiment(text, (dir / "in.yaml").string());
    std::ofstream(dir / "experiment.yaml") << spec.resolved_yaml;
    std::ofstream eval(dir / "eval.jsonl");
    for (const Eval& e : evals)
        eval << "{\"iteration\":" << e.iteration << ",\"fd\":" << e.fd << ",\"modes\":" << e.modes
             << ",\"seconds\":0.5}\n";
    std::ofstream log(dir / "metrics.jsonl");
    for (int64_t it : {10, 20})
        log << "{\"iteration\":" << it << ",\"it_per_s\":30,\"d/total\":" << 1.0 + seed + it
            << ",\"g/fake\":" << 0.5 * seed + it << ",\"g/total\":" << 0.5 * seed + it << "}\n";
    std::ofstream(dir / "summary.json") << "{\"status\":\"" << status << "\"}\n";
}

/// Configuration A (generator lr 1e-3): seeds 1, 2, 3 (seed 3 with another thread count: the
/// same configuration). Configuration B (lr 2e-3, the same experiment name): seeds 1, 2 done,
/// seed 3 failed (never averaged).
///   final fd:  A 1, 2, 4  -> mean 7/3 = 2.333, s.e. sqrt(7/9) = 0.882, median 2, min 1, max 4
///              B 3, 5     -> mean 4, s.e. 1, median 4                                     ★ A
///   best fd:   A 0.5, 1.5, 3 -> mean 5/3 = 1.667, s.e. sqrt(114/216) = 0.726, median 1.5
///              B 2, 5        -> mean 3.5, s.e. 1.5                                         ★ A
///   final modes: A 6, 7, 8 -> 7 ± 0.577;  B 7, 7 -> 7 ± 0: an exact tie, both ★
///   best modes:  A 8, 8, 8 -> 8;          B 8, 7 -> 7.5                                    ★ A
void write_runs(const fs::path& root) {
    write_run(root / "a1", "1.0e-3", 1, 1, {{10, 0.5, 8}, {20, 1.0, 6}});
    write_run(root / "a2", "1.0e-3", 2, 1, {{10, 1.5, 8}, {20, 2.0, 7}});
    write_run(root / "a3", "1.0e-3", 3, 2, {{10, 3.0, 8}, {20, 4.0, 8}});
    write_run(root / "b1", "2.0e-3", 1, 1, {{10, 2.0, 8}, {20, 3.0, 7}});
    write_run(root / "b2", "2.0e-3", 2, 1, {{10, 6.0, 6}, {20, 5.0, 7}});
    write_run(root / "b3", "2.0e-3", 3, 1, {{10, 0.1, 9}}, "failed");
}

/// The Markdown table of one metric: the lines after its heading up to the next heading.
std::string section(const std::string& md, const std::string& heading) {
    const size_t at = md.find("## " + heading);
    if (at == std::string::npos) return "";
    const size_t end = md.find("\n## ", at + 3);
    return md.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

const std::string kA = "ring (optimizers.generator.lr=0.001)";
const std::string kB = "ring (optimizers.generator.lr=0.002)";

}  // namespace

TEST_CASE("report: same-named configurations are told apart and never averaged as seeds", "[sweep][report]") {
    gantry::testing::TempDir tmp;
    write_runs(tmp.path);
    gantry::report::write_report(tmp.str());
    const std::string md = slurp(tmp.path / "report.md");
    INFO(md);
    CHECK_THAT(md, Contains("6 runs in 2 configurations, 1 not finished or failed."));
    CHECK_THAT(md, Contains("2 configurations are named ring: they differ in `optimizers.generator.lr`, so they "
                            "are reported apart"));
    // threads differs between a1 and a3 but is not part of a configuration.
    CHECK_THAT(md, !Contains("threads="));
    CHECK_THAT(md, Contains("| " + kB + " | 3 | failed |"));
}

TEST_CASE("report: mean and s.e. and median and range and the ★ under the final-iteration rule", "[sweep][report]") {
    gantry::testing::TempDir tmp;
    write_runs(tmp.path);
    gantry::report::write_report(tmp.str());
    const std::string md = slurp(tmp.path / "report.md");
    const std::string fd = section(md, "fd (lower is better)");
    INFO(md);
    CHECK_THAT(md, Contains("**Model selection: final iteration**"));
    CHECK_THAT(fd, Contains("| **★ " + kA + "** | **2.333 ± 0.882** | 2.000 | 1.000 … 4.000 | 3 |"));
    CHECK_THAT(fd, Contains("| " + kB + " | 4.000 ± 1.000 | 4.000 | 3.000 … 5.000 | 2 of 3 |"));
    CHECK_THAT(fd, !Contains("Tie"));
    // An exact tie: both rows carry the ★, and the page says so.
    const std::string modes = section(md, "modes (higher is better)");
    CHECK_THAT(modes, Contains("| **★ " + kA + "** | **7.000 ± 0.577** | 7.000 | 6.000 … 8.000 | 3 |"));
    CHECK_THAT(modes, Contains("| **★ " + kB + "** | **7.000 ± 0.000** | 7.000 | 7.000 … 7.000 | 2 of 3 |"));
    CHECK_THAT(modes, Contains("**Tie:** " + kA + " and " + kB +
                               " have exactly the same mean modes (7.000): each is marked ★, neither is better."));
    // The HTML page highlights both.
    const std::string html = slurp(tmp.path / "report.html");
    size_t best_rows = 0;
    for (size_t at = html.find("<tr class=\"best\">"); at != std::string::npos; at = html.find("<tr class=\"best\">", at + 1))
        ++best_rows;
    CHECK(best_rows == 3);  // fd: A; modes: A and B
}

TEST_CASE("report: --selection best takes each run's best evaluation - --metric picks the tables", "[sweep][report]") {
    gantry::testing::TempDir tmp;
    write_runs(tmp.path);
    gantry::report::ReportOptions options;
    options.selection = "best";
    options.metrics = {"fd"};
    gantry::report::write_report(tmp.str(), options);
    const std::string md = slurp(tmp.path / "report.md");
    INFO(md);
    CHECK_THAT(md, Contains("**Model selection: best evaluated iteration**"));
    const std::string fd = section(md, "fd (lower is better)");
    CHECK_THAT(fd, Contains("| **★ " + kA + "** | **1.667 ± 0.726** | 1.500 | 0.500 … 3.000 | 3 |"));
    CHECK_THAT(fd, Contains("| " + kB + " | 3.500 ± 1.500 | 3.500 | 2.000 … 5.000 | 2 of 3 |"));
    CHECK_THAT(md, !Contains("## modes"));

    options.metrics = {"modes"};
    gantry::report::write_report(tmp.str(), options);
    const std::string modes = section(slurp(tmp.path / "report.md"), "modes (higher is better)");
    CHECK_THAT(modes, Contains("| **★ " + kA + "** | **8.000 ± 0.000** | 8.000 | 8.000 … 8.000 | 3 |"));
    CHECK_THAT(modes, Contains("| " + kB + " | 7.500 ± 0.500 | 7.500 | 7.000 … 8.000 | 2 of 3 |"));
    CHECK_THAT(modes, !Contains("Tie"));
}

TEST_CASE("report: an unknown --metric is a usage error naming the known ones", "[sweep][report]") {
    gantry::testing::TempDir tmp;
    write_runs(tmp.path);
    gantry::report::ReportOptions options;
    options.metrics = {"mode"};
    CHECK_THROWS_AS(gantry::report::write_report(tmp.str(), options), gantry::ConfigError);
    CHECK_THROWS_WITH(gantry::report::write_report(tmp.str(), options),
                      Contains("--metric mode") && Contains("did you mean 'modes'?") &&
                          Contains("the known metrics: fd, modes"));
    CHECK_FALSE(fs::exists(tmp.path / "report.md"));

    const auto cli = gantry::testing::run_gantry({"report", tmp.str(), "--metric", "mode"});
    INFO(cli.output);
    CHECK(cli.exit_code == 2);
    CHECK_THAT(cli.output, Contains("did you mean 'modes'?"));
    CHECK_THAT(cli.output, !Contains("gnuplot"));
}

TEST_CASE("report: bar charts include zero so equal-looking bars look equal", "[sweep][report]") {
    using gantry::report::detail::BarPlot;
    const BarPlot close{"b", "t", "y", {{"a", 2.055, 0.01}, {"b", 2.105, 0.01}}};
    const auto [lo, hi] = gantry::report::detail::bar_range(close);
    CHECK(lo == 0.0);
    CHECK(hi == Approx(2.115 * 1.05));
    const BarPlot mixed{"b", "t", "y", {{"a", -1.0, 0.5}, {"b", 2.0, 0.0}}};
    const auto [mlo, mhi] = gantry::report::detail::bar_range(mixed);
    CHECK(mlo == Approx(-1.5 - 0.175));
    CHECK(mhi == Approx(2.0 + 0.175));
    const BarPlot negative{"b", "t", "y", {{"a", -3.0, 0.0}, {"b", -2.0, 0.0}}};
    CHECK(gantry::report::detail::bar_range(negative).second == 0.0);
}

TEST_CASE("report: plots start bars at zero and draw an identical loss series once", "[sweep][report]") {
    if (!gantry::report::detail::gnuplot_available()) {
        WARN("SKIPPED: gnuplot is not installed");
        return;
    }
    gantry::testing::TempDir tmp;
    write_runs(tmp.path);
    const auto files = gantry::report::write_report(tmp.str());
    for (const std::string& n : files.notes) CHECK_THAT(n, !Contains("gnuplot failed"));
    CHECK_THAT(slurp(tmp.path / "report" / "final-fd.gp"), Contains("set yrange [0:"));
    CHECK(fs::exists(tmp.path / "report" / "final-fd.png"));
    // g/fake and g/total are the same numbers in every run: one plot naming both.
    CHECK(fs::exists(tmp.path / "report" / "loss-g_fake.png"));
    CHECK_FALSE(fs::exists(tmp.path / "report" / "loss-g_total.gp"));
    CHECK(fs::exists(tmp.path / "report" / "loss-d_total.png"));
    const std::string md = slurp(tmp.path / "report.md");
    CHECK_THAT(md, Contains("g/fake = g/total over iterations"));
}

TEST_CASE("report: a configuration that never evaluated a metric says so", "[sweep][report]") {
    gantry::testing::TempDir tmp;
    write_runs(tmp.path);
    write_run(tmp.path / "c1", "3.0e-3", 1, 1, {});
    std::ofstream(tmp.path / "c1" / "eval.jsonl") << "{\"iteration\":20,\"modes\":5,\"seconds\":0.5}\n";
    gantry::report::write_report(tmp.str());
    const std::string md = slurp(tmp.path / "report.md");
    INFO(md);
    CHECK_THAT(md, Contains("3 configurations are named ring"));
    CHECK_THAT(section(md, "fd (lower is better)"),
               Contains("| ring (optimizers.generator.lr=0.003) | — ± — | — | — … — | 0 (not evaluated) |"));
    CHECK_THAT(section(md, "modes (higher is better)"),
               Contains("| ring (optimizers.generator.lr=0.003) | 5.000 ± — | 5.000 | 5.000 … 5.000 | 1 |"));
}

TEST_CASE("report: a metric best when closest to the real value gets no ★ and its final value under best", "[sweep][report]") {
    gantry::testing::TempDir tmp;
    write_runs(tmp.path);
    // count_mean per run: A final 2, 3, 4 (earlier 9) -> 3 ± 0.577 under both rules; B final 1, 2.
    const std::vector<std::pair<std::string, std::pair<double, double>>> counts = {
        {"a1", {9, 2}}, {"a2", {9, 3}}, {"a3", {9, 4}}, {"b1", {9, 1}}, {"b2", {9, 2}}};
    for (const auto& [run, v] : counts)
        std::ofstream(tmp.path / run / "eval.jsonl") << "{\"iteration\":10,\"count_mean\":" << v.first
                                                     << "}\n{\"iteration\":20,\"count_mean\":" << v.second << "}\n";
    for (const char* selection : {"final", "best"}) {
        INFO(selection);
        gantry::report::ReportOptions options;
        options.selection = selection;
        gantry::report::write_report(tmp.str(), options);
        const std::string md = slurp(tmp.path / "report.md");
        INFO(md);
        const std::string counts_table = section(md, "count_mean (closest to the real data's value is best)");
        CHECK_THAT(counts_table, Contains("| " + kA + " | 3.000 ± 0.577 | 3.000 | 2.000 … 4.000 | 3 |"));
        CHECK_THAT(counts_table, Contains("| " + kB + " | 1.500 ± 0.500 | 1.500 | 1.000 … 2.000 | 2 of 3 |"));
        CHECK_THAT(counts_table, !Contains("★"));
    }
}
