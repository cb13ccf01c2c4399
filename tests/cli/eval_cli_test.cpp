// SPDX-License-Identifier: Apache-2.0
// `gantry eval` through the real binary (issue 17, item 1): the FD a trained tiny run logged is
// reproduced from the .npy `gantry sample --eval-noise --format npy` wrote of the same run (the
// same noise, the same generator), within 1e-6 relative; the same for a 2-D mixture's metrics;
// a folder of PNGs and a uint8 .npy of the same pixels score the same.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"
#include "io/array_import.hpp"
#include "io/json.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using gantry::testing::run_gantry;

namespace {

/// A tiny generator on Fashion-MNIST evaluated once at its end (fd, kid, precision on 200
/// samples): an MLP, whose samples depend on z from the first iteration (a barely trained
/// DCGAN's hardly do, and then any noise would give the logged fd).
const char* kTinyImages = R"(experiment: tiny-eval
seed: 7
threads: 1
data: {plugin: idx, limit: 1000, labelled: false}
generator: {plugin: mlp, latent: 16, hidden: [64], output: tanh}
discriminator: {plugin: mlp, hidden: [64], activation: leaky_relu}
loss: {plugin: nonsaturating}
schedule: {iterations: 20, batch: 32, ema: 0.9}
evaluate: {every: 0, samples: 200, metrics: [fd, kid, precision], options: {image_metrics: {n_real: 300, kid_subset_size: 100}}}
log: {every: 10}
samples: {every: 0, grid: 4}
checkpoint: {every: 20, keep: 1}
)";

/// The 8-mode ring, a few iterations.
const char* kTinyRing = R"(experiment: tiny-ring
seed: 4
threads: 1
data: {plugin: gaussian_mixture, layout: ring}
generator: {plugin: mlp, latent: 4, hidden: [32]}
discriminator: {plugin: mlp, hidden: [32]}
loss: {plugin: nonsaturating}
schedule: {iterations: 30, batch: 64}
evaluate: {every: 0, samples: 500, metrics: [modes, high_quality, kl_modes]}
log: {every: 10}
samples: {every: 0}
checkpoint: {every: 30, keep: 1}
)";

fs::path train(const fs::path& dir, const std::string& name, const char* yaml) {
    std::ofstream(dir / (name + ".yaml")) << yaml;
    const auto r = run_gantry({"run", (dir / (name + ".yaml")).string(), "--out", (dir / "runs").string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    for (const auto& experiment : fs::directory_iterator(dir / "runs"))
        if (experiment.path().filename().string().find(name) != std::string::npos)
            return fs::directory_iterator(experiment.path())->path();
    FAIL("no run directory");
    return {};
}

/// The JSON line `gantry eval` printed (the first line that is an object), as fields.
std::map<std::string, std::string> eval_json(const gantry::testing::ProcessResult& r) {
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.front() == '{') return gantry::io::json_fields(line, "gantry eval output");
    FAIL("no JSON line in:\n" << r.output);
    return {};
}

/// The last row of a run's eval.jsonl.
std::map<std::string, std::string> last_eval_row(const fs::path& run) {
    const auto rows = gantry::testing::lines_of(run / "eval.jsonl");
    REQUIRE(!rows.empty());
    return gantry::io::json_fields(rows.back(), "eval.jsonl");
}

double relative(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

}  // namespace

TEST_CASE("eval: the run's logged fd and kid are reproduced from sample --eval-noise --format npy",
          "[eval][cli]") {
    gantry::testing::TempDir dir;
    const fs::path run = train(dir.path, "tiny-eval", kTinyImages);
    const auto row = last_eval_row(run);
    REQUIRE(row.count("fd"));

    const fs::path npy = dir.path / "eval.npy";
    auto s = run_gantry({"sample", run.string(), "--eval-noise", "--format", "npy", "--out", npy.string()});
    INFO(s.output);
    REQUIRE(s.exit_code == 0);
    const gantry::io::NpyArray array = gantry::io::read_npy(npy);
    CHECK(array.shape == std::vector<int64_t>{200, 1, 28, 28});

    const auto r = run_gantry({"eval", "--fake", npy.string(), "--real", run.string(), "--threads", "1"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto got = eval_json(r);
    CHECK(got.at("n_fake") == "200");
    for (const char* metric : {"fd", "kid", "precision"}) {
        INFO(metric << ": run " << row.at(metric) << ", eval " << got.at(metric));
        CHECK(relative(std::stod(got.at(metric)), std::stod(row.at(metric))) <= 1e-6);
    }
    // The same provenance: n_real, n_fake, the classifier's digest, the floor.
    const auto run_details = gantry::io::json_fields(row.at("fd_details"), "fd_details");
    const auto eval_details = gantry::io::json_fields(got.at("fd_details"), "fd_details");
    for (const char* key : {"n_real", "n_fake", "classifier_sha256", "floor", "real", "reference_split"})
        CHECK(eval_details.at(key) == run_details.at(key));
    // The table says the same.
    CHECK_THAT(r.output, Catch::Contains("metric") && Catch::Contains("floor") && Catch::Contains("classifier_sha256: "));

    // The comparison can fail: other samples of the same generator (sample's own noise) score
    // another fd, and --samples takes the first N only.
    const fs::path other = dir.path / "other.npy";
    s = run_gantry({"sample", run.string(), "-n", "200", "--format", "npy", "--out", other.string()});
    REQUIRE(s.exit_code == 0);
    const auto o = run_gantry({"eval", "--fake", other.string(), "--real", run.string(), "--threads", "1",
                               "--metrics", "fd"});
    INFO(o.output);
    REQUIRE(o.exit_code == 0);
    INFO("other noise: fd " << eval_json(o).at("fd") << ", run " << row.at("fd"));
    CHECK(relative(std::stod(eval_json(o).at("fd")), std::stod(row.at("fd"))) > 1e-5);  // 10x the tolerance
    CHECK_FALSE(eval_json(o).count("kid"));
    const auto half = run_gantry({"eval", "--fake", npy.string(), "--real", run.string(), "--threads", "1",
                                  "--metrics", "fd", "--samples", "100"});
    REQUIRE(half.exit_code == 0);
    CHECK(eval_json(half).at("n_fake") == "100");
}

TEST_CASE("eval: a 2-D mixture's metrics from an .npy of N x 2 points match the run's" , "[eval][cli]") {
    gantry::testing::TempDir dir;
    const fs::path run = train(dir.path, "tiny-ring", kTinyRing);
    const auto row = last_eval_row(run);
    const fs::path npy = dir.path / "points.npy";
    const auto s = run_gantry({"sample", run.string(), "--eval-noise", "--format", "npy", "--out", npy.string()});
    REQUIRE(s.exit_code == 0);
    CHECK(gantry::io::read_npy(npy).shape == std::vector<int64_t>{500, 2});
    // The experiment form, and the plugin form with the data's options on the command line.
    const auto a = run_gantry({"eval", "--fake", npy.string(), "--real", (run / "experiment.yaml").string()});
    const auto b = run_gantry({"eval", "--fake", npy.string(), "--real-plugin", "gaussian_mixture", "--set",
                               "data.layout=ring"});
    INFO(a.output << "\n" << b.output);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    for (const char* metric : {"modes", "high_quality", "kl_modes"}) {
        CHECK(eval_json(a).at(metric) == row.at(metric));
        CHECK(eval_json(b).at(metric) == row.at(metric));
    }
    // Another layout's modes are elsewhere: the values change.
    const auto grid = run_gantry({"eval", "--fake", npy.string(), "--real-plugin", "gaussian_mixture", "--set",
                                  "data.layout=grid"});
    REQUIRE(grid.exit_code == 0);
    CHECK(eval_json(grid).at("high_quality") != row.at("high_quality"));
}

TEST_CASE("eval: a folder of PNGs scores as a uint8 .npy of the same pixels" , "[eval][cli]") {
    gantry::testing::TempDir dir;
    // Real data: 24 RGB 8x8 images in two classes; fake: 12 of another pattern.
    auto image = [](int k, int seed) {
        gantry::io::Image im{8, 8, 3, std::vector<uint8_t>(8 * 8 * 3)};
        for (size_t i = 0; i < im.pixels.size(); ++i)
            im.pixels[i] = static_cast<uint8_t>((i * (7 + k) + static_cast<size_t>(seed) * 31) % 256);
        return im;
    };
    for (int c = 0; c < 2; ++c) {
        fs::create_directories(dir.path / "real" / ("class" + std::to_string(c)));
        for (int i = 0; i < 12; ++i)
            gantry::io::write_png(dir.path / "real" / ("class" + std::to_string(c)) / ("r" + std::to_string(i) + ".png"),
                                  image(c, i));
    }
    fs::create_directories(dir.path / "fake");
    std::string npy_data;
    for (int i = 0; i < 12; ++i) {
        const gantry::io::Image im = image(3, i * 5);
        gantry::io::write_png(dir.path / "fake" / ("f" + std::to_string(10 + i) + ".png"), im);
        // NCHW bytes for the .npy
        for (int ch = 0; ch < 3; ++ch)
            for (int p = 0; p < 64; ++p) npy_data += static_cast<char>(im.pixels[static_cast<size_t>(p * 3 + ch)]);
    }
    std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (12, 3, 8, 8), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream(dir.path / "fake.npy", std::ios::binary)
        << std::string("\x93NUMPY\x01\x00", 8) << static_cast<char>(header.size()) << '\0' << header << npy_data;
    // The shipped classifier takes (1, 28, 28): a 2-class classifier of this data, trained here.
    const fs::path weights = dir.path / "c.gtf";
    const auto t = run_gantry({"train-classifier", "--data-plugin", "image_folder", "--set",
                               "data.root=" + (dir.path / "real").string(), "--set", "data.size=8", "--out",
                               weights.string(), "--epochs", "1", "--batch", "4", "--threads", "1"});
    INFO(t.output);
    REQUIRE(t.exit_code == 0);
    std::string sha;
    for (const std::string& line : gantry::testing::lines_of(dir.path / "c.txt"))
        if (line.rfind("sha256: ", 0) == 0) sha = line.substr(8);
    REQUIRE(sha.size() == 64);
    auto eval = [&](const std::string& fake) {
        return run_gantry({"eval", "--fake", fake, "--real-plugin", "image_folder", "--set",
                           "data.root=" + (dir.path / "real").string(), "--set", "data.size=8", "--set",
                           "evaluate.options.image_metrics.classifier=" + weights.string(), "--set",
                           "evaluate.options.image_metrics.classifier_sha256=" + sha, "--metrics", "fd,kid",
                           "--threads", "1"});
    };
    const auto png = eval((dir.path / "fake").string());
    const auto npy = eval((dir.path / "fake.npy").string());
    INFO(png.output << "\n" << npy.output);
    REQUIRE(png.exit_code == 0);
    REQUIRE(npy.exit_code == 0);
    CHECK(eval_json(png).at("n_fake") == "12");
    CHECK(eval_json(png).at("fd") == eval_json(npy).at("fd"));
    CHECK(eval_json(png).at("kid") == eval_json(npy).at("kid"));
}
