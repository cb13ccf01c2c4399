// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Numbers in text outputs (JSONL, CSV): the shortest decimal that reads back to the same bits,
/// independent of the C and C++ locales, so metrics files compare byte for byte between runs.
#include <cstdint>
#include <string>
#include <string_view>

namespace gantry::io {

/// "0.1", "1e-07", "3", "-0"; non-finite values as "nan", "inf", "-inf".
std::string format_float(float value);
std::string format_double(double value);

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

}  // namespace gantry::io
