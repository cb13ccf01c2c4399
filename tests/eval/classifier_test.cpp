// SPDX-License-Identifier: Apache-2.0
// The reference classifier: its shape, the checksum guard on its weights, the shipped weights'
// accuracy, and `train-classifier`'s outputs on a small slice of the data.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "gantry/error.hpp"
#include "gantry/eval/classifier.hpp"
#include "gantry/eval/idx_images.hpp"
#include "eval/train_classifier.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/serialize.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {

const std::string kFashion = "/usr/share/datasets/fashion-mnist";
const fs::path kShipped = fs::path(GANTRY_SOURCE_DIR) / "plugins/metrics/image/reference/fashion_mnist_cnn.gtf";

std::string record_field(const fs::path& record, const std::string& key) {
    std::ifstream in(record);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key + ": ", 0) == 0) return line.substr(key.size() + 2);
    return {};
}

}  // namespace

TEST_CASE("classifier: (N 1 28 28) images give (N 64) features and (N 10) logits", "[eval][classifier]") {
    Rng rng(1);
    eval::Classifier net(rng);
    const Tensor x = rng.uniform({6, 1, 28, 28}, -1.f, 1.f);
    Tensor logits;
    const Tensor f = eval::classifier_features(net, x, &logits, 4);  // two chunks: 4 + 2
    CHECK(f.shape() == Shape{6, eval::kClassifierFeatures});
    CHECK(logits.shape() == Shape{6, eval::kClassifierClasses});
    CHECK_THROWS_AS(net.features(rng.uniform({2, 3, 28, 28})), ShapeError);
    // Small enough to commit: well under a few hundred KB.
    int64_t values = 0;
    for (const auto& [name, t] : net.state_dict()) values += t.numel();
    CHECK(values * 4 < 400 * 1024);
}

TEST_CASE("classifier: weights whose SHA-256 differs from the expected one are refused", "[eval][classifier]") {
    testing::TempDir dir;
    Rng rng(2);
    eval::Classifier net(rng);
    const fs::path file = dir.path / "w.gtf";
    save_state_dict(file, net.state_dict());
    const std::string sha = io::file_sha256_hex(file);
    auto loaded = eval::load_classifier(file, sha);
    CHECK(loaded->state_dict().at("head.weight").to_vector() == net.state_dict().at("head.weight").to_vector());
    CHECK_FALSE(loaded->is_training());
    CHECK_THROWS_AS(eval::load_classifier(file, std::string(64, '0')), DataError);
    CHECK_THROWS_WITH(eval::load_classifier(file, std::string(64, '0')), Catch::Contains("SHA-256 " + sha));
    // A file that is not this network's state dict, with a matching digest, is refused too.
    save_state_dict(file, StateDict{{"x", Tensor::zeros({2})}});
    CHECK_THROWS_AS(eval::load_classifier(file, io::file_sha256_hex(file)), DataError);
}

TEST_CASE("classifier: the shipped weights match their record and classify Fashion-MNIST test images",
          "[eval][classifier][fashion]") {
    const fs::path record = fs::path(kShipped).replace_extension(".txt");
    REQUIRE(fs::exists(kShipped));
    const std::string sha = record_field(record, "sha256");
    CHECK(sha == io::file_sha256_hex(kShipped));
    CHECK(std::stod(record_field(record, "test_accuracy")) >= 0.90);
    CHECK(record_field(record, "command").find("gantry train-classifier") == 0);
    CHECK(fs::file_size(kShipped) < 512 * 1024);

    // The tensors, bit for bit, of the weights as trained (a GTSD file then, re-encoded as a tensor
    // file since): SHA-256 over, per tensor in name order, u32 name length, name, u32 rank, u64
    // dims, the raw floats.
    const StateDict weights = load_state_dict(kShipped);
    std::string tensors;
    const auto u32 = [&](uint32_t v) { tensors.append(reinterpret_cast<const char*>(&v), 4); };
    for (const auto& [name, t] : weights) {
        u32(static_cast<uint32_t>(name.size()));
        tensors += name;
        u32(static_cast<uint32_t>(t.rank()));
        for (const int64_t d : t.shape().dims()) tensors.append(reinterpret_cast<const char*>(&d), 8);
        tensors.append(reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.numel()) * 4);
    }
    CHECK(weights.size() == 22);
    CHECK(io::sha256_hex(tensors) == "f81700283c7d82ca2cb1521c039d208d5974f499a04c74ecae0067a2fe4b0b45");
    // The file is what `train-classifier` writes for these tensors (one encoding per content).
    CHECK(encode_tensor_file({.tensors = weights}) == [&] {
        std::ifstream in(kShipped, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }());

    auto net = eval::load_classifier(kShipped, sha);
    const Batch test = eval::read_idx_images(eval::idx_path(kFashion, "t10k", "images"),
                                             eval::idx_path(kFashion, "t10k", "labels"), 2000);
    Tensor logits;
    const auto t0 = std::chrono::steady_clock::now();
    eval::classifier_features(*net, test.x, &logits);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int64_t right = 0;
    for (int64_t i = 0; i < 2000; ++i) {
        const float* row = logits.data() + i * 10;
        right += std::max_element(row, row + 10) - row == static_cast<int64_t>(test.labels.data()[i]);
    }
    INFO("2000 images in " << seconds << " s");
    // The record holds the accuracy on all 10000; on the first 2000 it is within a point or two.
    CHECK(static_cast<double>(right) / 2000 >= 0.88);
}

TEST_CASE("train-classifier: a short run writes weights and a record whose SHA-256 matches",
          "[eval][classifier][fashion]") {
    testing::TempDir dir;
    eval::TrainClassifierRequest request;
    request.data_dir = kFashion;
    request.out = (dir.path / "c.gtf").string();
    request.epochs = 1;
    request.batch = 64;
    request.train_limit = 1024;
    request.test_limit = 500;
    request.command = "gantry train-classifier --train-limit 1024";
    int lines = 0;
    const eval::TrainClassifierResult r = eval::train_classifier(request, [&](const std::string&) { ++lines; });
    CHECK(lines == 1);
    CHECK(r.sha256 == io::file_sha256_hex(request.out));
    CHECK(record_field(r.record_path, "sha256") == r.sha256);
    CHECK(record_field(r.record_path, "seed") == "0");
    CHECK(record_field(r.record_path, "command") == request.command);
    // 16 steps already beat chance (10 %) by far.
    CHECK(r.test_accuracy > 0.4);
    CHECK_NOTHROW(eval::load_classifier(request.out, r.sha256));
    CHECK_THROWS_AS(eval::train_classifier([&] { auto bad = request; bad.data_dir = dir.path.string(); return bad; }()),
                    DataError);
}
