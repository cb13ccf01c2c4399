// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A tiny trained image run (tests/cli/data/tiny_fashion_*.yaml, a few iterations on
/// Fashion-MNIST) for the `gantry project`, `gantry sample` latent-tool and `gantry studio` tests.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "support/gantry_process.hpp"

namespace gantry::testing {

/// Trains tests/cli/data/<yaml> into `out` with the real binary; returns the run directory.
inline std::filesystem::path train_tiny_image_run(const std::filesystem::path& out, const std::string& yaml) {
    const std::filesystem::path file = std::filesystem::path(GANTRY_SOURCE_DIR) / "tests" / "cli" / "data" / yaml;
    const ProcessResult r = run_gantry({"run", file.string(), "--out", out.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    for (const auto& experiment : std::filesystem::directory_iterator(out))
        for (const auto& run : std::filesystem::directory_iterator(experiment.path())) return run.path();
    FAIL("no run directory under " << out);
    return {};
}

}  // namespace gantry::testing
