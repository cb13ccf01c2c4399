// SPDX-License-Identifier: Apache-2.0
#include "io/json.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "gantry/error.hpp"
#include "gantry/io/numbers.hpp"

namespace gantry::io {

namespace {
nlohmann::json parse(std::string_view text) {
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}
}  // namespace

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

std::map<std::string, std::string> json_fields(std::string_view json, const std::string& source) {
    const nlohmann::json parsed = parse(json);
    if (parsed.is_discarded() || !parsed.is_object())
        throw DataError(source + ": expected a JSON object, got '" + std::string(json.substr(0, 60)) + "'");
    std::map<std::string, std::string> fields;
    for (const auto& [key, value] : parsed.items())
        fields[key] = value.is_string() ? value.get<std::string>()
                                        : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return fields;
}

bool is_json_object(std::string_view text) {
    const nlohmann::json parsed = parse(text);
    return !parsed.is_discarded() && parsed.is_object();
}

}  // namespace gantry::io
