// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "gantry/error.hpp"
#include "gantry/io/checkpoint.hpp"
#include "gantry/io/crc32c.hpp"
#include "gantry/io/faults.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

namespace {
using gantry::testing::TempDir;

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

CheckpointData small_checkpoint() {
    CheckpointData data;
    data.metadata_json = R"({"iteration": 2000, "config_hash": "ab12", "threads": 2, "rng": {"seed": 0, "stream": 1, "counter": 77}})";
    data.tensors["G.0.weight"] = Tensor::from_vector({2, 3}, {1, -2, 3.5f, 0.1f, -0.f, 1e-30f});
    data.tensors["G.0.bias"] = Tensor::from_vector({3}, {0.25f, 0.5f, 0.75f});
    data.tensors["adam.step"] = Tensor::scalar(17);
    return data;
}

void put_u64(std::string& bytes, size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_u32(std::string& bytes, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
uint64_t get_u64(const std::string& bytes, size_t at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(bytes[at + i])) << (8 * i);
    return v;
}
// Recomputes the table and file CRCs so that only the structural checks can catch an edit. The
// table position comes from the caller: the header's own lengths may be the hostile edit.
void reseal(std::string& bytes, size_t table_at, size_t table_length) {
    put_u32(bytes, 28, crc32c(bytes.data() + table_at, table_length));
    put_u32(bytes, bytes.size() - 4, crc32c(bytes.data(), bytes.size() - 4));
}
}  // namespace

TEST_CASE("checkpoint: round trip is bit-exact for tensors and metadata", "[io]") {
    TempDir dir;
    CheckpointData data = small_checkpoint();
    std::mt19937 gen(7);
    std::vector<uint32_t> bits(2 * 3 * 5 * 7);
    for (auto& b : bits) b = gen();
    bits[0] = 0x7fc00001u;  // a NaN with a payload
    bits[1] = 0x80000000u;  // -0
    bits[2] = 0x00000001u;  // the smallest denormal
    data.tensors["D.conv.weight"] = tensor_with_bits({2, 3, 5, 7}, bits);
    data.tensors["empty"] = Tensor::empty({0, 4});
    const auto path = dir.path / "ckpt.gck";
    write_checkpoint(path, data);
    const CheckpointData back = read_checkpoint(path);
    CHECK(back.metadata_json == data.metadata_json);
    REQUIRE(back.tensors.size() == data.tensors.size());
    for (const auto& [name, tensor] : data.tensors) {
        INFO(name);
        REQUIRE(back.tensors.count(name) == 1);
        CHECK(back.tensors.at(name).shape() == tensor.shape());
        CHECK(bits_of(back.tensors.at(name)) == bits_of(tensor));
    }
    // Tensor data starts on 64-byte boundaries and the file ends in its trailer.
    const std::string bytes = encode_checkpoint(data);
    CHECK(bytes.substr(0, 8) == "GANTRYCK");
    CHECK(bytes.substr(bytes.size() - 20, 8) == "GCKTRAIL");
    CHECK(get_u64(bytes, bytes.size() - 12) == bytes.size());
}

TEST_CASE("checkpoint: truncation at every byte offset is a DataError", "[io]") {
    const std::string bytes = encode_checkpoint(small_checkpoint());
    for (size_t n = 0; n < bytes.size(); ++n) {
        INFO("truncated to " << n << " of " << bytes.size() << " bytes");
        CHECK_THROWS_AS(decode_checkpoint(std::string_view(bytes).substr(0, n), "t.gck"), DataError);
    }
    // Appended garbage too.
    CHECK_THROWS_AS(decode_checkpoint(bytes + "x", "t.gck"), DataError);
}

TEST_CASE("checkpoint: every single bit flip is a DataError", "[io]") {
    const std::string bytes = encode_checkpoint(small_checkpoint());
    size_t detected = 0;
    for (size_t at = 0; at < bytes.size(); ++at) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string flipped = bytes;
            flipped[at] = static_cast<char>(flipped[at] ^ (1 << bit));
            try {
                decode_checkpoint(flipped, "t.gck");
            } catch (const DataError&) {
                ++detected;
            }
        }
    }
    CHECK(detected == bytes.size() * 8);
}

TEST_CASE("checkpoint: a corrupt tensor is named in the error", "[io]") {
    CheckpointData data = small_checkpoint();
    std::string bytes = encode_checkpoint(data);
    // The first float of G.0.weight is 1.0f (0x3f800000): find it and flip one bit.
    const char one[4] = {0, 0, '\x80', '\x3f'};
    const size_t at = bytes.find(std::string(one, 4), 40);
    REQUIRE(at != std::string::npos);
    bytes[at] ^= 1;
    CHECK_THROWS_WITH(decode_checkpoint(bytes, "run/checkpoints/ckpt-000002000.gck"),
                      Catch::StartsWith("checkpoint run/checkpoints/ckpt-000002000.gck is corrupt: ") &&
                          Catch::Contains("tensor 'G.0.weight' CRC mismatch"));
}

TEST_CASE("checkpoint: hostile lengths are refused before any allocation", "[io]") {
    CheckpointData data;
    data.metadata_json = "{}";
    data.tensors["w"] = Tensor::from_vector({4}, {1, 2, 3, 4});
    const std::string good = encode_checkpoint(data);
    const size_t table = 40 + 2;
    const size_t table_length = get_u64(good, 32);
    // Entry: u32 name length, "w", u32 rank, u64 dim, u64 offset, u64 length, u32 CRC.
    const size_t dim_at = table + 4 + 1 + 4, offset_at = dim_at + 8, length_at = offset_at + 8;

    std::string huge = good;  // a 2^40-element tensor
    put_u64(huge, dim_at, uint64_t{1} << 40);
    put_u64(huge, length_at, uint64_t{1} << 42);
    reseal(huge, table, table_length);
    CHECK_THROWS_WITH(decode_checkpoint(huge, "h.gck"), Catch::Contains("outside the data section"));

    std::string mismatched = good;  // the length disagrees with the shape
    put_u64(mismatched, length_at, 1u << 20);
    reseal(mismatched, table, table_length);
    CHECK_THROWS_WITH(decode_checkpoint(mismatched, "h.gck"), Catch::Contains("does not match its shape"));

    std::string wrapping = good;  // offset + length wraps around 2^64
    put_u64(wrapping, offset_at, ~uint64_t{0} - 8);
    reseal(wrapping, table, table_length);
    CHECK_THROWS_WITH(decode_checkpoint(wrapping, "h.gck"), Catch::Contains("outside the data section"));

    std::string overflow = good;  // dims whose product overflows 64 bits: rank 1 -> claim rank 4
    put_u32(overflow, table + 5, 4);
    for (int a = 0; a < 3; ++a) put_u64(overflow, dim_at + 8 * a, uint64_t{1} << 32);
    reseal(overflow, table, table_length);
    CHECK_THROWS_WITH(decode_checkpoint(overflow, "h.gck"), Catch::Contains("overflow"));

    std::string many = good;  // a tensor count the table cannot hold
    put_u32(many, 12, 0xFFFFFFFFu);
    reseal(many, table, table_length);
    CHECK_THROWS_WITH(decode_checkpoint(many, "h.gck"), Catch::Contains("cannot fit"));

    std::string long_metadata = good;
    put_u64(long_metadata, 16, uint64_t{1} << 62);
    reseal(long_metadata, table, table_length);
    CHECK_THROWS_WITH(decode_checkpoint(long_metadata, "h.gck"), Catch::Contains("metadata length"));
}

TEST_CASE("checkpoint: wrong magic - future version and empty files are DataErrors", "[io]") {
    TempDir dir;
    std::string bytes = encode_checkpoint(small_checkpoint());
    std::string future = bytes;
    put_u32(future, 8, 99);
    CHECK_THROWS_WITH(decode_checkpoint(future, "f.gck"), Catch::Contains("expected format version 1 to 1, got 99"));
    CHECK_THROWS_WITH(decode_checkpoint("PK\3\4 a zip file", "z.gck"), Catch::Contains("expected a Gantry checkpoint"));
    std::ofstream(dir.path / "empty.gck");
    CHECK_THROWS_AS(read_checkpoint(dir.path / "empty.gck"), DataError);
    CHECK_THROWS_WITH(read_checkpoint(dir.path / "missing.gck"),
                      Catch::Contains("missing.gck") && Catch::Contains("No such file"));
    CHECK_THROWS_WITH(read_checkpoint(dir.path), Catch::Contains("expected a regular file, got a directory"));
}

TEST_CASE("checkpoint: bad metadata or tensors are refused at write time", "[io]") {
    const auto with_metadata = [](std::string json) {
        CheckpointData data;
        data.metadata_json = std::move(json);
        return data;
    };
    CHECK_THROWS_WITH(encode_checkpoint(with_metadata("[1, 2]")), Catch::Contains("JSON object"));
    CHECK_THROWS_AS(encode_checkpoint(with_metadata("{")), Error);
    CheckpointData unnamed;
    unnamed.tensors[""] = Tensor::scalar(1);
    CHECK_THROWS_AS(encode_checkpoint(unnamed), Error);
    CheckpointData undefined;
    undefined.tensors["undefined"] = Tensor();
    CHECK_THROWS_WITH(encode_checkpoint(undefined), Catch::Contains("undefined"));
}

TEST_CASE("checkpoint: a full disk while writing keeps the previous checkpoint", "[io]") {
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
