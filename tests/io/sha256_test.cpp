// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "gantry/error.hpp"
#include "gantry/io/sha256.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;

TEST_CASE("sha256: the FIPS 180-4 examples and block-boundary lengths", "[io][sha256]") {
    CHECK(io::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(io::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // 56 bytes: the length no longer fits the first padding block.
    CHECK(io::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(io::sha256_hex(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Exactly one block of data (64 bytes), then a whole padding block.
    CHECK(io::sha256_hex(std::string(64, 'a')) ==
          "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("sha256: a file's digest is its bytes' digest and a missing file is a DataError", "[io][sha256]") {
    gantry::testing::TempDir dir;
    std::ofstream(dir.path / "f", std::ios::binary) << "abc";
    CHECK(io::file_sha256_hex(dir.path / "f") == io::sha256_hex("abc"));
    CHECK_THROWS_AS(io::file_sha256_hex(dir.path / "missing"), DataError);
}
