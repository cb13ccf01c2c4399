// SPDX-License-Identifier: Apache-2.0
#pragma once
/// JSON, written and read in one place. Writing: JsonLine builds one object on one line (the
/// `.jsonl` logs, summary.json, manifest.json, a checkpoint's metadata) with numbers that read
/// back to the same bits, independent of the locale. Reading: json_fields gives an object's
/// top-level fields (a checkpoint's metadata, an eval.jsonl row) as strings. nlohmann/json parses
/// inside json.cpp; no JSON library type appears here.
#include <map>
#include <string>
#include <string_view>

namespace gantry::io {

/// One JSON object on one line, built key by key in insertion order:
///     JsonLine().add("iteration", 50).add("loss_d", 0.693f).str()
///     == R"({"iteration":50,"loss_d":0.693})"
/// Floats use format_float (a float stays a float: 0.1f is 0.1, not 0.10000000149011612);
/// non-finite numbers become null, as JSON has no NaN.
class JsonLine {
public:
    JsonLine& add(std::string_view key, float value);
    JsonLine& add(std::string_view key, double value);
    JsonLine& add(std::string_view key, int64_t value);
    JsonLine& add(std::string_view key, int value) { return add(key, static_cast<int64_t>(value)); }
    JsonLine& add(std::string_view key, uint64_t value);
    JsonLine& add(std::string_view key, bool value);
    JsonLine& add(std::string_view key, std::string_view value);
    JsonLine& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    /// `json` is inserted verbatim (a nested object or array the caller built).
    JsonLine& add_raw(std::string_view key, std::string_view json);

    /// The object, without a trailing newline.
    std::string str() const { return body_ + "}"; }

private:
    void key(std::string_view name);
    std::string body_ = "{";
};

/// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

/// The top-level fields of a JSON object: strings unquoted; numbers, booleans, null and nested
/// values as their compact JSON text ({"a": 2000, "b": "x", "c": {"d": 1}} gives a = "2000",
/// b = "x", c = R"({"d":1})"). Throws DataError naming `source` when `json` is not an object.
std::map<std::string, std::string> json_fields(std::string_view json, const std::string& source);

/// True when `text` is exactly one JSON object (whitespace around it allowed).
bool is_json_object(std::string_view text);

}  // namespace gantry::io
