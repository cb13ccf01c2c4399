// SPDX-License-Identifier: Apache-2.0
// Non-finite values planted (GANTRY_TEST_POISON, framework/src/train/poison.hpp) into a loss term,
// a gradient or a weight, at each step kind (D: step 1, G: step 2) and at several iterations
// around a checkpoint: each is caught in the very step it was planted in (exit 5, the message
// names that iteration and step) and no checkpoint on disk ever holds a non-finite value.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "support/process_pool.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

/// A fresh directory under /tmp, removed with everything in it.
using Scratch = gantry::testing::TempDir;

/// Count of non-finite values in the network tensors of a checkpoint (RNG and trainer state are
/// bit patterns stored as floats, not numbers).
int64_t non_finite(const fs::path& checkpoint) {
    int64_t n = 0;
    for (const auto& [name, t] : gantry::io::read_checkpoint(checkpoint).tensors) {
        if (name.rfind("rng.", 0) == 0 || name.rfind("trainer.", 0) == 0) continue;
        for (int64_t i = 0; i < t.numel(); ++i) n += !std::isfinite(t.data()[i]);
    }
    return n;
}

}  // namespace

TEST_CASE("reliability: NaN and Inf planted in losses  gradients and weights stop the run in that step",
          "[reliability][numerics]") {
    Scratch scratch;
    std::ofstream(scratch.path / "n.yaml") << "experiment: numerics\n"
                                              "seed: 2\n"
                                              "threads: 1\n"
                                              "data: {plugin: gaussian_mixture, layout: ring}\n"
                                              "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
                                              "discriminator: {plugin: mlp, hidden: [16]}\n"
                                              "loss: {plugin: nonsaturating}\n"
                                              "schedule: {iterations: 8, batch: 32, ema: 0.5}\n"
                                              "log: {every: 1}\n"
                                              "samples: {every: 0, grid: 16}\n"
                                              "checkpoint: {every: 2, keep: 10}\n";
    struct Row {
        std::string place;
        int iteration;
        int step;
        std::string value;
    };
    std::vector<Row> rows;
    const char* values[] = {"nan", "inf", "-inf"};
    int v = 0;
    for (const char* place : {"loss", "grad", "weight"})
        for (int iteration : {1, 2, 3, 5})  // the first, at a checkpoint (2), right after it, later
            for (int step : {1, 2})
                rows.push_back({place, iteration, step, values[v++ % 3]});

    std::vector<gantry::testing::Command> commands;
    for (size_t i = 0; i < rows.size(); ++i) {
        gantry::testing::Command c;
        c.argv = {GANTRY_CLI, "run", (scratch.path / "n.yaml").string(), "--out",
                  (scratch.path / ("out" + std::to_string(i))).string()};
        c.output = scratch.path / ("out" + std::to_string(i) + ".log");
        c.env = {"GANTRY_TEST_POISON=" + rows[i].place + ":" + std::to_string(rows[i].iteration) + ":" +
                 std::to_string(rows[i].step) + ":" + rows[i].value};
        commands.push_back(c);
    }
    const auto results = gantry::testing::run_all(commands, 3, std::chrono::seconds(60));
    int caught = 0, checkpoints = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& row = rows[i];
        INFO(row.value << " in " << row.place << " at iteration " << row.iteration << " step " << row.step << "\n"
                       << results[i].output);
        CHECK(results[i].exit_code == 5);
        const std::string where = "training diverged at iteration " + std::to_string(row.iteration) + ", step " +
                                  std::to_string(row.step) + " (train: " +
                                  (row.step == 1 ? "discriminator" : "generator") + ")";
        CHECK_THAT(results[i].output, Catch::Contains(where));
        const fs::path experiment = scratch.path / ("out" + std::to_string(i)) / "numerics";
        REQUIRE(fs::is_directory(experiment));
        const fs::path run = fs::directory_iterator(experiment)->path();
        std::vector<std::string> kept;
        if (fs::is_directory(run / "checkpoints"))
            for (const auto& e : fs::directory_iterator(run / "checkpoints"))
                if (e.path().extension() == ".gck") {
                    kept.push_back(e.path().filename().string());
                    CHECK(non_finite(e.path()) == 0);
                    ++checkpoints;
                }
        // Only checkpoints of iterations completed before the poisoned one.
        for (const std::string& name : kept) CHECK(std::stoi(name.substr(5, 9)) < row.iteration);
        if (results[i].exit_code == 5 && results[i].output.find(where) != std::string::npos) ++caught;
    }
    CHECK(caught == static_cast<int>(rows.size()));
    WARN("numerics: " << caught << " of " << rows.size() << " planted non-finite values caught in their step  "
                      << checkpoints << " checkpoints scanned");
}
