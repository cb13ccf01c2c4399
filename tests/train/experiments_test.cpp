// SPDX-License-Identifier: Apache-2.0
// Every experiment the project ships is valid against the real plugins: a renamed option or a
// removed plugin breaks this test, not a user's first run.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

TEST_CASE("experiments: every shipped experiment file validates", "[train][cli]") {
    const gantry::testing::TempDir tmp;
    int checked = 0;
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(GANTRY_SOURCE_DIR) / "experiments")) {
        if (entry.path().extension() != ".yaml" || entry.path().parent_path().filename() == "base" ||
            entry.path().parent_path().filename() == "sweeps")  // sweep files (docs/sweeps.md)
            continue;
        const std::string command = std::string(GANTRY_CLI) + " validate '" + entry.path().string() +
                                    "' > /dev/null 2> '" + (tmp.path / "err").string() + "'";
        const int status = std::system(command.c_str());
        INFO(entry.path().string() << ": " << gantry::testing::slurp(tmp.path / "err"));
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        ++checked;
    }
    CHECK(checked >= 15);
}
