// SPDX-License-Identifier: Apache-2.0
// A sweep tells a run changed since planned by re-reading its experiment.yaml without plugins
// (report::detail::current_run_id). That must give the planned id for an unchanged run of every
// shipped experiment, or every relaunch would call finished runs "changed".
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "config/experiment.hpp"
#include "report/runs.hpp"
#include "support/temp_dir.hpp"
#include "train/plugin_session.hpp"

namespace fs = std::filesystem;

TEST_CASE("sweep drift: an unchanged run of every shipped experiment keeps its planned id", "[sweep]") {
    size_t checked = 0;
    for (const auto& entry : fs::recursive_directory_iterator(std::string(GANTRY_SOURCE_DIR) + "/experiments")) {
        const fs::path p = entry.path();
        if (p.extension() != ".yaml" || p.parent_path().filename() == "base" || p.parent_path().filename() == "sweeps")
            continue;
        INFO(p.string());
        gantry::train::PluginSession session;
        // As the sweep plans it: resolved with the real plugins, threads left out of the id.
        gantry::config::ExperimentSpec planned = gantry::train::resolve_experiment(p.string(), {"threads=3"}, session);
        const std::string written = planned.resolved_yaml;  // what `gantry run` writes, threads: 3
        planned.threads = 0;
        const std::string id = gantry::config::config_hash(planned).substr(0, 12);
        gantry::testing::TempDir run;
        std::ofstream(run.path / "experiment.yaml") << written;
        CHECK(gantry::report::detail::current_run_id(run.path.string()) == id);
        CHECK(gantry::report::detail::configuration_drift(run.path.string(), gantry::config::to_yaml(planned)).empty());
        // One key changed: named with both values.
        std::string longer = written;
        const size_t at = longer.find("  iterations: ");
        REQUIRE(at != std::string::npos);
        longer.insert(at + 14, "1");
        std::ofstream(run.path / "experiment.yaml", std::ios::trunc) << longer;
        CHECK(gantry::report::detail::current_run_id(run.path.string()) != id);
        CHECK_THAT(gantry::report::detail::configuration_drift(run.path.string(), gantry::config::to_yaml(planned)),
                   Catch::StartsWith("schedule.iterations ") && Catch::Contains(" → 1"));
        ++checked;
    }
    CHECK(checked > 20);
}
