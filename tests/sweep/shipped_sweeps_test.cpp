// SPDX-License-Identifier: Apache-2.0
// Every shipped sweep file (experiments/sweeps/*.yaml) plans: `gantry sweep FILE --dry-run`
// resolves each of its runs against the real plugins and data, as the sweep would before its first
// run, and exits 0 -- except a bf16 sweep on a CPU without avx512_core_bf16, which must be refused
// (exit 2, naming the ISA). Two at a time: the image sweeps read their datasets (~5 s each).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "gantry/precision.hpp"
#include "support/files.hpp"
#include "support/process_pool.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

TEST_CASE("sweeps: every shipped experiments/sweeps file passes gantry sweep --dry-run", "[sweep][cli]") {
    gantry::testing::TempDir tmp;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(GANTRY_SOURCE_DIR) / "experiments" / "sweeps"))
        if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 10);
    std::vector<gantry::testing::Command> commands;
    for (size_t i = 0; i < files.size(); ++i) {
        gantry::testing::Command c;
        c.argv = {GANTRY_CLI, "sweep", files[i].string(), "--dry-run", "--out", (tmp.path / "out").string()};
        c.output = tmp.path / ("sweep" + std::to_string(i) + ".out");
        c.env = {"OMP_NUM_THREADS=1"};
        commands.push_back(std::move(c));
    }
    const auto results = gantry::testing::run_all(commands, 2, std::chrono::seconds(120));
    const bool bf16_here = gantry::missing_cpu_isa(gantry::Precision::bf16).empty();
    for (size_t i = 0; i < files.size(); ++i) {
        INFO(files[i].filename().string() << ":\n" << results[i].output);
        if (!bf16_here && gantry::testing::slurp(files[i]).find("precision: bf16") != std::string::npos) {
            CHECK(results[i].exit_code == 2);
            CHECK_THAT(results[i].output, Contains("avx512_core_bf16"));
            continue;
        }
        CHECK(results[i].exit_code == 0);
        CHECK_THAT(results[i].output, Contains(" configurations -> "));
    }
    // A dry run writes nothing.
    CHECK_FALSE(fs::exists(tmp.path / "out"));
}
