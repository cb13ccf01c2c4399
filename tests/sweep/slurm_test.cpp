// SPDX-License-Identifier: Apache-2.0
// The Slurm backend against a real Slurm: the test starts a private single-node Slurm on
// localhost (tests/sweep/slurm_localhost.sh) when it can; where it cannot (Slurm not installed,
// not root) it says SKIPPED, which CTest reports as a skipped test. CI installs Slurm
// (tools/setup.sh --slurm) and runs it as root with GANTRY_REQUIRE_SLURM=1 (.ci/run), under
// which a Slurm that does not start fails the test instead of skipping it.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

using gantry::testing::slurp;

namespace {

/// Runs the helper script; its exit code and output.
std::pair<int, std::string> helper(const std::string& action, const fs::path& dir) {
    const std::string script = std::string(GANTRY_SOURCE_DIR) + "/tests/sweep/slurm_localhost.sh";
    const std::string log = (dir / ("helper-" + action + ".out")).string();
    const int raw = std::system(("'" + script + "' " + action + " '" + dir.string() + "' > '" + log + "' 2>&1").c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(log)};
}

/// Stops the private Slurm whatever the test's outcome.
struct SlurmGuard {
    fs::path dir;
    ~SlurmGuard() { helper("stop", dir); }
};

}  // namespace

TEST_CASE("gantry sweep --backend slurm runs a job array on a localhost Slurm", "[sweep][slurm]") {
    gantry::testing::TempDir tmp;
    const fs::path slurm = tmp.path / "slurm";
    fs::create_directories(slurm);
    const auto started = std::chrono::steady_clock::now();
    const auto [code, why] = helper("start", slurm);
    if (code == 77) {
        const char* required = std::getenv("GANTRY_REQUIRE_SLURM");
        if (required && std::string(required) == "1")
            FAIL("GANTRY_REQUIRE_SLURM=1 but the localhost Slurm cannot start: " << why << "\nslurmctld.log:\n"
                 << (fs::exists(slurm / "slurmctld.log") ? slurp(slurm / "slurmctld.log") : "(none)")
                 << "\nslurmd.log:\n" << (fs::exists(slurm / "slurmd.log") ? slurp(slurm / "slurmd.log") : "(none)"));
        WARN("SKIPPED: the Slurm backend test needs a localhost Slurm: " << why);
        return;
    }
    SlurmGuard guard{slurm};
    REQUIRE(code == 0);

    std::ofstream(tmp.path / "base.yaml") << "experiment: ring\nseed: 0\nthreads: 1\n"
        "data: {plugin: gaussian_mixture, layout: ring}\n"
        "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
        "discriminator: {plugin: mlp, hidden: [16]}\nloss: {plugin: nonsaturating}\n"
        "schedule: {iterations: 30, batch: 64}\n"
        "evaluate: {every: 15, samples: 256, metrics: [modes]}\n"
        "log: {every: 10}\nsamples: {every: 15, grid: 16}\ncheckpoint: {every: 10, keep: 2}\n";
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: viaslurm\nbase: base.yaml\nbackend: slurm\nparallel: 2\n"
        "runs:\n  - {loss.plugin: hinge}\n  - {loss.plugin: lsgan}\n"
        "  - {optimizers.generator.lr: 1.0e+30, optimizers.generator.type: sgd, optimizers.discriminator.type: sgd,"
        " optimizers.discriminator.lr: 1.0e+30, loss.plugin: lsgan}\n";
    const std::string out = (tmp.path / "out").string();
    const std::vector<std::string> env = {"SLURM_CONF=" + (slurm / "slurm.conf").string()};
    const auto r = gantry::testing::run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out}, env);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Contains("submitted slurm job array"));
    CHECK_THAT(r.output, Contains("2 of 3 runs finished, 1 failed"));
    const fs::path sweep = fs::path(out) / "viaslurm";
    CHECK_THAT(slurp(sweep / "slurm" / "job.sh"), Contains("#SBATCH --array=0-2%2"));
    CHECK_THAT(slurp(sweep / "report.md"), Contains("| failed |"));

    // The same skip rules: a relaunch submits only the failed run again.
    const auto again = gantry::testing::run_gantry({"sweep", (tmp.path / "sweep.yaml").string(), "--out", out}, env);
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.output, Contains("2 finished (skipped), 1 to resume, 0 to start"));
    CHECK_THAT(slurp(sweep / "slurm" / "job.sh"), Contains("#SBATCH --array=0-0%2"));
    WARN("the Slurm backend test ran on a real localhost Slurm in "
         << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s");
}
