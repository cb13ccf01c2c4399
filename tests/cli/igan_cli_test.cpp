// SPDX-License-Identifier: Apache-2.0
// `gantry project` and the latent tools of `gantry sample` (--class, --truncation, --slerp,
// --from/--to) as a user runs them: the real binary on a tiny trained Fashion-MNIST run. (The
// refusals are rows of the bad-input catalogue, tests/reliability/.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "cli/igan_support.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using gantry::testing::run_gantry;
using gantry::testing::slurp;

namespace {

/// A 28x28 gray PNG: a bright vertical bar on black (something a Fashion-MNIST G can approach).
void write_bar(const fs::path& file) {
    std::vector<uint8_t> px(28 * 28, 0);
    for (int y = 4; y < 24; ++y)
        for (int x = 10; x < 18; ++x) px[static_cast<size_t>(y * 28 + x)] = 220;
    gantry::io::write_png(file, 28, 28, 1, px.data());
}

/// The centre 12x12 black (free), the rest white (matched).
void write_centre_mask(const fs::path& file) {
    std::vector<uint8_t> px(28 * 28, 255);
    for (int y = 8; y < 20; ++y)
        for (int x = 8; x < 20; ++x) px[static_cast<size_t>(y * 28 + x)] = 0;
    gantry::io::write_png(file, 28, 28, 1, px.data());
}

}  // namespace

TEST_CASE("gantry project: reconstruction z.npy loss curve and a mask through the binary", "[cli][igan]") {
    gantry::testing::TempDir tmp;
    const fs::path run = gantry::testing::train_tiny_image_run(tmp.path / "runs", "tiny_fashion_cgan.yaml");
    write_bar(tmp.path / "bar.png");
    write_centre_mask(tmp.path / "mask.png");
    const auto r = run_gantry({"project", run.string(), "--image", (tmp.path / "bar.png").string(), "--restarts", "2",
                               "--steps", "30", "--out", (tmp.path / "proj").string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("L1"));
    CHECK_THAT(r.output, Contains("class"));  // a conditional run: the class was searched
    const fs::path dir = tmp.path / "proj" / "bar";
    for (const char* f : {"reconstruction.png", "comparison.png", "z.npy", "loss.csv", "projection.json"})
        CHECK(fs::exists(dir / f));
    const gantry::io::Image rec = gantry::io::read_png_image(dir / "reconstruction.png");
    CHECK(rec.width == 28);
    CHECK(rec.height == 28);
    CHECK(gantry::io::read_png_image(dir / "comparison.png").width > 3 * 28);
    CHECK(gantry::testing::lines_of(dir / "loss.csv").size() == 32);  // header + 30 steps + the end
    CHECK(slurp(dir / "z.npy").substr(1, 5) == "NUMPY");
    const std::string json = slurp(dir / "projection.json");
    CHECK_THAT(json, Contains("\"label\":"));
    CHECK_THAT(json, Contains("\"steps\":30"));

    // The same seed gives the same z; a class held fixed is the class reported.
    const auto again = run_gantry({"project", run.string(), "--image", (tmp.path / "bar.png").string(), "--restarts",
                                   "2", "--steps", "30", "--out", (tmp.path / "again").string()});
    REQUIRE(again.exit_code == 0);
    CHECK(slurp(tmp.path / "again" / "bar" / "z.npy") == slurp(dir / "z.npy"));
    const auto fixed = run_gantry({"project", run.string(), "--image", (tmp.path / "bar.png").string(), "--class",
                                   "3", "--steps", "5", "--mask", (tmp.path / "mask.png").string(), "--out",
                                   (tmp.path / "fixed").string()});
    INFO(fixed.output);
    REQUIRE(fixed.exit_code == 0);
    CHECK_THAT(fixed.output, Contains("class 3"));
    CHECK_THAT(slurp(tmp.path / "fixed" / "bar" / "projection.json"), Contains("\"label\":3"));

    // D's realism term (the conditional D is given the class too).
    const auto real = run_gantry({"project", run.string(), "--image", (tmp.path / "bar.png").string(), "--steps", "3",
                                  "--restarts", "1", "--realism", "0.1", "--out", (tmp.path / "realism").string()});
    INFO(real.output);
    REQUIRE(real.exit_code == 0);
    CHECK_THAT(slurp(tmp.path / "realism" / "bar" / "projection.json"), Contains("\"realism\":0.1"));

    // Two images in one call, and the default output directory inside the run.
    const auto two = run_gantry({"project", run.string(), "--image", (tmp.path / "bar.png").string(), "--image",
                                 (tmp.path / "bar.png").string(), "--steps", "2", "--restarts", "1"});
    INFO(two.output);
    REQUIRE(two.exit_code == 0);
    CHECK(fs::exists(run / "projections" / "bar" / "z.npy"));
    CHECK(fs::exists(run / "projections" / "bar-2" / "z.npy"));

    // The projected z feeds gantry sample --from/--to (a conditional run: with --class).
    const fs::path strip = tmp.path / "strip.png";
    const auto row = run_gantry({"sample", run.string(), "--from", (dir / "z.npy").string(), "--to",
                                 (tmp.path / "fixed" / "bar" / "z.npy").string(), "--class", "3", "-n", "6",
                                 "--out", strip.string()});
    INFO(row.output);
    REQUIRE(row.exit_code == 0);
    const gantry::io::Image s = gantry::io::read_png_image(strip);
    CHECK(s.width == 6 * 28 + 7 * 2);  // one row of 6, padding 2
    CHECK(s.height == 28 + 2 * 2);
}

TEST_CASE("gantry sample: --class --truncation and --slerp rows through the binary", "[cli][igan]") {
    gantry::testing::TempDir tmp;
    const fs::path run = gantry::testing::train_tiny_image_run(tmp.path / "runs", "tiny_fashion_cgan.yaml");
    auto npy = [&](const std::vector<std::string>& extra, const std::string& name) {
        std::vector<std::string> args = {"sample", run.string(), "-n", "16", "--format", "npy", "--out",
                                         (tmp.path / name).string()};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = run_gantry(args);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        return slurp(tmp.path / name);
    };
    const std::string plain = npy({}, "plain.npy");
    const std::string class3 = npy({"--class", "3"}, "c3.npy");
    const std::string class3_again = npy({"--class", "3"}, "c3b.npy");
    const std::string class4 = npy({"--class", "4"}, "c4.npy");
    CHECK(class3 == class3_again);
    CHECK(class3 != class4);   // the same noise, another class
    CHECK(class3 != plain);
    CHECK(npy({"--truncation", "0.5"}, "t.npy") != plain);
    CHECK(npy({"--truncation", "100"}, "t100.npy") == plain);  // nothing beyond 100: the same draw
    const std::string lerp = npy({"--interpolate"}, "lerp.npy");
    const std::string slerp = npy({"--interpolate", "--slerp"}, "slerp.npy");
    CHECK(lerp != slerp);
    CHECK(lerp.size() == slerp.size());
    const auto grid = run_gantry({"sample", run.string(), "--interpolate", "--slerp", "--class", "2", "--out",
                                  (tmp.path / "rows.png").string()});
    INFO(grid.output);
    CHECK(grid.exit_code == 0);
    CHECK(gantry::io::read_png_image(tmp.path / "rows.png").width == 8 * 28 + 9 * 2);
}
