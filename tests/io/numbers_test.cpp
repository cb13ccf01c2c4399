// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <charconv>
#include <clocale>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "io/json.hpp"
#include "gantry/io/numbers.hpp"

using namespace gantry::io;

TEST_CASE("format_float and format_double: shortest text that reads back to the same bits", "[io]") {
    CHECK(format_float(0.1f) == "0.1");
    CHECK(format_float(1.0f) == "1");
    CHECK(format_float(-0.0f) == "-0");
    CHECK(format_float(1e-7f) == "1e-07");
    CHECK(format_float(std::numeric_limits<float>::quiet_NaN()) == "nan");
    CHECK(format_float(-std::numeric_limits<float>::infinity()) == "-inf");
    CHECK(format_double(0.1) == "0.1");
    CHECK(format_double(1.0 / 3.0) == "0.3333333333333333");
    std::mt19937 gen(3);
    for (int i = 0; i < 20000; ++i) {
        uint32_t bits = gen();
        float f;
        std::memcpy(&f, &bits, 4);
        if (!std::isfinite(f)) continue;
        const std::string text = format_float(f);
        float back = 0;
        std::from_chars(text.data(), text.data() + text.size(), back);
        uint32_t back_bits;
        std::memcpy(&back_bits, &back, 4);
        REQUIRE(back_bits == bits);
    }
}

TEST_CASE("format_float: independent of the C locale", "[io]") {
    const char* previous = std::setlocale(LC_NUMERIC, nullptr);
    const std::string saved = previous ? previous : "C";
    bool switched = false;
    for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "C.UTF-8"})
        if (std::setlocale(LC_NUMERIC, name)) {
            switched = true;
            break;
        }
    CHECK(format_float(1.5f) == "1.5");
    CHECK(JsonLine().add("x", 2.25).str() == R"({"x":2.25})");
    std::setlocale(LC_NUMERIC, saved.c_str());
    if (!switched) WARN("no other locale installed; checked under the C locale only");
}
