// SPDX-License-Identifier: Apache-2.0
// Checkpoint files: tensor files (gantry/serialize.hpp, tested in tests/tensor/serialize_test.cpp)
// named "checkpoint" in messages, written atomically, and the files of the format before them.
//
// tests/io/data/legacy-gantryck-v1.gck and legacy-gtsd-v1.gtsd were written at commit 2054d5b
// (before tensor files) by io::write_checkpoint and save_state_dict from the contents of
// legacy_contents() below, with the metadata kLegacyMetadata.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gantry/error.hpp"
#include "io/checkpoint.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/faults.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

namespace {
using gantry::testing::TempDir;

const fs::path kData = fs::path(GANTRY_SOURCE_DIR) / "tests" / "io" / "data";
const std::string kLegacyMetadata =
    R"({"iteration":20,"config_hash":"0123456789abcdef","threads":1,"cpu_isa":"avx2","experiment":"legacy","schedule_position":"end of iteration"})";

std::vector<uint32_t> bits_of(const Tensor& t) {
    std::vector<uint32_t> bits(static_cast<size_t>(t.numel()));
    if (!bits.empty()) std::memcpy(bits.data(), t.data(), bits.size() * 4);
    return bits;
}

Tensor tensor_with_bits(const Shape& shape, const std::vector<uint32_t>& bits) {
    Tensor t = Tensor::empty(shape);
    if (!bits.empty()) std::memcpy(t.data(), bits.data(), bits.size() * 4);
    return t;
}

StateDict legacy_contents() {
    StateDict d;
    d["discriminator.net.0.weight"] = Tensor::from_vector({2, 3}, {1.f, -2.f, 3.5f, 0.1f, -0.f, 1e-30f});
    d["discriminator.net.0.bias"] = Tensor::from_vector({3}, {0.25f, 0.5f, 0.75f});
    d["generator.net.0.weight"] = tensor_with_bits({1, 2, 1, 2}, {0x7fc12345u, 0x80000000u, 0x00000001u, 0x7f800000u});
    d["generator.empty"] = Tensor::empty({0, 4});
    d["scalar"] = Tensor::scalar(17.f);
    put_u64(d, "optimizer.generator.step", 123456789012345ull);
    return d;
}

void check_same(const StateDict& got, const StateDict& expected) {
    REQUIRE(got.size() == expected.size());
    for (const auto& [name, tensor] : expected) {
        INFO(name);
        REQUIRE(got.count(name) == 1);
        CHECK(got.at(name).shape() == tensor.shape());
        CHECK(bits_of(got.at(name)) == bits_of(tensor));
    }
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

CheckpointData small_checkpoint() {
    CheckpointData data;
    data.metadata_json = R"({"iteration": 2000, "config_hash": "ab12", "threads": 2})";
    data.tensors = legacy_contents();
    return data;
}
}  // namespace

TEST_CASE("checkpoint: a tensor file - round trip bit-exact - named in messages", "[io][checkpoint]") {
    TempDir dir;
    const auto path = dir.path / "ckpt-000002000.gck";
    write_checkpoint(path, small_checkpoint());
    CHECK(slurp(path) == encode_tensor_file(small_checkpoint()));
    CHECK(slurp(path).substr(0, 8) == "GANTRYTF");
    const CheckpointData back = read_checkpoint(path);
    CHECK(back.metadata_json == small_checkpoint().metadata_json);
    check_same(back.tensors, legacy_contents());

    std::string bytes = slurp(path);
    bytes[bytes.size() - 30] = 'x';
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    CHECK_THROWS_WITH(read_checkpoint(path), Catch::StartsWith("checkpoint " + path.string() + " is corrupt: "));
    std::ofstream(dir.path / "empty.gck");
    CHECK_THROWS_AS(read_checkpoint(dir.path / "empty.gck"), DataError);
    CHECK_THROWS_WITH(read_checkpoint(dir.path / "empty.gck"), Catch::Contains("corrupt, or not a tensor file"));
    CHECK_THROWS_WITH(read_checkpoint(dir.path / "missing.gck"),
                      Catch::Contains("checkpoint ") && Catch::Contains("missing.gck") && Catch::Contains("No such file"));
    CHECK_THROWS_WITH(read_checkpoint(dir.path), Catch::Contains("expected a regular file, got a directory"));
}

TEST_CASE("checkpoint: a full disk while writing keeps the previous checkpoint", "[io][checkpoint]") {
    TempDir dir;
    const auto path = dir.path / "ckpt.gck";
    CheckpointData old = small_checkpoint();
    write_checkpoint(path, old);
    CheckpointData next = small_checkpoint();
    next.metadata_json = R"({"iteration": 4000})";
    io::testing::inject_failure(io::testing::IoStep::write, 1, ENOSPC);
    CHECK_THROWS_WITH(write_checkpoint(path, next), Catch::Contains("disk full"));
    CHECK(io::testing::clear_failure());
    CHECK(read_checkpoint(path).metadata_json == old.metadata_json);
}

TEST_CASE("checkpoint: one written before tensor files (GANTRYCK version 1) loads bit for bit",
          "[io][checkpoint][resume]") {
    const fs::path legacy = kData / "legacy-gantryck-v1.gck";
    REQUIRE(slurp(legacy).substr(0, 8) == "GANTRYCK");
    const CheckpointData back = read_checkpoint(legacy);
    CHECK(back.metadata_json == kLegacyMetadata);
    check_same(back.tensors, legacy_contents());
    CHECK(get_u64(back.tensors, "optimizer.generator.step") == 123456789012345ull);
    // Saved again, it becomes a tensor file with the same contents.
    const std::string again = encode_tensor_file(back);
    CHECK(again.substr(0, 8) == "GANTRYTF");
    check_same(decode_tensor_file(again, "again").tensors, legacy_contents());
}

TEST_CASE("checkpoint: damage to an old GANTRYCK checkpoint is still a DataError", "[io][checkpoint]") {
    const std::string bytes = slurp(kData / "legacy-gantryck-v1.gck");
    for (size_t n = 0; n < bytes.size(); ++n) {
        INFO("truncated to " << n << " of " << bytes.size() << " bytes");
        CHECK_THROWS_AS(decode_tensor_file(std::string_view(bytes).substr(0, n), "old.gck"), DataError);
    }
    size_t detected = 0;
    for (size_t at = 0; at < bytes.size(); ++at) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string flipped = bytes;
            flipped[at] = static_cast<char>(flipped[at] ^ (1 << bit));
            try {
                decode_tensor_file(flipped, "old.gck");
            } catch (const DataError&) {
                ++detected;
            }
        }
    }
    CHECK(detected == bytes.size() * 8);
    std::string future = bytes;
    future[8] = 2;
    CHECK_THROWS_WITH(decode_tensor_file(future, "old.gck"),
                      Catch::Contains("a GANTRYCK checkpoint of version 2") && Catch::Contains("corrupt"));
}

TEST_CASE("checkpoint: a run directory with old and new checkpoints resumes from the newest good one",
          "[io][checkpoint][resume]") {
    TempDir dir;
    const fs::path checkpoints = dir.path / "checkpoints";
    fs::create_directories(checkpoints);
    fs::copy_file(kData / "legacy-gantryck-v1.gck", checkpoints / "ckpt-000000020.gck");
    std::ofstream(checkpoints / "latest") << "ckpt-000000020.gck\n";
    auto found = find_latest_good(checkpoints);
    REQUIRE(found);
    CHECK(found->iteration == 20);
    CHECK_FALSE(found->fell_back);
    CHECK(found->data.metadata_json == kLegacyMetadata);
    check_same(found->data.tensors, legacy_contents());

    // The resumed run's next checkpoint is a tensor file; retention treats both kinds alike.
    CheckpointData next = small_checkpoint();
    const SavedCheckpoint saved = save_checkpoint(checkpoints, 30, next, 2);
    CHECK(slurp(saved.path).substr(0, 8) == "GANTRYTF");
    CHECK(fs::exists(checkpoints / "ckpt-000000020.gck"));
    found = find_latest_good(checkpoints);
    REQUIRE(found);
    CHECK(found->iteration == 30);
    // The new one damaged: the old one is the fallback.
    std::string bytes = slurp(saved.path);
    bytes[100] ^= 1;
    std::ofstream(saved.path, std::ios::binary | std::ios::trunc) << bytes;
    found = find_latest_good(checkpoints);
    REQUIRE(found);
    CHECK(found->iteration == 20);
    CHECK(found->fell_back);
    CHECK_THAT(found->note, Catch::Contains("is corrupt"));
}

TEST_CASE("checkpoint: a GTSD state dict (the older weights format) is refused with what to do",
          "[io][checkpoint]") {
    const fs::path gtsd = kData / "legacy-gtsd-v1.gtsd";
    REQUIRE(slurp(gtsd).substr(0, 4) == "GTSD");
    CHECK_THROWS_AS(load_state_dict(gtsd), DataError);
    CHECK_THROWS_WITH(load_state_dict(gtsd), Catch::Contains(gtsd.string() + ": a GTSD state dict") &&
                                                 Catch::Contains("re-create the file") &&
                                                 Catch::Contains("gantry train-classifier"));
    CHECK_THROWS_WITH(read_checkpoint(gtsd), Catch::StartsWith("checkpoint " + gtsd.string() + ": a GTSD state dict"));
}
