// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gantry/error.hpp"
#include "io/array_export.hpp"

#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

TEST_CASE("npy: v1.0 header bytes - 64-byte aligned data - little-endian f4", "[io]") {
    const Tensor t = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6.5f});
    const std::string bytes = encode_npy(t);
    CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    const size_t header_length = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    CHECK((10 + header_length) % 64 == 0);
    const std::string header = bytes.substr(10, header_length);
    CHECK(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0) == 0);
    CHECK(header.back() == '\n');
    CHECK(header.find_first_not_of(' ', 59) == header.size() - 1);
    REQUIRE(bytes.size() == 10 + header_length + 6 * 4);
    float last;
    std::memcpy(&last, bytes.data() + bytes.size() - 4, 4);
    CHECK(last == 6.5f);
    CHECK(bytes.substr(bytes.size() - 4) == std::string("\x00\x00\xd0\x40", 4));
    CHECK(encode_npy(Tensor::zeros({5})).find("'shape': (5,), }") != std::string::npos);
    CHECK(encode_npy(Tensor::scalar(1)).find("'shape': (), }") != std::string::npos);
    CHECK(encode_npy(Tensor::zeros({1, 2, 3, 4})).find("'shape': (1, 2, 3, 4), }") != std::string::npos);
}

TEST_CASE("csv: one row per sample - shortest round-trip numbers - optional header", "[io]") {
    const Tensor t = Tensor::from_vector({2, 2}, {0.1f, -2, 1e-8f, 3.25f});
    CHECK(encode_csv(t) == "0.1,-2\n1e-08,3.25\n");
    CHECK(encode_csv(t, {"x", "y"}) == "x,y\n0.1,-2\n1e-08,3.25\n");
    CHECK(encode_csv(Tensor::from_vector({2, 1, 1, 2}, {1, 2, 3, 4})) == "1,2\n3,4\n");
    CHECK_THROWS_AS(encode_csv(t, {"x"}), ShapeError);
    CHECK_THROWS_AS(encode_csv(Tensor::scalar(1)), ShapeError);
    const gantry::testing::TempDir tmp;
    const fs::path& dir = tmp.path;
    write_csv(dir / "s.csv", t);
    write_npy(dir / "s.npy", t);
    CHECK(fs::file_size(dir / "s.csv") == 18);
    CHECK(fs::file_size(dir / "s.npy") == 128 + 16);
}
