// SPDX-License-Identifier: Apache-2.0
// gantry/io/json.hpp: the JsonLine writer and the reader, in one place.
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "gantry/error.hpp"
#include "io/json.hpp"

using namespace gantry;
using namespace gantry::io;

TEST_CASE("JsonLine: one object per line - floats stay floats - non-finite is null", "[io]") {
    const std::string line = JsonLine()
                                 .add("iteration", 50)
                                 .add("loss_d", 0.693f)
                                 .add("it_per_s", 12.5)
                                 .add("diverged", false)
                                 .add("step", "d \"critic\"\n")
                                 .add("nan", std::numeric_limits<float>::quiet_NaN())
                                 .add("big", uint64_t{18446744073709551615ull})
                                 .add_raw("modes", "[1,2]")
                                 .str();
    CHECK(line == R"({"iteration":50,"loss_d":0.693,"it_per_s":12.5,"diverged":false,"step":"d \"critic\"\n","nan":null,"big":18446744073709551615,"modes":[1,2]})");
    CHECK(JsonLine().str() == "{}");
    CHECK(json_quote(std::string("\x01", 1)) == "\"\\u0001\"");
}

TEST_CASE("json_fields: an object's top-level fields as strings", "[io]") {
    const auto fields = json_fields(R"({"iteration": 2000, "name": "x", "rng": {"seed": 1}, "ok": true, "none": null})", "meta");
    CHECK(fields.size() == 5);
    CHECK(fields.at("iteration") == "2000");
    CHECK(fields.at("name") == "x");
    CHECK(fields.at("rng") == R"({"seed":1})");
    CHECK(fields.at("ok") == "true");
    CHECK(fields.at("none") == "null");
    // What JsonLine writes, json_fields reads back.
    const std::string line = JsonLine().add("loss", 0.1f).add("quote", "a\"b\n").str();
    CHECK(json_fields(line, "line").at("loss") == "0.1");
    CHECK(json_fields(line, "line").at("quote") == "a\"b\n");
    CHECK_THROWS_AS(json_fields("nope", "meta"), DataError);
    CHECK_THROWS_WITH(json_fields("[1, 2]", "run/eval.jsonl"),
                      Catch::Contains("run/eval.jsonl: expected a JSON object, got '[1, 2]'"));
}

TEST_CASE("is_json_object: exactly one object", "[io]") {
    CHECK(is_json_object("{}"));
    CHECK(is_json_object(R"( {"a": [1, {"b": null}]} )"));
    CHECK_FALSE(is_json_object(""));
    CHECK_FALSE(is_json_object("[]"));
    CHECK_FALSE(is_json_object("{"));
    CHECK_FALSE(is_json_object("{} {}"));
    CHECK_FALSE(is_json_object("\"text\""));
}
