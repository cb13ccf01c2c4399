// SPDX-License-Identifier: Apache-2.0
// A reference classifier for any labelled image data (issue 17, item 2): the classifier's shapes,
// its weights file's metadata, and the acceptance test — a generated 32x32 RGB PNG folder with
// class sub-folders gets a classifier trained by `gantry train-classifier --data-plugin`, then
// fd/kid/precision/recall with a floor through `gantry eval`.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/eval/classifier.hpp"
#include "gantry/io/png.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/random.hpp"
#include "gantry/serialize.hpp"
#include "io/json.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
namespace fs = std::filesystem;
using gantry::testing::run_gantry;

namespace {

/// One 32x32 RGB image of class `k` (0 red square, 1 green disc, 2 blue bar, 3 yellow cross) at a
/// random place and size over a noisy dark background.
io::Image shape_image(int k, Rng& rng) {
    io::Image im{32, 32, 3, std::vector<uint8_t>(32 * 32 * 3)};
    const auto u = [&](int lo, int hi) { return lo + static_cast<int>(rng.next_below(static_cast<uint64_t>(hi - lo + 1))); };
    for (uint8_t& p : im.pixels) p = static_cast<uint8_t>(u(0, 40));
    const int cx = u(10, 21), cy = u(10, 21), r = u(5, 9);
    const uint8_t colours[4][3] = {{220, 30, 30}, {30, 200, 40}, {40, 60, 230}, {230, 210, 30}};
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
            const int dx = x - cx, dy = y - cy;
            const bool inside = k == 0   ? std::abs(dx) <= r && std::abs(dy) <= r
                                : k == 1 ? dx * dx + dy * dy <= r * r
                                : k == 2 ? std::abs(dx) <= r + 3 && std::abs(dy) <= 2
                                         : (std::abs(dx) <= 1 && std::abs(dy) <= r) || (std::abs(dy) <= 1 && std::abs(dx) <= r);
            if (!inside) continue;
            for (int c = 0; c < 3; ++c)
                im.pixels[static_cast<size_t>((y * 32 + x) * 3 + c)] = static_cast<uint8_t>(colours[k][c] - u(0, 20));
        }
    return im;
}

std::map<std::string, std::string> eval_json(const testing::ProcessResult& r) {
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.front() == '{') return io::json_fields(line, "gantry eval output");
    FAIL("no JSON line in:\n" << r.output);
    return {};
}

std::string record_field(const fs::path& record, const std::string& key) {
    for (const std::string& line : testing::lines_of(record))
        if (line.rfind(key + ": ", 0) == 0) return line.substr(key.size() + 2);
    return {};
}

}  // namespace

TEST_CASE("classifier: any (C H W) and class count give (N 64) features and (N classes) logits",
          "[eval][classifier]") {
    Rng rng(3);
    for (const eval::ClassifierShape shape : {eval::ClassifierShape{3, 32, 32, 4}, eval::ClassifierShape{1, 20, 36, 2},
                                              eval::ClassifierShape{4, 64, 64, 100}}) {
        eval::Classifier net(rng, shape);
        const Tensor x = rng.uniform({5, shape.channels, shape.height, shape.width}, -1.f, 1.f);
        Tensor logits;
        const Tensor f = eval::classifier_features(net, x, &logits, 3);
        CHECK(f.shape() == Shape{5, eval::kClassifierFeatures});
        CHECK(logits.shape() == Shape{5, shape.classes});
        CHECK_THROWS_AS(net.features(rng.uniform({2, 1, 28, 28})), ShapeError);
        // The metadata names the shape and reads back.
        CHECK(eval::classifier_shape_of(eval::classifier_metadata(shape), "m") == shape);
    }
    // The shipped shape keeps the metadata "{}" (its file's bytes), and "{}" reads as it.
    CHECK(eval::classifier_metadata({}) == "{}");
    CHECK(eval::classifier_shape_of("{}", "m") == eval::ClassifierShape{});
    CHECK_THROWS_AS(eval::classifier_shape_of(R"({"input_channels": 3})", "m"), DataError);
    CHECK_THROWS_AS(eval::classifier_shape_of(
                        R"({"input_channels": 9, "input_height": 32, "input_width": 32, "classes": 4})", "m"),
                    DataError);
    CHECK_THROWS_AS(eval::Classifier(rng, eval::ClassifierShape{3, 4, 32, 4}), ConfigError);
    CHECK_THROWS_AS(eval::Classifier(rng, eval::ClassifierShape{3, 32, 32, 1}), ConfigError);
}

TEST_CASE("classifier: a weights file of another shape loads as that shape and no other", "[eval][classifier]") {
    testing::TempDir dir;
    Rng rng(4);
    const eval::ClassifierShape shape{3, 32, 32, 4};
    eval::Classifier net(rng, shape);
    const fs::path file = dir.path / "c.gtf";
    write_tensor_file(file, TensorFile{eval::classifier_metadata(shape), net.state_dict()});
    const auto loaded = eval::load_classifier(file, io::file_sha256_hex(file));
    CHECK(loaded->shape() == shape);
    CHECK(loaded->state_dict().at("head.weight").to_vector() == net.state_dict().at("head.weight").to_vector());
    // The same tensors under the shipped shape's metadata do not fit that network.
    save_state_dict(file, net.state_dict());
    CHECK_THROWS_AS(eval::load_classifier(file, io::file_sha256_hex(file)), DataError);
}

TEST_CASE("train-classifier --data-plugin then eval: a 32x32 RGB folder of 4 classes gets fd kid precision "
          "recall with a floor",
          "[eval][classifier][cli]") {
    testing::TempDir dir;
    const fs::path real = dir.path / "shapes";
    Rng rng(11);
    for (int k = 0; k < 4; ++k) {
        fs::create_directories(real / ("class" + std::to_string(k)));
        for (int i = 0; i < 48; ++i)
            io::write_png(real / ("class" + std::to_string(k)) / (std::to_string(i) + ".png"), shape_image(k, rng));
    }
    // Fake sets: fresh images of every class (a good generator), of one class (mode collapse),
    // and noise.
    Rng fresh(12);
    for (const char* set : {"good", "collapsed", "noise"}) fs::create_directories(dir.path / set);
    for (int i = 0; i < 96; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "%03d.png", i);
        io::write_png(dir.path / "good" / name, shape_image(i % 4, fresh));
        io::write_png(dir.path / "collapsed" / name, shape_image(0, fresh));
        io::Image noise{32, 32, 3, std::vector<uint8_t>(32 * 32 * 3)};
        for (uint8_t& p : noise.pixels) p = static_cast<uint8_t>(fresh.next_below(256));
        io::write_png(dir.path / "noise" / name, noise);
    }

    const fs::path weights = dir.path / "shapes_cnn.gtf";
    const std::vector<std::string> data = {"--data-plugin", "image_folder", "--set", "data.root=" + real.string(),
                                           "--set", "data.size=32"};
    std::vector<std::string> train = {"train-classifier"};
    train.insert(train.end(), data.begin(), data.end());
    for (const char* a : {"--epochs", "4", "--batch", "16", "--threads", "1"}) train.emplace_back(a);
    train.insert(train.end(), {"--out", weights.string()});
    const auto t = run_gantry(train);
    INFO(t.output);
    REQUIRE(t.exit_code == 0);
    const fs::path record = dir.path / "shapes_cnn.txt";
    const std::string sha = record_field(record, "sha256");
    CHECK(sha == io::file_sha256_hex(weights));
    CHECK(record_field(record, "command").rfind("gantry train-classifier --data-plugin image_folder --set data.root=", 0) == 0);
    CHECK(record_field(record, "seed") == "0");
    CHECK(record_field(record, "epochs") == "4");
    CHECK(record_field(record, "input") == "(3, 32, 32)");
    CHECK(record_field(record, "classes") == "4");
    CHECK(record_field(record, "test_samples") == "32");  // a sixth of 192 held out: no test split
    CHECK_THAT(record_field(record, "data"), Catch::Contains("held out"));
    // Shapes this plain are learnt in a few epochs; chance is 25 %.
    CHECK(std::stod(record_field(record, "test_accuracy")) >= 0.9);

    auto eval = [&](const std::string& fake, const std::string& digest) {
        std::vector<std::string> args = {"eval", "--fake", (dir.path / fake).string(), "--real-plugin", "image_folder",
                                         "--set", "data.root=" + real.string(), "--set", "data.size=32", "--set",
                                         "evaluate.options.image_metrics.classifier=" + weights.string(), "--set",
                                         "evaluate.options.image_metrics.classifier_sha256=" + digest, "--threads", "1"};
        return run_gantry(args);
    };
    std::map<std::string, std::map<std::string, std::string>> got;
    for (const char* set : {"good", "collapsed", "noise"}) {
        const auto r = eval(set, sha);
        INFO(set << ":\n" << r.output);
        REQUIRE(r.exit_code == 0);
        got[set] = eval_json(r);
        // The default metrics for images, each with its floor and provenance.
        for (const char* metric : {"fd", "kid", "precision", "recall"}) {
            REQUIRE(got[set].count(metric));
            const auto details = io::json_fields(got[set].at(std::string(metric) + "_details"), "details");
            CHECK(details.at("classifier_sha256") == sha);
            CHECK(details.at("n_real") == "96");  // half of the 192: the other half is the floor's
            CHECK(details.at("n_fake") == "96");
            CHECK_THAT(details.at("reference_split"), Catch::Contains("the data: 96 other samples"));
            CHECK(std::isfinite(std::stod(details.at("floor"))));
        }
    }
    const auto value = [&](const char* set, const char* metric) { return std::stod(got[set].at(metric)); };
    const auto floor = [&](const char* metric) {
        return std::stod(io::json_fields(got["good"].at(std::string(metric) + "_details"), "d").at("floor"));
    };
    INFO("fd good " << value("good", "fd") << ", collapsed " << value("collapsed", "fd") << ", noise "
                    << value("noise", "fd") << ", floor " << floor("fd"));
    // Fresh images of the same kind sit near the real-vs-real floor; one class or noise far above.
    CHECK(value("good", "fd") < 3 * floor("fd") + 1e-9);
    CHECK(value("collapsed", "fd") > 2 * value("good", "fd"));
    CHECK(value("noise", "fd") > 2 * value("good", "fd"));
    CHECK(value("collapsed", "recall") < value("good", "recall"));
    CHECK(value("noise", "precision") < value("good", "precision"));

    // A tiny run on the same folder scores with the classifier through its evaluation, and
    // gantry eval of its evaluation batch (the experiment form, options from the run's file)
    // gives the same values.
    {
        std::ofstream(dir.path / "run.yaml")
            << "experiment: shapes\nseed: 2\nthreads: 1\n"
               "data: {plugin: image_folder, root: " << real.string() << ", size: 32}\n"
               "generator: {plugin: dcgan, latent: 8, width: 8}\n"
               "discriminator: {plugin: dcgan, width: 8}\n"
               "loss: {plugin: hinge}\n"
               "schedule: {iterations: 2, batch: 8}\n"
               "evaluate: {every: 0, samples: 64, metrics: [fd, kid, precision, recall], options: {image_metrics: "
               "{classifier: shapes_cnn.gtf, classifier_sha256: " << sha << "}}}\n"
               "log: {every: 1}\nsamples: {every: 0, grid: 4}\ncheckpoint: {every: 2, keep: 1}\n";
        const auto run = run_gantry({"run", (dir.path / "run.yaml").string(), "--out", (dir.path / "runs").string()});
        INFO(run.output);
        REQUIRE(run.exit_code == 0);
        const fs::path run_dir = fs::directory_iterator(dir.path / "runs" / "shapes")->path();
        const auto row = io::json_fields(testing::lines_of(run_dir / "eval.jsonl").back(), "eval.jsonl");
        const auto details = io::json_fields(row.at("fd_details"), "fd_details");
        CHECK(details.at("classifier_sha256") == sha);
        CHECK(details.at("n_real") == "96");
        CHECK(details.at("n_fake") == "64");
        CHECK(std::isfinite(std::stod(details.at("floor"))));
        const auto s = run_gantry({"sample", run_dir.string(), "--eval-noise", "--format", "npy", "--out",
                                   (dir.path / "run.npy").string()});
        REQUIRE(s.exit_code == 0);
        const auto e = run_gantry({"eval", "--fake", (dir.path / "run.npy").string(), "--real", run_dir.string(),
                                   "--threads", "1"});
        INFO(e.output);
        REQUIRE(e.exit_code == 0);
        for (const char* metric : {"fd", "kid", "precision", "recall"}) {
            const double logged = std::stod(row.at(metric)), got = std::stod(eval_json(e).at(metric));
            CHECK(std::fabs(got - logged) <= 1e-6 * std::max(std::fabs(logged), 1e-12));
        }
    }

    // A digest that is not the file's, a classifier for other data, one without its digest.
    const auto wrong = eval("good", std::string(64, 'a'));
    CHECK(wrong.exit_code == 4);
    CHECK_THAT(wrong.output, Catch::Contains("SHA-256 " + sha));
    {
        std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 1, 28, 28), }";
        while ((10 + header.size() + 1) % 64 != 0) header += ' ';
        header += '\n';
        std::ofstream(dir.path / "grey.npy", std::ios::binary)
            << std::string("\x93NUMPY\x01\x00", 8) << static_cast<char>(header.size()) << '\0' << header
            << std::string(4 * 28 * 28 * 4, '\0');
    }
    const auto fashion = run_gantry({"eval", "--fake", (dir.path / "grey.npy").string(), "--real-plugin", "idx", "--set",
                                     "data.limit=100", "--set",
                                     "evaluate.options.image_metrics.classifier=" + weights.string(), "--set",
                                     "evaluate.options.image_metrics.classifier_sha256=" + sha, "--threads", "1"});
    INFO(fashion.output);
    CHECK(fashion.exit_code == 4);
    CHECK_THAT(fashion.output, Catch::Contains("shapes_cnn.gtf takes images (3, 32, 32), the data has samples (1, 28, 28)"));
    const auto shape = run_gantry({"eval", "--fake", (dir.path / "good").string(), "--real-plugin", "image_folder",
                                   "--set", "data.root=" + real.string(), "--set", "data.size=32", "--threads", "1"});
    INFO(shape.output);
    CHECK(shape.exit_code == 4);
    CHECK_THAT(shape.output, Catch::Contains("shipped reference classifier takes 28x28 grey images") &&
                                 Catch::Contains("gantry train-classifier --data"));
    const auto no_digest = run_gantry({"eval", "--fake", (dir.path / "good").string(), "--real-plugin",
                                       "image_folder", "--set", "data.root=" + real.string(), "--set", "data.size=32",
                                       "--set", "evaluate.options.image_metrics.classifier=" + weights.string()});
    INFO(no_digest.output);
    CHECK(no_digest.exit_code == 3);
    CHECK_THAT(no_digest.output, Catch::Contains("needs classifier_sha256") && Catch::Contains("shapes_cnn.txt"));
}
