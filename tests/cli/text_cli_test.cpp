// SPDX-License-Identifier: Apache-2.0
// Text-to-image runs through the real binary (issue 14): a tiny captioned run trains with the
// matching_aware loss, writes captions.tsv and its text metrics; `gantry sample --text` and
// `--interpolate-text` draw from captions, and the bad inputs exit 2 with what to do.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"
#include "io/json.hpp"
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

const std::string kTinyText = std::string(GANTRY_SOURCE_DIR) + "/tests/cli/data/tiny_text.yaml";
const std::string kTinyDcgan = std::string(GANTRY_SOURCE_DIR) + "/tests/cli/data/tiny_fashion_dcgan.yaml";

}  // namespace

TEST_CASE("text cli: a tiny captioned run writes captions.tsv and draws from captions", "[cli][text]") {
    const gantry::testing::TempDir tmp;
    const auto trained = gantry_cli({"run", kTinyText, "--out", tmp.str()});
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    const fs::path run = only_run(tmp.path, "tiny-text");

    // What the model was told: the vocabulary and the 12 evaluation captions, as words.
    const std::vector<std::string> lines = gantry::testing::lines_of(run / "captions.tsv");
    std::vector<std::string> eval;
    bool vocabulary = false;
    for (const std::string& line : lines) {
        if (line.rfind("vocabulary\t", 0) == 0) {
            vocabulary = true;
            CHECK_THAT(line, Contains(" dark ") && Contains(" pullover ") && Contains(" trousers"));
        }
        if (line.rfind("eval\t", 0) == 0) eval.push_back(line);
    }
    CHECK(vocabulary);
    REQUIRE(eval.size() == 12);
    CHECK(eval[0].rfind("eval\t0\t9\t", 0) == 0);  // the first test image is an ankle boot
    CHECK_THAT(eval[0], Contains("ankle") && Contains("boot"));

    const auto row = gantry::io::json_fields(gantry::testing::lines_of(run / "eval.jsonl").back(), "eval");
    for (const char* metric : {"text_class_accuracy", "text_attribute_agreement"}) {
        INFO(metric);
        REQUIRE(row.count(metric) == 1);
        CHECK(std::stod(row.at(metric)) >= 0.0);
        CHECK(std::stod(row.at(metric)) <= 1.0);
    }

    // Two captions, a row of 5 samples each.
    const auto drawn = gantry_cli({"sample", run.string(), "--text", "a dark pullover", "A pair of LONG trousers.",
                                   "-n", "5"});
    INFO(drawn.output);
    REQUIRE(drawn.exit_code == 0);
    const fs::path grid = run / "samples" / "sample-000000004-text.png";
    CHECK_THAT(drawn.output, Contains(grid.string()));
    const gantry::io::Image image = gantry::io::read_png_image(grid);
    CHECK(image.width == 5 * 28 + 6 * 2);
    CHECK(image.height == 2 * 28 + 3 * 2);

    // A walk between two captions: -n steps (8 by default) in one row.
    const auto walked = gantry_cli({"sample", run.string(), "--interpolate-text", "a dark coat", "a light coat"});
    INFO(walked.output);
    REQUIRE(walked.exit_code == 0);
    const gantry::io::Image walk = gantry::io::read_png_image(run / "samples" / "sample-000000004-interpolate-text.png");
    CHECK(walk.width == 8 * 28 + 9 * 2);
    CHECK(walk.height == 28 + 2 * 2);

    {  // unknown words exit 2 naming them and the closest vocabulary words
        const auto bad = gantry_cli({"sample", run.string(), "--text", "a drak pulover"});
        CHECK(bad.exit_code == 2);
        CHECK_THAT(bad.output, Contains("'drak' (closest: 'dark')") && Contains("'pulover' (closest: 'pullover')") &&
                                   Contains("The vocabulary: a and ankle"));
    }
    {  // --interpolate-text takes exactly two captions
        const auto bad = gantry_cli({"sample", run.string(), "--interpolate-text", "a dark coat"});
        CHECK(bad.exit_code == 2);
        CHECK_THAT(bad.output, Contains("give exactly two") && Contains("got 1"));
    }
    {  // a caption without words
        const auto bad = gantry_cli({"sample", run.string(), "--text", " ,. "});
        CHECK(bad.exit_code == 2);
        CHECK_THAT(bad.output, Contains("has no words"));
    }
}

TEST_CASE("text cli: --text on a run without captions exits 2", "[cli][text]") {
    const gantry::testing::TempDir tmp;
    const auto trained = gantry_cli({"run", kTinyDcgan, "--out", tmp.str()});
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    const fs::path run = only_run(tmp.path, "tiny-fashion-dcgan");
    CHECK_FALSE(fs::exists(run / "captions.tsv"));
    const auto bad = gantry_cli({"sample", run.string(), "--text", "a dark coat"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Contains("trained on data 'idx', which has no captions"));
}
