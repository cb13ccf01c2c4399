// SPDX-License-Identifier: Apache-2.0
// `gantry sweep` and `gantry report` as a user runs them: the real binary, real `gantry run`
// children, a tiny ring sweep of a few seconds.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;
using gantry::testing::run_gantry;

using gantry::testing::slurp;

namespace {

/// A ring experiment of a fraction of a second: evaluations, samples and checkpoints included.
void write_base(const fs::path& dir, int iterations, int checkpoint_every = 10, int evaluate_every = 25) {
    std::ofstream(dir / "base.yaml") << "experiment: ring\nseed: 0\nthreads: 1\n"
        "data: {plugin: gaussian_mixture, layout: ring}\n"
        "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
        "discriminator: {plugin: mlp, hidden: [16], activation: leaky_relu}\n"
        "loss: {plugin: nonsaturating}\n"
        "optimizers:\n  generator: {type: adam, lr: 1.0e-3}\n  discriminator: {type: adam, lr: 1.0e-3}\n"
        "schedule: {iterations: " << iterations << ", batch: 64}\n"
        "evaluate: {every: " << evaluate_every << ", samples: 256, metrics: [modes, high_quality, kl_modes]}\n"
        "log: {every: 10}\nsamples: {every: " << evaluate_every << ", grid: 16}\ncheckpoint: {every: " << checkpoint_every
        << ", keep: 2}\n";
}

/// Run directories (those with an experiment.yaml) below a sweep directory.
std::vector<fs::path> run_dirs(const fs::path& sweep) {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(sweep))
        if (e.path().filename() == "experiment.yaml") out.push_back(e.path().parent_path());
    return out;
}

}  // namespace

TEST_CASE("gantry sweep runs a grid in parallel and reports it and a relaunch skips every run", "[sweep][cli]") {
    gantry::testing::TempDir tmp;
    write_base(tmp.path, 50);
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: tiny\nbase: base.yaml\n"
        "grid:\n  loss.plugin: [nonsaturating, hinge]\nseeds: 2\nparallel: 2\n"
        "report: {metrics: [modes, kl_modes]}\n";
    const std::string out = (tmp.path / "out").string();

    const auto dry = run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out, "--dry-run"});
    CHECK(dry.exit_code == 0);
    CHECK_THAT(dry.output, Contains("0 finished (skipped), 0 to resume, 4 to start"));
    CHECK_FALSE(fs::exists(out));

    const auto first = run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.output, Contains("2 at once, 1 thread each"));
    const fs::path sweep = fs::path(out) / "tiny";
    const auto dirs = run_dirs(sweep);
    REQUIRE(dirs.size() == 4);
    for (const fs::path& d : dirs) {
        CHECK_THAT(slurp(d / "summary.json"), Contains("\"status\":\"done\""));
        CHECK_THAT(slurp(d / "experiment.yaml"), Contains("threads: 1"));
        CHECK(d.filename().string().size() == 12);
    }
    const std::string md = slurp(sweep / "report.md");
    CHECK_THAT(md, Contains("## modes (higher is better)"));
    CHECK_THAT(md, Contains("## kl_modes (lower is better)"));
    CHECK_THAT(md, Contains("| configuration | mean ± s.e. |"));
    CHECK_THAT(md, Contains("★ loss.plugin="));
    CHECK_THAT(md, Contains("Model selection: final iteration"));
    // A row per configuration; hinge may tie with nonsaturating (then both carry the ★).
    CHECK_THAT(md, Contains("| loss.plugin=hinge |") || Contains("| **★ loss.plugin=hinge** |"));
    CHECK_THAT(md, Contains("None: every run finished."));
    const std::string html = slurp(sweep / "report.html");
    CHECK_THAT(html, Contains("<table>"));
    CHECK_THAT(html, Contains("src=\"data:image/png;base64,iVBORw0KGgo"));
    CHECK(fs::exists(sweep / "report" / "final-modes.png"));
    CHECK(fs::exists(sweep / "report" / "final-modes.svg"));
    CHECK(fs::exists(sweep / "report" / "curve-kl_modes.png"));

    const auto again = run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out});
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.output, Contains("4 finished (skipped), 0 to resume, 0 to start"));
    CHECK_THAT(again.output, !Contains("started"));

    // A longer sweep adds only its new runs.
    std::ofstream(tmp.path / "sweep.yaml", std::ios::app) << "seeds: 3\n";
    std::string text = slurp(tmp.path / "sweep.yaml");
    text.replace(text.find("seeds: 2\n"), 9, "");
    std::ofstream(tmp.path / "sweep.yaml") << text;
    const auto more = run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out, "--dry-run"});
    CHECK_THAT(more.output, Contains("4 finished (skipped), 0 to resume, 2 to start"));

    // The report of one run directory works too.
    const auto single = run_gantry({"report", dirs[0].string()});
    CHECK(single.exit_code == 0);
    CHECK(fs::exists(dirs[0] / "report.html"));
}

TEST_CASE("gantry sweep: a diverging run fails alone and the sweep exits 1", "[sweep][cli]") {
    gantry::testing::TempDir tmp;
    write_base(tmp.path, 30);
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: failing\nbase: base.yaml\nparallel: 2\n"
        "runs:\n  - {loss.plugin: hinge}\n"
        "  - {loss.plugin: lsgan, optimizers.discriminator.type: sgd, optimizers.discriminator.lr: 1.0e+30,"
        " optimizers.generator.type: sgd, optimizers.generator.lr: 1.0e+30}\n";
    const std::string out = (tmp.path / "out").string();
    const auto r = run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Contains("1 failed"));
    const std::string md = slurp(fs::path(out) / "failing" / "report.md");
    CHECK_THAT(md, Contains("## Failures"));
    CHECK_THAT(md, Contains("| failed |"));
    CHECK_THAT(md, Contains("training diverged at iteration"));
    CHECK_THAT(md, Contains("| 0 of 1 |"));
    CHECK_THAT(slurp(fs::path(out) / "failing" / "sweep.json"), Contains("\"exit_code\": 5"));
}

TEST_CASE("gantry sweep: runs failing in every way fail alone and the others finish", "[sweep][cli][reliability]") {
    gantry::testing::TempDir tmp;
    // faulty_loss (tests/plugins) is the non-saturating loss, failing on purpose at G step 5.
    std::ofstream(tmp.path / "base.yaml") << "experiment: faults\nseed: 0\nthreads: 1\n"
        "plugins: [" << GANTRY_TEST_PLUGIN_DIR << "/faulty_loss]\n"
        "data: {plugin: gaussian_mixture, layout: ring}\n"
        "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
        "discriminator: {plugin: mlp, hidden: [16]}\n"
        "loss: {plugin: faulty_loss, at: 5}\n"
        "optimizers:\n  generator: {type: adam, lr: 1.0e-3}\n  discriminator: {type: adam, lr: 1.0e-3}\n"
        "schedule: {iterations: 40, batch: 64}\n"
        "evaluate: {every: 20, samples: 256, metrics: [modes]}\n"
        "log: {every: 10}\ncheckpoint: {every: 10}\n";
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: faults\nbase: base.yaml\nparallel: 2\n"
        "runs:\n"
        "  - {label: fine}\n"
        "  - {label: also-fine, loss.at: 1000}\n"
        "  - {label: abort, loss.fail: abort}\n"
        "  - {label: segfault, loss.fail: segfault}\n"
        "  - {label: foreign-exception, loss.fail: throw}\n"
        "  - {label: data-error, loss.fail: data}\n"
        "  - {label: exit-in-plugin, loss.fail: exit}\n"
        "  - {label: diverges, optimizers.generator: {type: sgd, lr: 1.0e+30},"
        " optimizers.discriminator: {type: sgd, lr: 1.0e+30}}\n"
        "  - {label: occupied, loss.at: 7}\n";
    const std::string out = (tmp.path / "out").string();
    const std::vector<std::string> sweep = {"sweep", (tmp.path / "sweep.yaml").string(), "--out", out};

    // A file where the `occupied` run's directory goes (a leftover of some earlier accident): it
    // is moved aside, not overwritten, and the run goes ahead.
    std::vector<std::string> dry_args = sweep;
    dry_args.push_back("--dry-run");
    const auto dry = run_gantry(dry_args);
    INFO(dry.output);
    REQUIRE(dry.exit_code == 0);
    std::string occupied_id;
    std::istringstream lines(dry.output);
    for (std::string line; std::getline(lines, line);)
        if (line.find(" occupied") != std::string::npos) {
            std::istringstream words(line);
            std::string action;
            words >> action >> occupied_id;
        }
    REQUIRE(occupied_id.size() == 12);
    const fs::path runs = fs::path(out) / "faults" / "faults";
    fs::create_directories(runs);
    std::ofstream(runs / occupied_id) << "not a directory\n";

    const auto r = run_gantry(sweep);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Contains("sweep faults: 3 of 9 runs finished, 6 failed"));
    const std::string state = slurp(fs::path(out) / "faults" / "sweep.json");
    const std::string md = slurp(fs::path(out) / "faults" / "report.md");
    INFO(md);
    CHECK_THAT(md, Contains("## Failures"));
    // Each failure with what a user needs to act on it.
    CHECK_THAT(md, Contains("killed by signal Aborted"));
    CHECK_THAT(md, Contains("killed by signal Segmentation fault"));
    CHECK_THAT(md, Contains("faulty_loss: a bug in the plugin"));
    CHECK_THAT(md, Contains("faulty_loss: the data went away"));
    CHECK_THAT(md, Contains("exit code 3 without an error message; its log ends: "));
    CHECK_THAT(md, Contains("training diverged at iteration"));
    CHECK_THAT(state, Contains("\"exit_code\": 1,") && Contains("\"exit_code\": 3,") &&
                          Contains("\"exit_code\": 4,") && Contains("\"exit_code\": 5,"));
    // The three healthy runs finished, evaluated, with their summaries.
    size_t done = 0;
    for (const fs::path& d : run_dirs(fs::path(out) / "faults"))
        if (slurp(d / "summary.json").find("\"status\":\"done\"") != std::string::npos) ++done;
    CHECK(done == 3);
    CHECK(slurp(runs / occupied_id / "summary.json").find("\"status\":\"done\"") != std::string::npos);
    CHECK(slurp(runs / (occupied_id + ".incomplete-1")) == "not a directory\n");
}

TEST_CASE("gantry sweep: a configuration that cannot be built stops the sweep before any run", "[sweep][cli]") {
    gantry::testing::TempDir tmp;
    write_base(tmp.path, 30);
    // The mlp plugin refuses batch norm in a discriminator only when it builds the network: the
    // resolved file is valid, the configuration is not.
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: unbuildable\nbase: base.yaml\nseeds: 2\n"
        "runs:\n  - {label: plain}\n  - {label: batch-norm, discriminator.norm: batch}\n";
    const std::string out = (tmp.path / "out").string();
    for (const bool dry_run : {true, false}) {
        std::vector<std::string> args = {"sweep", (tmp.path / "sweep.yaml").string(), "--out", out};
        if (dry_run) args.push_back("--dry-run");
        const auto r = run_gantry(args);
        INFO(r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Contains("sweep.yaml: configuration 'batch-norm'") &&
                                 Contains("plugin 'mlp' cannot build") &&
                                 Contains("1 of 2 configurations cannot be built; nothing was run"));
        CHECK_THAT(r.output, !Contains("configuration 'plain'"));
        CHECK_FALSE(fs::exists(out));
    }
}

TEST_CASE("gantry sweep: a killed run is resumed from its checkpoint by the relaunch", "[sweep][cli]") {
    gantry::testing::TempDir tmp;
    // Killed at its first checkpoint, long before its last iteration. `parallel: 2` gives the one
    // run one thread: two OpenMP threads on a busy 2-core machine make it ten times slower.
    write_base(tmp.path, 2000, 200, 1000);
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: long\nbase: base.yaml\nseeds: [5]\nparallel: 2\n";
    const std::string out = (tmp.path / "out").string();
    gantry::testing::GantryProcess sweep({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out});
    // Wait for the run's first checkpoint, then kill -9 the run (its pid is in its .lock).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    fs::path run;
    while (std::chrono::steady_clock::now() < deadline && run.empty()) {
        if (fs::exists(fs::path(out) / "long"))
            for (const fs::path& d : run_dirs(fs::path(out) / "long"))
                if (fs::exists(d / "checkpoints" / "latest")) run = d;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE_FALSE(run.empty());
    const std::string lock = slurp(run / ".lock");
    REQUIRE(lock.rfind("pid=", 0) == 0);
    ::kill(std::stoi(lock.substr(4)), SIGKILL);
    const auto killed = sweep.finish();
    INFO(killed.output);
    CHECK(killed.exit_code == 1);
    CHECK_THAT(killed.output, Contains("killed by signal"));
    CHECK_FALSE(fs::exists(run / "summary.json"));

    const auto plan = run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out, "--dry-run"});
    CHECK_THAT(plan.output, Contains("0 finished (skipped), 1 to resume, 0 to start"));
    const auto resumed = run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out});
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
    CHECK_THAT(slurp(run / "summary.json"), Contains("\"status\":\"done\""));
    CHECK_THAT(slurp(fs::path(out) / "long" / "logs" / (run.filename().string() + ".log")), Contains("resuming"));
}
