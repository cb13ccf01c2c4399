// SPDX-License-Identifier: Apache-2.0
// studio::Studio, the requests of `gantry studio` without HTTP, on a tiny trained run: run files
// are served from inside the run directory only (.., absolute paths, a symlink out), every bad
// request is a 400 naming its mistake, and "generate" returns candidates closer to the strokes
// than random samples are.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/igan_support.hpp"
#include "studio/studio.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using nlohmann::json;

namespace {

/// A bright 6x10 block in the middle of a 28x28 canvas, constrained there only.
json strokes(double value) {
    json pixels = json::array(), mask = json::array();
    for (int i = 0; i < 28 * 28; ++i) {
        const int y = i / 28, x = i % 28;
        const bool on = y >= 9 && y < 19 && x >= 11 && x < 17;
        pixels.push_back(on ? value : 0.0);
        mask.push_back(on ? 1 : 0);
    }
    return json{{"pixels", pixels}, {"mask", mask}};
}

/// Mean |pixel - value| under the block of each candidate of an answer.
std::vector<double> stroke_errors(const json& answer, double value) {
    std::vector<double> out;
    for (const json& c : answer["candidates"]) {
        double e = 0;
        int n = 0;
        for (int i = 0; i < 28 * 28; ++i) {
            const int y = i / 28, x = i % 28;
            if (y >= 9 && y < 19 && x >= 11 && x < 17) {
                e += std::fabs(c["pixels"][static_cast<size_t>(i)].get<double>() - value);
                ++n;
            }
        }
        out.push_back(e / n);
    }
    return out;
}

}  // namespace

TEST_CASE("studio: run files only from inside the run directory", "[studio]") {
    gantry::testing::TempDir tmp;
    const fs::path run = gantry::testing::train_tiny_image_run(tmp.path / "runs", "tiny_fashion_dcgan.yaml");
    std::ofstream(tmp.path / "secret.txt") << "secret\n";
    fs::create_directory_symlink(tmp.path, run / "escape");
    std::ofstream(run / "notes.bin") << "binary\n";
    gantry::studio::Studio studio(run);
    CHECK(studio.get("/run/experiment.yaml").status == 200);
    CHECK_THAT(studio.get("/run/experiment.yaml").body, Contains("tiny-fashion-dcgan"));
    for (const std::string& bad : std::vector<std::string>{"/run/../secret.txt", "/run//etc/passwd", "/run/" + tmp.path.string() + "/secret.txt",
                                  "/run/escape/secret.txt", "/run/samples/../../secret.txt", "/run/./experiment.yaml",
                                  "/run/", "/run/a\\..\\b"}) {
        INFO(bad);
        const auto r = studio.get(bad);
        CHECK(r.status == 400);
        CHECK_THAT(r.body, Contains("not a path inside the run directory"));
    }
    CHECK(studio.get("/run/nothing.png").status == 404);
    CHECK(studio.get("/run/notes.bin").status == 404);  // not a kind of file the page shows
    CHECK(studio.get("/api/nothing").status == 404);
}

TEST_CASE("studio: bad requests are 400 with the mistake named", "[studio]") {
    gantry::testing::TempDir tmp;
    const fs::path run = gantry::testing::train_tiny_image_run(tmp.path / "runs", "tiny_fashion_dcgan.yaml");
    gantry::studio::Studio studio(run);
    const json info = json::parse(studio.get("/api/info").body);
    CHECK(info["classes"] == 0);  // an unconditional generator
    CHECK(info["latent"] == 8);
    json bad_class = strokes(0.5);
    bad_class["class"] = 0;
    json too_long = strokes(0.5);
    too_long["steps"] = 5000;
    json short_z = {{"z", {1, 2}}};
    json nan_z = {{"z", {1, 2, 3, 4, 5, 6, 7, "x"}}};
    json bad_name = {{"z", {1, 2, 3, 4, 5, 6, 7, 8}}, {"name", "a/b"}};
    for (const auto& [path, body, fragment] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"/api/generate", "{", "not JSON"},
             {"/api/generate", "3", "JSON object"},
             {"/api/generate", "{}", "pixels must be an array"},
             {"/api/generate", bad_class.dump(), "class must be in [-1, -1]"},
             {"/api/generate", too_long.dump(), "steps must be in [0, 1000]"},
             {"/api/random", "{\"count\":100}", "count must be in [1, 64]"},
             {"/api/path", short_z.dump(), "from must be an array"},
             {"/api/save", short_z.dump(), "z has 2 values; expected 8"},
             {"/api/save", nan_z.dump(), "z[7] is not a number"},
             {"/api/save", bad_name.dump(), "name must be"},
             {"/api/save", std::string(5u << 20, ' '), "the limit is"}}) {
        INFO(path << " " << body.substr(0, 60));
        const auto r = studio.post(path, body);
        CHECK(r.status == 400);
        CHECK_THAT(r.body, Contains(fragment));
    }
}

TEST_CASE("studio: generate agrees with the strokes more than random samples do", "[studio]") {
    gantry::testing::TempDir tmp;
    const fs::path run = gantry::testing::train_tiny_image_run(tmp.path / "runs", "tiny_fashion_mlp.yaml");
    gantry::studio::Studio studio(run);
    json request = strokes(0.9);
    request["restarts"] = 4;
    request["steps"] = 150;
    request["prior"] = 0.0;
    const auto answer = studio.post("/api/generate", request.dump());
    REQUIRE(answer.status == 200);
    const json generated = json::parse(answer.body);
    REQUIRE(generated["candidates"].size() == 4);
    CHECK(generated["ms"].get<double>() > 0);
    const auto random = studio.post("/api/random", R"({"count": 8, "seed": 3})");
    REQUIRE(random.status == 200);
    const std::vector<double> g = stroke_errors(generated, 0.9), r = stroke_errors(json::parse(random.body), 0.9);
    double random_mean = 0;
    for (double e : r) random_mean += e / r.size();
    CAPTURE(g, r);
    // A barely trained MLP generator; the search still pulls the block towards 0.9.
    CHECK(g.front() < 0.2);
    CHECK(g.front() < 0.5 * random_mean);
}
