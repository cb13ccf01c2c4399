// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "gantry/error.hpp"
#include "io/paths.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

namespace {
using gantry::testing::TempDir;
}  // namespace

TEST_CASE("safe_join: names inside the root are joined", "[io]") {
    const fs::path root = "/runs/exp/run1";
    CHECK(safe_join(root, "samples/iter-000001000.png") == root / "samples" / "iter-000001000.png");
    CHECK(safe_join(root, "./a//b") == root / "a" / "b");
    CHECK(safe_join(root, "a..b") == root / "a..b");
}

TEST_CASE("safe_join: every name that could leave the root is refused", "[io]") {
    const fs::path root = "/runs/exp/run1";
    const std::string long_name(300, 'a');
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"../x", "'..'"},
        {"a/../../x", "'..'"},
        {"a/..", "'..'"},
        {"..", "'..'"},
        {"/etc/x", "absolute"},
        {std::string("x\0y", 3), "NUL"},
        {"x\ny", "control"},
        {long_name, "longer than 255"},
        {"", "empty"},
        {".", "root itself"},
        {"./", "root itself"},
    };
    for (const auto& [name, reason] : refused) {
        INFO("name: " << name);
        CHECK_THROWS_AS(safe_join(root, name), OutputError);
        CHECK_THROWS_WITH(safe_join(root, name), Catch::Contains(reason));
    }
}

TEST_CASE("safe_join: a symbolic link below the root is refused", "[io]") {
    TempDir dir;
    fs::create_directory(dir.path / "real");
    fs::create_directory_symlink("/tmp", dir.path / "link");
    CHECK_NOTHROW(safe_join(dir.path, "real/file"));
    CHECK_THROWS_WITH(safe_join(dir.path, "link/file"), Catch::Contains("symbolic link"));
}

TEST_CASE("check_path_component: experiment names and run ids are single safe names", "[io]") {
    CHECK_NOTHROW(check_path_component("wgan-gp-ring", "experiment name"));
    CHECK_NOTHROW(check_path_component("20261125-163501", "run id"));
    const std::vector<std::string> refused = {"", ".", "..", "a/b", std::string("a\0b", 3), "tab\there",
                                              std::string(256, 'x')};
    for (const std::string& bad : refused) {
        INFO("name: " << bad);
        CHECK_THROWS_WITH(check_path_component(bad, "run id"), Catch::StartsWith("run id: expected a safe path"));
    }
}

TEST_CASE("resolve_output_path: absolute - normalised and refuses NUL and over-long parts", "[io]") {
    const auto cwd = fs::current_path();
    CHECK(resolve_output_path("runs/./a/../b", "--out") == cwd / "runs" / "b");
    CHECK(resolve_output_path("/data/runs/", "--out") == fs::path("/data/runs"));
    CHECK_THROWS_WITH(resolve_output_path(std::string("ru\0ns", 5), "--out"),
                      Catch::StartsWith("--out:") && Catch::Contains("NUL"));
    CHECK_THROWS_WITH(resolve_output_path("runs/" + std::string(256, 'x'), "--out"),
                      Catch::Contains("longer than 255"));
    CHECK_THROWS_AS(resolve_output_path("", "--out"), OutputError);
}
