// SPDX-License-Identifier: Apache-2.0
// Conditional runs through the real binary (issue 13): a tiny super-resolution run trains,
// evaluates on held-out pairs and writes condition | baseline | output | target grids; `gantry
// sample --condition` draws held-out rows, a PNG condition and a comparison with a second run,
// and refuses a condition image of the wrong shape (exit 4) or a condition for an unconditional
// run (exit 2).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using gantry::testing::only_run;

namespace {

gantry::testing::ProcessResult gantry_cli(const std::vector<std::string>& args) {
    return gantry::testing::run_gantry(args, {}, std::chrono::seconds(300));
}

/// SR x4 on 256 Fashion-MNIST images, 4 iterations: every part of a conditional run, in seconds.
const std::string kTinySr = std::string(GANTRY_SOURCE_DIR) + "/tests/cli/data/tiny_sr.yaml";

}  // namespace

TEST_CASE("conditional cli: a tiny SR run trains - evaluates on held-out pairs - and samples",
          "[cli][conditional]") {
    const gantry::testing::TempDir tmp;
    const std::vector<std::string> evaluate = {"--set", "evaluate.samples=64", "--set",
                                               "evaluate.metrics=[psnr, baseline_psnr, classifier_accuracy]"};
    std::vector<std::string> gan_args = {"run", kTinySr, "--out", (tmp.path / "a").string()};
    gan_args.insert(gan_args.end(), evaluate.begin(), evaluate.end());
    const auto gan = gantry_cli(gan_args);
    INFO(gan.output);
    REQUIRE(gan.exit_code == 0);
    std::vector<std::string> l1_args = {"run", kTinySr, "--out", (tmp.path / "b").string(), "--set", "loss.weight=0"};
    l1_args.insert(l1_args.end(), evaluate.begin(), evaluate.end());
    const auto l1 = gantry_cli(l1_args);
    INFO(l1.output);
    REQUIRE(l1.exit_code == 0);
    const fs::path gan_run = only_run(tmp.path / "a", "tiny-sr"), l1_run = only_run(tmp.path / "b", "tiny-sr");

    // The L1-only run never trains D: its log has no d/ terms, the GAN run's has.
    const std::string gan_metrics = gantry::testing::slurp(gan_run / "metrics.jsonl");
    const std::string l1_metrics = gantry::testing::slurp(l1_run / "metrics.jsonl");
    CHECK_THAT(gan_metrics, Contains("\"d/total\"") && Contains("\"g/l1\"") && Contains("\"g/fake\""));
    CHECK_THAT(l1_metrics, Contains("\"g/l1\""));
    CHECK(l1_metrics.find("\"d/") == std::string::npos);
    CHECK(l1_metrics.find("\"g/fake\"") == std::string::npos);

    // Evaluation on 64 held-out pairs, with the bicubic baseline beside the model.
    const std::string eval = gantry::testing::slurp(gan_run / "eval.jsonl");
    CHECK_THAT(eval, Contains("\"psnr\"") && Contains("\"baseline_psnr\"") && Contains("\"classifier_accuracy\""));

    // The run's own grid: 3 rows of condition | baseline | output | target (28x28, 2 px padding).
    fs::path grid;
    for (const auto& e : fs::directory_iterator(gan_run / "samples")) grid = e.path();
    REQUIRE(!grid.empty());
    const gantry::io::Image frame = gantry::io::read_png_image(grid);
    CHECK(frame.width == 4 * 28 + 5 * 2);
    CHECK(frame.height == 3 * 28 + 4 * 2);

    // gantry sample --condition test --compare: one more column per compared run.
    const fs::path compared = tmp.path / "compared.png";
    const auto both = gantry_cli({"sample", gan_run.string(), "--condition", "test", "-n", "5", "--compare",
                                  l1_run.string(), "--out", compared.string()});
    INFO(both.output);
    REQUIRE(both.exit_code == 0);
    const gantry::io::Image rows = gantry::io::read_png_image(compared);
    CHECK(rows.width == 5 * 28 + 6 * 2);
    CHECK(rows.height == 5 * 28 + 6 * 2);

    // A PNG condition of the run's shape (1, 7, 7): one row, condition | baseline | 4 outputs.
    std::vector<uint8_t> small(7 * 7, 128);
    gantry::io::write_png(tmp.path / "small.png", 7, 7, 1, small.data());
    const fs::path from_png = tmp.path / "from_png.png";
    const auto one = gantry_cli({"sample", gan_run.string(), "--condition", (tmp.path / "small.png").string(),
                                 "-n", "4", "--out", from_png.string()});
    INFO(one.output);
    REQUIRE(one.exit_code == 0);
    const gantry::io::Image row = gantry::io::read_png_image(from_png);
    CHECK(row.width == 6 * 28 + 7 * 2);
    CHECK(row.height == 28 + 2 * 2);

    // A condition of the wrong size: exit 4 naming the file, its shape and the expected one.
    std::vector<uint8_t> big(28 * 28, 128);
    gantry::io::write_png(tmp.path / "big.png", 28, 28, 1, big.data());
    const auto wrong = gantry_cli({"sample", gan_run.string(), "--condition", (tmp.path / "big.png").string()});
    INFO(wrong.output);
    CHECK(wrong.exit_code == 4);
    CHECK_THAT(wrong.output, Contains("big.png") && Contains("the image is (1, 28, 28)") &&
                                 Contains("the run's conditions are (1, 7, 7)"));
    // ... or of the wrong channel count.
    std::vector<uint8_t> rgb(7 * 7 * 3, 128);
    gantry::io::write_png(tmp.path / "rgb.png", 7, 7, 3, rgb.data());
    const auto colour = gantry_cli({"sample", gan_run.string(), "--condition", (tmp.path / "rgb.png").string()});
    INFO(colour.output);
    CHECK(colour.exit_code == 4);
    CHECK_THAT(colour.output, Contains("the image is (3, 7, 7)"));
}

TEST_CASE("conditional cli: --condition on an unconditional run is refused - exit 2", "[cli][conditional]") {
    const gantry::testing::TempDir tmp;
    const auto run = gantry_cli({"run", std::string(GANTRY_SOURCE_DIR) + "/experiments/quickstart.yaml", "--set", "schedule.iterations=2",
                                 "--set", "evaluate.every=0", "--set", "evaluate.metrics=[]", "--set",
                                 "checkpoint.every=2", "--out", tmp.str()});
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    fs::path dir;
    for (const auto& e : fs::recursive_directory_iterator(tmp.path))
        if (e.path().filename() == "experiment.yaml") dir = e.path().parent_path();
    REQUIRE(!dir.empty());
    const auto r = gantry_cli({"sample", dir.string(), "--condition", "test"});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("--condition") && Contains("has no condition"));
}
