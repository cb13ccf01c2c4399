// SPDX-License-Identifier: Apache-2.0
// The tensor file (gantry/serialize.hpp): exact round trips, the documented bytes, one encoding
// per content, lossless 64-bit entries, and damaged or foreign input that always ends in a
// DataError (never a crash or a huge allocation).
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "gantry/error.hpp"
#include "io/crc32c.hpp"
#include "gantry/serialize.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {
bool bitwise_equal(const StateDict& a, const StateDict& b) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
        if (ia->first != ib->first || ia->second.shape() != ib->second.shape()) return false;
        if (std::memcmp(ia->second.data(), ib->second.data(),
                        static_cast<size_t>(ia->second.numel()) * sizeof(float)) != 0)
            return false;
    }
    return true;
}

std::string to_bytes(const StateDict& dict, std::string metadata = "{}") {
    return encode_tensor_file({.metadata_json = std::move(metadata), .tensors = dict});
}

StateDict from_bytes(std::string_view bytes) { return decode_tensor_file(bytes, "t.gtf").tensors; }

StateDict sample_dict() {
    StateDict d;
    d["scalar"] = Tensor::scalar(-0.f);
    d["vector"] = Tensor::from_vector(Shape{3}, {1.f, -2.5f, 1e-42f /* subnormal */});
    d["matrix"] = Tensor::from_vector(Shape{2, 2}, {std::numeric_limits<float>::infinity(),
                                                     -std::numeric_limits<float>::infinity(),
                                                     std::numeric_limits<float>::max(),
                                                     std::numeric_limits<float>::lowest()});
    d["image"] = Tensor::full(Shape{1, 2, 1, 3}, 0.1f);
    d["empty"] = Tensor::zeros(Shape{2, 0, 3});
    // A NaN with a payload: the bits must survive, not just "a NaN".
    Tensor nan = Tensor::empty(Shape{1});
    nan.data()[0] = std::bit_cast<float>(0x7fc12345u);
    d["nan"] = nan;
    put_u64(d, "step", 123456789012345ull);
    return d;
}

// Little-endian fields for hand-made files.
std::string u32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string u64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }
uint64_t get_u64_at(const std::string& bytes, size_t at) {
    uint64_t v = 0;
    std::memcpy(&v, bytes.data() + at, 8);
    return v;
}
void set_u32(std::string& bytes, size_t at, uint32_t v) { bytes.replace(at, 4, u32(v)); }
void set_u64(std::string& bytes, size_t at, uint64_t v) { bytes.replace(at, 8, u64(v)); }

// Recomputes the table and file CRCs, so that only the structural checks can catch an edit. The
// table's position comes from the caller: the header's own lengths may be the hostile edit.
void reseal(std::string& bytes, size_t table_at, size_t table_length) {
    set_u32(bytes, 28, io::crc32c(bytes.data() + table_at, table_length));
    set_u32(bytes, bytes.size() - 4, io::crc32c(bytes.data(), bytes.size() - 4));
}
}  // namespace

TEST_CASE("tensor files round trip exactly - metadata and tensors", "[serialize]") {
    const StateDict d = sample_dict();
    const std::string metadata = R"({"iteration": 2000, "note": "kept byte for byte",  "x": [1, 2]})";
    const std::string bytes = to_bytes(d, metadata);
    const TensorFile back = decode_tensor_file(bytes, "t.gtf");
    CHECK(back.metadata_json == metadata);
    CHECK(bitwise_equal(back.tensors, d));
    CHECK(std::bit_cast<uint32_t>(back.tensors.at("nan").data()[0]) == 0x7fc12345u);
    CHECK(std::signbit(back.tensors.at("scalar").item()));
    CHECK(back.tensors.at("scalar").rank() == 0);
    CHECK(back.tensors.at("empty").shape() == Shape{2, 0, 3});
    // The copy is independent of the original.
    CHECK(back.tensors.at("vector").data() != d.at("vector").data());
    // One encoding per content: decoding then encoding gives the same bytes.
    CHECK(encode_tensor_file(back) == bytes);
    CHECK(from_bytes(to_bytes(StateDict{})).empty());
}

TEST_CASE("the tensor file is the documented layout", "[serialize]") {
    StateDict d;
    d["a"] = Tensor::scalar(1.f);
    d["b"] = Tensor::from_vector(Shape{1, 2}, {2.f, 3.f});
    const std::string bytes = to_bytes(d, "{}");
    // Table: a (rank 0, 4 bytes at 128), b (rank 2, 8 bytes at 192); the header ends at 40 + 2 +
    // 33 + 49 = 124, so a starts on the boundary 128, b on 192, the trailer at 256.
    const std::string table = u32(1) + "a" + u32(1) + u32(0) + u64(128) + u64(4) +
                              u32(io::crc32c(u32(0x3f800000u))) +  //
                              u32(1) + "b" + u32(1) + u32(2) + u64(1) + u64(2) + u64(192) + u64(8) +
                              u32(io::crc32c(u32(0x40000000u) + u32(0x40400000u)));
    REQUIRE(table.size() == 82);
    std::string expected = std::string("GANTRYTF") + u32(1) + u32(2) + u64(2) + u32(io::crc32c("{}")) +
                           u32(io::crc32c(table)) + u64(table.size()) + "{}" + table;
    expected += std::string(128 - expected.size(), '\0') + u32(0x3f800000u);
    expected += std::string(192 - expected.size(), '\0') + u32(0x40000000u) + u32(0x40400000u);
    expected += std::string(256 - expected.size(), '\0') + "GTFTRAIL" + u64(276);
    expected += u32(io::crc32c(expected));
    CHECK(bytes == expected);
}

TEST_CASE("64-bit integers and doubles are stored losslessly", "[serialize]") {
    const std::vector<uint64_t> ints = {0,
                                        1,
                                        65535,
                                        65536,
                                        (uint64_t{1} << 24) + 1,  // not exact as a float
                                        (uint64_t{1} << 53) + 1,  // not exact as a double
                                        0xDEADBEEFCAFEF00Dull,
                                        std::numeric_limits<uint64_t>::max()};
    const std::vector<double> reals = {0.0,
                                       -0.0,
                                       3.141592653589793,
                                       1e-3,
                                       1e-300,
                                       std::numeric_limits<double>::denorm_min(),
                                       std::numeric_limits<double>::max(),
                                       -std::numeric_limits<double>::infinity()};
    StateDict d;
    for (size_t i = 0; i < ints.size(); ++i) put_u64(d, "int." + std::to_string(i), ints[i]);
    for (size_t i = 0; i < reals.size(); ++i) put_f64(d, "real." + std::to_string(i), reals[i]);
    put_f64(d, "nan", std::bit_cast<double>(0x7ff8000000abcdefull));
    const StateDict back = from_bytes(to_bytes(d));
    for (size_t i = 0; i < ints.size(); ++i)
        CHECK(get_u64(back, "int." + std::to_string(i)) == ints[i]);
    for (size_t i = 0; i < reals.size(); ++i) {
        const double r = get_f64(back, "real." + std::to_string(i));
        CHECK(std::bit_cast<uint64_t>(r) == std::bit_cast<uint64_t>(reals[i]));
    }
    CHECK(std::bit_cast<uint64_t>(get_f64(back, "nan")) == 0x7ff8000000abcdefull);
    // Each limb is an ordinary small float: value-preserving arithmetic keeps the entry valid.
    const Tensor limbs = back.at("int.7");
    CHECK(limbs.to_vector() == std::vector<float>(4, 65535.f));
    put_u64(d, "int.0", 5);  // overwrite
    CHECK(get_u64(d, "int.0") == 5);
}

TEST_CASE("bad 64-bit entries are reported", "[serialize]") {
    StateDict d;
    d["wrong_shape"] = Tensor::zeros(Shape{2, 2});
    d["fraction"] = Tensor::from_vector(Shape{4}, {1.f, 0.5f, 0.f, 0.f});
    d["too_big"] = Tensor::from_vector(Shape{4}, {65536.f, 0.f, 0.f, 0.f});
    d["negative"] = Tensor::from_vector(Shape{4}, {0.f, -1.f, 0.f, 0.f});
    d["nan"] = Tensor::full(Shape{4}, std::nanf(""));
    REQUIRE_THROWS_WITH(get_u64(d, "missing", "Test::load"),
                        Contains("Test::load") && Contains("expected an entry 'missing'"));
    REQUIRE_THROWS_WITH(get_u64(d, "wrong_shape"),
                        Contains("'wrong_shape'") && Contains("shape (4)") && Contains("(2, 2)"));
    REQUIRE_THROWS_WITH(get_u64(d, "fraction"),
                        Contains("16-bit integer limbs") && Contains("0.5"));
    REQUIRE_THROWS_WITH(get_f64(d, "too_big"), Contains("65536"));
    REQUIRE_THROWS_WITH(get_u64(d, "negative"), Contains("-1"));
    REQUIRE_THROWS_AS(get_u64(d, "nan"), Error);
    REQUIRE_THROWS_AS(get_rng_state(d, "rng."), Error);
}

TEST_CASE("RNG states round trip", "[serialize]") {
    const RngState s{0xFFFFFFFFFFFFFFFFull, (uint64_t{1} << 33) + 7, 0x0123456789ABCDEFull};
    StateDict d;
    put_rng_state(d, "gen.rng.", s);
    CHECK(d.count("gen.rng.seed") == 1);
    CHECK(d.count("gen.rng.counter") == 1);
    CHECK(get_rng_state(from_bytes(to_bytes(d)), "gen.rng.") == s);
}

TEST_CASE("unwritable contents are refused before anything is written", "[serialize]") {
    StateDict undefined;
    undefined["w"] = Tensor();
    REQUIRE_THROWS_WITH(to_bytes(undefined), Contains("tensor 'w'") && Contains("undefined"));
    StateDict empty_name;
    empty_name[""] = Tensor::ones(Shape{1});
    REQUIRE_THROWS_WITH(to_bytes(empty_name), Contains("1 to 4096 bytes, got 0"));
    StateDict long_name;
    long_name[std::string(5000, 'x')] = Tensor::ones(Shape{1});
    REQUIRE_THROWS_WITH(to_bytes(long_name), Contains("got 5000"));
    REQUIRE_THROWS_WITH(to_bytes(sample_dict(), "[1, 2]"), Contains("JSON object"));
    REQUIRE_THROWS_AS(to_bytes(sample_dict(), "{"), Error);
    REQUIRE_THROWS_AS(to_bytes(sample_dict(), ""), Error);
}

TEST_CASE("truncation at every byte offset is a DataError", "[serialize]") {
    const std::string bytes = to_bytes(sample_dict(), R"({"iteration": 7})");
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        INFO("truncated to " << cut << " of " << bytes.size() << " bytes");
        REQUIRE_THROWS_AS(from_bytes(std::string_view(bytes).substr(0, cut)), DataError);
    }
    REQUIRE_THROWS_WITH(from_bytes(bytes.substr(0, 20)), Contains("t.gtf is corrupt: truncated"));
    REQUIRE_THROWS_WITH(from_bytes(bytes.substr(0, 100)), Contains("t.gtf is corrupt: no trailer"));
    // Bytes appended, or a second copy, are damage too.
    REQUIRE_THROWS_AS(from_bytes(bytes + "x"), DataError);
    REQUIRE_THROWS_AS(from_bytes(bytes + bytes), DataError);
}

TEST_CASE("every single bit flip is a DataError", "[serialize]") {
    StateDict d;
    d["w"] = Tensor::from_vector(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    d["b"] = Tensor::scalar(0.5f);
    put_u64(d, "step", 77);
    const std::string bytes = to_bytes(d, R"({"iteration": 2000, "config_hash": "ab12"})");
    size_t detected = 0;
    for (size_t at = 0; at < bytes.size(); ++at) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string flipped = bytes;
            flipped[at] = static_cast<char>(flipped[at] ^ (1 << bit));
            try {
                from_bytes(flipped);
            } catch (const DataError&) {
                ++detected;
            }
        }
    }
    CHECK(detected == bytes.size() * 8);
}

TEST_CASE("a damaged part is named in the error", "[serialize]") {
    StateDict d;
    d["G.0.bias"] = Tensor::from_vector({3}, {0.25f, 0.5f, 0.75f});
    d["G.0.weight"] = Tensor::from_vector({2, 3}, {1, -2, 3.5f, 0.1f, -0.f, 1e-30f});
    const std::string good = to_bytes(d, R"({"iteration": 2000})");
    // The first float of G.0.weight is 1.0f (0x3f800000).
    std::string bytes = good;
    const size_t at = bytes.find(u32(0x3f800000u), 40);
    REQUIRE(at != std::string::npos);
    bytes[at] ^= 1;
    CHECK_THROWS_WITH(decode_tensor_file(bytes, "checkpoint run/checkpoints/ckpt-000002000.gck"),
                      Catch::StartsWith("checkpoint run/checkpoints/ckpt-000002000.gck is corrupt: ") &&
                          Contains("tensor 'G.0.weight' CRC mismatch"));
    bytes = good;
    bytes[45] ^= 4;  // inside the metadata
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("metadata CRC mismatch"));
    bytes = good;
    bytes[bytes.size() - 30] = 1;  // padding before the trailer
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("nonzero padding"));
    bytes = good;
    bytes[bytes.size() - 1] ^= 1;  // the file CRC itself
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("file CRC mismatch"));
}

TEST_CASE("hostile counts and lengths are refused before any allocation", "[serialize]") {
    StateDict d;
    d["w"] = Tensor::from_vector({4}, {1, 2, 3, 4});
    const std::string good = to_bytes(d);
    const size_t table = 40 + 2;
    const size_t table_length = get_u64_at(good, 32);
    // Entry: u32 name length, "w", u32 dtype, u32 rank, u64 dim, u64 offset, u64 length, u32 CRC.
    const size_t dtype_at = table + 4 + 1, rank_at = dtype_at + 4, dim_at = rank_at + 4;
    const size_t offset_at = dim_at + 8, length_at = offset_at + 8;
    const auto refused = [&](std::string bytes, const char* what) {
        reseal(bytes, table, table_length);
        CHECK_THROWS_AS(from_bytes(bytes), DataError);
        CHECK_THROWS_WITH(from_bytes(bytes), Contains(what));
    };

    std::string huge = good;  // a 2^40-element tensor
    set_u64(huge, dim_at, uint64_t{1} << 40);
    set_u64(huge, length_at, uint64_t{1} << 42);
    refused(huge, "outside the data section");
    std::string mismatched = good;  // the length disagrees with the shape
    set_u64(mismatched, length_at, 1u << 20);
    refused(mismatched, "does not match its shape");
    std::string wrapping = good;  // an offset where offset + length wraps around 2^64
    set_u64(wrapping, offset_at, ~uint64_t{0} - 8);
    refused(wrapping, "data offset");
    std::string overflow = good;  // dims whose product overflows 64 bits: rank 1 -> claim rank 4
    set_u32(overflow, rank_at, 4);
    for (int a = 0; a < 3; ++a) set_u64(overflow, dim_at + 8 * a, uint64_t{1} << 32);
    refused(overflow, "overflow");
    std::string rank = good;
    set_u32(rank, rank_at, 5);
    refused(rank, "rank 5, expected at most 4");
    std::string dtype = good;
    set_u32(dtype, dtype_at, 2);
    refused(dtype, "dtype 2, expected 1 (f32)");
    std::string name = good;
    set_u32(name, table, 0xFFFFFFF0u);
    refused(name, "name length 4294967280, expected 1 to 4096");
    std::string many = good;  // a tensor count the table cannot hold
    set_u32(many, 12, 0xFFFFFFFFu);
    refused(many, "cannot fit");
    std::string long_metadata = good;
    set_u64(long_metadata, 16, uint64_t{1} << 62);
    refused(long_metadata, "metadata length");
    std::string long_table = good;
    set_u64(long_table, 32, ~uint64_t{0});
    refused(long_table, "tensor table length");
    std::string trailer = good;
    set_u64(trailer, trailer.size() - 12, uint64_t{1} << 40);
    refused(trailer, "the trailer says 1099511627776 bytes");

    // Two entries out of order or repeated.
    StateDict two;
    two["a"] = Tensor::scalar(1.f);
    two["b"] = Tensor::scalar(2.f);
    std::string repeated = to_bytes(two);
    repeated[table + 4] = 'b';  // the first name: "a" -> "b"
    reseal(repeated, table, get_u64_at(repeated, 32));
    CHECK_THROWS_WITH(from_bytes(repeated), Contains("'b' is out of order or repeated after 'b'"));
}

TEST_CASE("foreign files - newer versions and GTSD state dicts are refused with what they are", "[serialize]") {
    std::string bytes = to_bytes(sample_dict());
    set_u32(bytes, 8, 2);
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("expected tensor file format version 1, got 2") &&
                                             Contains("a newer Gantry wrote it"));
    CHECK_THROWS_WITH(from_bytes("PK\3\4 a zip file"),
                      Contains("expected a Gantry tensor file (magic GANTRYTF), got other data") &&
                          Contains("corrupt, or not a tensor file"));
    CHECK_THROWS_WITH(from_bytes(""), Contains("got a 0-byte file"));
    CHECK_THROWS_WITH(from_bytes(std::string("GTSD") + u32(1) + u64(0) + u32(0)),
                      Contains("t.gtf: a GTSD state dict") && Contains("gantry train-classifier"));
}

TEST_CASE("tensor files on disk: atomic replace - named errors", "[serialize]") {
    testing::TempDir dir;
    const fs::path path = dir.path / "weights.gtf";
    const StateDict d = sample_dict();
    save_state_dict(path, d);
    // Only the file itself: no temp left behind.
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
    CHECK(bitwise_equal(load_state_dict(path), d));
    CHECK(read_tensor_file(path).metadata_json == "{}");
    // Overwriting replaces the file.
    StateDict small;
    small["x"] = Tensor::ones(Shape{1});
    write_tensor_file(path, {.metadata_json = R"({"k": 1})", .tensors = small});
    CHECK(bitwise_equal(load_state_dict(path), small));
    CHECK(read_tensor_file(path).metadata_json == R"({"k": 1})");

    { std::ofstream(path, std::ios::app | std::ios::binary) << "junk"; }
    REQUIRE_THROWS_AS(load_state_dict(path), DataError);
    REQUIRE_THROWS_WITH(load_state_dict(path), Contains("tensor file " + path.string() + " is corrupt"));
    REQUIRE_THROWS_WITH(read_tensor_file(path, "classifier weights"), Contains("classifier weights " + path.string()));
    REQUIRE_THROWS_WITH(load_state_dict(dir.path / "missing.gtf"), Contains("missing.gtf") && Contains("cannot open"));
    REQUIRE_THROWS_WITH(load_state_dict(dir.path), Contains("expected a regular file, got a directory"));
    REQUIRE_THROWS_AS(save_state_dict(dir.path / "no" / "such" / "dir.gtf", d), OutputError);
}
