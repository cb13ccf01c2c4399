// SPDX-License-Identifier: Apache-2.0
// Next-frame runs through the real binary (issue 14): a tiny moving_fashion run trains and
// evaluates on held-out sequences; `gantry sample --rollout` feeds predictions back, writes the
// strip and each step's metrics, agrees with the run's own evaluation at step 1, and refuses a
// roll-out longer than the sequences or on data that is not a sequence (exit 2).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"
#include "io/json.hpp"
#include "support/files.hpp"
#include "support/gif_reader.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using gantry::testing::only_run;

namespace {

gantry::testing::ProcessResult gantry_cli(const std::vector<std::string>& args) {
    return gantry::testing::run_gantry(args, {}, std::chrono::seconds(300));
}

const std::string kTinyNextFrame = std::string(GANTRY_SOURCE_DIR) + "/tests/cli/data/tiny_next_frame.yaml";
const std::string kTinySr = std::string(GANTRY_SOURCE_DIR) + "/tests/cli/data/tiny_sr.yaml";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("next-frame cli: a tiny run trains and rolls out with each step scored", "[cli][next_frame]") {
    const gantry::testing::TempDir tmp;
    const auto trained = gantry_cli({"run", kTinyNextFrame, "--out", tmp.str()});
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    const fs::path run = only_run(tmp.path, "tiny-next-frame");

    const auto rolled = gantry_cli({"sample", run.string(), "--rollout", "3", "-n", "6"});
    INFO(rolled.output);
    REQUIRE(rolled.exit_code == 0);
    const fs::path strip = run / "samples" / "rollout-000000004.png";
    const fs::path steps = run / "samples" / "rollout-000000004.jsonl";
    const fs::path film = run / "samples" / "rollout-000000004.gif";
    CHECK_THAT(rolled.output, Contains(strip.string()) && Contains(steps.string()) && Contains(film.string()));

    // 6 sequences shown as 12 rows (predicted, then true) of 2 context + 3 predicted frames.
    const gantry::io::Image image = gantry::io::read_png_image(strip);
    CHECK(image.width == 5 * 32 + 6 * 2);
    CHECK(image.height == 12 * 32 + 13 * 2);

    // The film: one frame per time step (2 context + 3 predicted), the 6 sequences side by side,
    // predicted over true. Each of its cells is the strip's cell of that sequence and time.
    const auto gif = gantry::testing::decode_gif(gantry::testing::slurp(film));
    CHECK(gif.loops_forever);
    CHECK(gif.width == 6 * 32 + 7 * 2);
    CHECK(gif.height == 2 * 32 + 3 * 2);
    REQUIRE(gif.frames_rgb.size() == 5);
    auto strip_cell = [&](int row, int column, int x, int y) {
        return image.pixels[static_cast<size_t>((2 + row * 34 + y) * image.width + 2 + column * 34 + x)];
    };
    auto film_cell = [&](size_t t, int row, int column, int x, int y) {
        return gif.frames_rgb[t][3 * static_cast<size_t>((2 + row * 34 + y) * gif.width + 2 + column * 34 + x)];
    };
    size_t differing = 0;
    for (int sequence : {0, 5})
        for (size_t t = 0; t < 5; ++t)
            for (int y = 0; y < 32; ++y)
                for (int x = 0; x < 32; ++x) {
                    differing += film_cell(t, 0, sequence, x, y) != strip_cell(2 * sequence, static_cast<int>(t), x, y);
                    if (t >= 2)  // the truth's row (the strip leaves its context black)
                        differing += film_cell(t, 1, sequence, x, y) != strip_cell(2 * sequence + 1, static_cast<int>(t), x, y);
                }
    CHECK(differing == 0);

    const std::vector<std::string> rows = lines_of(gantry::testing::slurp(steps));
    REQUIRE(rows.size() == 3);
    for (size_t k = 0; k < rows.size(); ++k) {
        const auto fields = gantry::io::json_fields(rows[k], "rollout");
        CHECK(fields.at("step") == std::to_string(k + 1));
        CHECK(fields.at("sequences") == "6");
        for (const char* metric : {"psnr", "ssim", "sharpness", "baseline_psnr"}) CHECK(fields.count(metric) == 1);
    }
    // Step 1 is the evaluation's question: the first frame after the context of the first 6
    // held-out sequences, by the same generator (the U-Net ignores z in eval mode).
    const auto eval = gantry::io::json_fields(lines_of(gantry::testing::slurp(run / "eval.jsonl")).back(), "eval");
    const auto first = gantry::io::json_fields(rows[0], "rollout");
    CHECK(std::stod(first.at("psnr")) == Approx(std::stod(eval.at("psnr"))).epsilon(1e-12));
    CHECK(std::stod(first.at("baseline_psnr")) == Approx(std::stod(eval.at("baseline_psnr"))).epsilon(1e-12));
    // Later steps predict from predictions: their answers differ from step 1's.
    CHECK(gantry::io::json_fields(rows[2], "rollout").at("psnr") != first.at("psnr"));

    SECTION("a roll-out longer than the sequences") {
        const auto too_long = gantry_cli({"sample", run.string(), "--rollout", "5"});
        CHECK(too_long.exit_code == 2);
        CHECK_THAT(too_long.output, Contains("5 steps asked, but the data's sequences give 4"));
    }
    SECTION("a roll-out with a condition option") {
        const auto mixed = gantry_cli({"sample", run.string(), "--rollout", "2", "--condition", "test"});
        CHECK(mixed.exit_code == 2);
        CHECK_THAT(mixed.output, Contains("--rollout is for runs of sequence data"));
    }
}

TEST_CASE("next-frame cli: --rollout on data that is not a sequence exits 2", "[cli][next_frame]") {
    const gantry::testing::TempDir tmp;
    const auto trained = gantry_cli({"run", kTinySr, "--out", tmp.str()});
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    const auto refused = gantry_cli({"sample", only_run(tmp.path, "tiny-sr").string(), "--rollout", "2"});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Contains("is not a sequence") && Contains("moving_fashion"));
}
