// SPDX-License-Identifier: Apache-2.0
// A sweep's run changed behind the sweep's back (`gantry run --resume DIR --set ...` inside the
// sweep directory): the plan, the sweep and the report say so, naming the run and the key; and
// the plan line gives the threads the runs really get.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;
using gantry::testing::run_gantry;
using gantry::testing::slurp;

TEST_CASE("gantry sweep: a run resumed with other settings is changed since planned - not skipped",
          "[sweep][cli]") {
    gantry::testing::TempDir tmp;
    std::ofstream(tmp.path / "base.yaml") << "experiment: ring\nseed: 0\nthreads: 2\n"
        "data: {plugin: gaussian_mixture, layout: ring}\n"
        "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
        "discriminator: {plugin: mlp, hidden: [16], activation: leaky_relu}\n"
        "loss: {plugin: nonsaturating}\n"
        "optimizers:\n  generator: {type: adam, lr: 1.0e-3}\n  discriminator: {type: adam, lr: 1.0e-3}\n"
        "schedule: {iterations: 20, batch: 64}\n"
        "evaluate: {every: 20, samples: 256, metrics: [modes]}\n"
        "log: {every: 10}\nsamples: {every: 20, grid: 16}\ncheckpoint: {every: 20}\n";
    // threads: 1 set by the sweep, one run at once: the plan says 1 thread, whatever the cores.
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: drift\nbase: base.yaml\nset: {threads: 1}\n"
        "grid:\n  loss.plugin: [nonsaturating]\nseeds: 2\nparallel: 1\n";
    const std::string sweep_file = (tmp.path / "sweep.yaml").string();
    const std::string out = (tmp.path / "out").string();

    const auto first = run_gantry({"sweep", sweep_file, "--out", out});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.output, Contains("1 at once, 1 thread each"));
    CHECK_THAT(first.output, !Contains("changed"));
    const fs::path sweep = fs::path(out) / "drift";
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(sweep / "ring")) dirs.push_back(e.path());
    REQUIRE(dirs.size() == 2);
    std::sort(dirs.begin(), dirs.end());
    const std::string id = dirs[0].filename().string();

    // A finished sweep's dry run skips both.
    const auto same = run_gantry({"sweep", sweep_file, "--out", out, "--dry-run"});
    CHECK_THAT(same.output, Contains("2 finished (skipped), 0 to resume, 0 to start;"));
    CHECK_THAT(same.output, Contains("  skip    " + id));

    // The user lengthens one run inside the sweep.
    const auto longer = run_gantry({"run", "--resume", dirs[0].string(), "--set", "schedule.iterations=30"});
    INFO(longer.output);
    REQUIRE(longer.exit_code == 0);

    const auto dry = run_gantry({"sweep", sweep_file, "--out", out, "--dry-run"});
    INFO(dry.output);
    CHECK(dry.exit_code == 0);
    CHECK_THAT(dry.output, Contains("0 to start, 1 changed since planned;"));
    CHECK_THAT(dry.output, Contains("changed since planned: " + id + " (loss.plugin=nonsaturating seed ") &&
                               Contains("): schedule.iterations 20 → 30;"));
    CHECK_THAT(dry.output, Contains("  changed " + id));
    CHECK_THAT(dry.output, !Contains("  skip    " + id));
    CHECK_THAT(dry.output, Contains("  skip    " + dirs[1].filename().string()));

    // The sweep itself leaves the run as it is and its report names it.
    const auto again = run_gantry({"sweep", sweep_file, "--out", out});
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.output, Contains("schedule.iterations 20 → 30; left as it is"));
    CHECK_THAT(slurp(sweep / "sweep.json"), Contains("\"changed\": \"schedule.iterations 20 → 30\""));
    const std::string note = "run " + id + " ('loss.plugin=nonsaturating' seed ";
    CHECK_THAT(slurp(sweep / "report.md"), Contains(note) && Contains("no longer has the configuration the sweep "
                                                                      "planned: schedule.iterations 20 → 30"));
    // `gantry report` alone, too.
    fs::remove(sweep / "report.md");
    const auto report = run_gantry({"report", sweep.string()});
    INFO(report.output);
    CHECK(report.exit_code == 0);
    CHECK_THAT(slurp(sweep / "report.md"), Contains(note));
}
