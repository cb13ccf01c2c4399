// SPDX-License-Identifier: Apache-2.0
#include "gantry/io/numbers.hpp"

#include <charconv>
#include <cmath>

namespace gantry::io {

namespace {
// std::to_chars without a precision gives the shortest round-trip form and ignores the locale.
template <typename T>
std::string shortest(T value) {
    char text[64];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}
}  // namespace

std::string format_float(float value) { return shortest(value); }

std::string format_double(double value) { return shortest(value); }

std::string json_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    static const char* hex = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[(c >> 4) & 15];
                    out += hex[c & 15];
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
    return out;
}

void JsonLine::key(std::string_view name) {
    if (body_.size() > 1) body_.push_back(',');
    body_ += json_quote(name);
    body_.push_back(':');
}

JsonLine& JsonLine::add(std::string_view name, float value) {
    key(name);
    body_ += std::isfinite(value) ? format_float(value) : "null";
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, double value) {
    key(name);
    body_ += std::isfinite(value) ? format_double(value) : "null";
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, int64_t value) {
    key(name);
    body_ += std::to_string(value);
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, uint64_t value) {
    key(name);
    body_ += std::to_string(value);
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, bool value) {
    key(name);
    body_ += value ? "true" : "false";
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, std::string_view value) {
    key(name);
    body_ += json_quote(value);
    return *this;
}

JsonLine& JsonLine::add_raw(std::string_view name, std::string_view json) {
    key(name);
    body_ += json;
    return *this;
}

}  // namespace gantry::io
