// SPDX-License-Identifier: Apache-2.0
// The GTSD state-dict format: exact round trips, lossless 64-bit entries, and damaged input that
// must always end in DataError (never a crash or a huge allocation).
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <streambuf>
#include <string>

#include <unistd.h>

#include "gantry/error.hpp"
#include "gantry/serialize.hpp"

#include "support/temp_dir.hpp"

using namespace gantry;
using Catch::Contains;

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

std::string to_bytes(const StateDict& dict) {
    std::ostringstream out(std::ios::binary);
    write_state_dict(out, dict);
    return out.str();
}

StateDict from_bytes(const std::string& bytes) {
    std::istringstream in(bytes, std::ios::binary);
    return read_state_dict(in);
}

// A stream that cannot seek (a pipe): the reader cannot learn how many bytes are left.
class PipeBuf : public std::streambuf {
public:
    explicit PipeBuf(std::string bytes) : bytes_(std::move(bytes)) {
        setg(bytes_.data(), bytes_.data(), bytes_.data() + bytes_.size());
    }

private:
    std::string bytes_;
};

StateDict from_pipe(const std::string& bytes) {
    PipeBuf buf(bytes);
    std::istream in(&buf);
    return read_state_dict(in);
}

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

// Little-endian fields for hand-made headers.
std::string u32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string u64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }
}  // namespace

TEST_CASE("state dicts round trip exactly", "[serialize]") {
    const StateDict d = sample_dict();
    const std::string bytes = to_bytes(d);
    const StateDict back = from_bytes(bytes);
    CHECK(bitwise_equal(back, d));
    CHECK(std::bit_cast<uint32_t>(back.at("nan").data()[0]) == 0x7fc12345u);
    CHECK(std::signbit(back.at("scalar").item()));
    CHECK(back.at("scalar").rank() == 0);
    CHECK(back.at("empty").shape() == Shape{2, 0, 3});
    // The copy is independent of the original.
    CHECK(back.at("vector").data() != d.at("vector").data());
    // Writing is deterministic and reading a written dict gives the same bytes again.
    CHECK(to_bytes(back) == bytes);
    // Through a pipe too.
    CHECK(bitwise_equal(from_pipe(bytes), d));
    CHECK(from_bytes(to_bytes(StateDict{})).empty());
}

TEST_CASE("the format is the documented one", "[serialize]") {
    StateDict d;
    d["a"] = Tensor::scalar(1.f);
    const std::string bytes = to_bytes(d);
    // crc32 from: python3 -c "import zlib,struct; print(hex(zlib.crc32(b'GTSD' +
    //   struct.pack('<IQI', 1, 1, 1) + b'a' + struct.pack('<If', 0, 1.0))))"
    const std::string expected = std::string("GTSD") + u32(1) + u64(1) + u32(1) + "a" + u32(0) +
                                 u32(0x3f800000u) + u32(0x7f43a652u);
    CHECK(bytes == expected);
}

TEST_CASE("several dicts can share one stream", "[serialize]") {
    StateDict a, b;
    a["x"] = Tensor::ones(Shape{2});
    b["y"] = Tensor::zeros(Shape{3});
    std::stringstream s;
    write_state_dict(s, a);
    write_state_dict(s, b);
    s << "tail";
    CHECK(bitwise_equal(read_state_dict(s), a));
    CHECK(bitwise_equal(read_state_dict(s), b));
    std::string rest;
    s >> rest;
    CHECK(rest == "tail");
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

TEST_CASE("unwritable dicts are rejected before writing", "[serialize]") {
    StateDict undefined;
    undefined["w"] = Tensor();
    std::ostringstream out;
    REQUIRE_THROWS_WITH(write_state_dict(out, undefined),
                        Contains("entry 'w'") && Contains("undefined"));
    CHECK(out.str().empty());
    StateDict empty_name;
    empty_name[""] = Tensor::ones(Shape{1});
    REQUIRE_THROWS_WITH(write_state_dict(out, empty_name), Contains("1 to 4096 bytes, got 0"));
    StateDict long_name;
    long_name[std::string(5000, 'x')] = Tensor::ones(Shape{1});
    REQUIRE_THROWS_WITH(write_state_dict(out, long_name), Contains("got 5000"));
    std::ofstream closed;
    REQUIRE_THROWS_AS(write_state_dict(closed, sample_dict()), OutputError);
    REQUIRE_THROWS_WITH(write_state_dict(closed, sample_dict()), Contains("stream failed"));
}

TEST_CASE("every truncation is an error", "[serialize]") {
    const std::string bytes = to_bytes(sample_dict());
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        INFO("truncated to " << cut << " of " << bytes.size() << " bytes");
        const std::string part = bytes.substr(0, cut);
        REQUIRE_THROWS_AS(from_bytes(part), DataError);
        REQUIRE_THROWS_AS(from_pipe(part), DataError);
    }
    REQUIRE_THROWS_WITH(from_bytes(bytes.substr(0, 20)), Contains("truncated"));
}

TEST_CASE("every corrupted byte is an error", "[serialize]") {
    StateDict d;
    d["w"] = Tensor::from_vector(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    d["b"] = Tensor::scalar(0.5f);
    put_u64(d, "step", 77);
    const std::string bytes = to_bytes(d);
    for (size_t i = 0; i < bytes.size(); ++i) {
        for (unsigned char flip : {0x01, 0x80, 0xFF}) {
            INFO("byte " << i << " xor " << int(flip));
            std::string bad = bytes;
            bad[i] = static_cast<char>(bad[i] ^ flip);
            REQUIRE_THROWS_AS(from_bytes(bad), DataError);
            REQUIRE_THROWS_AS(from_pipe(bad), DataError);
        }
    }
    std::string bad = bytes;
    bad[bytes.size() - 10] ^= 0x10;  // inside the values of "w"
    REQUIRE_THROWS_WITH(from_bytes(bad), Contains("checksum mismatch"));
}

TEST_CASE("absurd headers fail without allocating", "[serialize]") {
    const std::string head = std::string("GTSD") + u32(1);
    REQUIRE_THROWS_WITH(from_bytes("GTSE" + u32(1) + u64(0)), Contains("magic") &&
                                                                  Contains("47 54 53 45"));
    REQUIRE_THROWS_WITH(from_bytes(head.substr(0, 4) + u32(2) + u64(0)),
                        Contains("format version 1, got 2") && Contains("newer"));
    REQUIRE_THROWS_WITH(from_bytes(head + u64(uint64_t{1} << 60) + std::string(64, '\0')),
                        Contains("claims 1152921504606846976 entries"));
    REQUIRE_THROWS_WITH(from_bytes(head + u64(1) + u32(0xFFFFFFF0u) + std::string(64, 'x')),
                        Contains("name of 1 to 4096 bytes, got a length of 4294967280"));
    REQUIRE_THROWS_WITH(from_bytes(head + u64(1) + u32(1) + "a" + u32(5) + std::string(64, '\0')),
                        Contains("rank of at most 4, got 5"));
    // 2^31 x 2^31 floats: refused from the header alone, seekable or not.
    const std::string huge = head + u64(1) + u32(1) + "a" + u32(2) + u64(uint64_t{1} << 31) +
                             u64(uint64_t{1} << 31) + std::string(64, '\0');
    REQUIRE_THROWS_WITH(from_bytes(huge), Contains("entry 'a'") && Contains("dimension"));
    // Through a pipe the bound is the data actually delivered: 2^32 floats claimed, 16 bytes sent.
    const std::string big = head + u64(1) + u32(1) + "a" + u32(1) + u64(uint64_t{1} << 32) +
                            std::string(16, '\0');
    REQUIRE_THROWS_WITH(from_pipe(big), Contains("truncated"));
    REQUIRE_THROWS_WITH(from_bytes(big), Contains("truncated"));
    // Entries out of order or repeated.
    const std::string entry_b = u32(1) + "b" + u32(0) + u32(0);
    const std::string entry_a = u32(1) + "a" + u32(0) + u32(0);
    REQUIRE_THROWS_WITH(from_bytes(head + u64(2) + entry_b + entry_a + u32(0)),
                        Contains("out of order or repeated"));
    REQUIRE_THROWS_WITH(from_bytes(head + u64(2) + entry_a + entry_a + u32(0)),
                        Contains("out of order or repeated"));
}

TEST_CASE("state dict files", "[serialize]") {
    namespace fs = std::filesystem;
    const gantry::testing::TempDir tmp;
    const fs::path& dir = tmp.path;
    const fs::path path = dir / "ckpt.gtsd";
    const StateDict d = sample_dict();
    save_state_dict(path, d);
    CHECK(fs::exists(path));
    // Only the file itself: no temp left behind.
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    CHECK(bitwise_equal(load_state_dict(path), d));
    // Overwriting replaces the file.
    StateDict small;
    small["x"] = Tensor::ones(Shape{1});
    save_state_dict(path, small);
    CHECK(bitwise_equal(load_state_dict(path), small));

    { std::ofstream(path, std::ios::app | std::ios::binary) << "junk"; }
    REQUIRE_THROWS_AS(load_state_dict(path), DataError);
    REQUIRE_THROWS_WITH(load_state_dict(path),
                        Contains("ckpt.gtsd") && Contains("unexpected bytes after the checksum"));
    REQUIRE_THROWS_AS(load_state_dict(dir / "missing.gtsd"), DataError);
    REQUIRE_THROWS_WITH(load_state_dict(dir / "missing.gtsd"), Contains("cannot open"));
    REQUIRE_THROWS_AS(save_state_dict(dir / "no" / "such" / "dir.gtsd", d), OutputError);
}
