// SPDX-License-Identifier: Apache-2.0
#include "values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>

#include "suggest.hpp"

namespace gantry::config::detail {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
}

std::string_view unsigned_part(std::string_view s) {
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    return s;
}

// YAML 1.2 core-schema numbers: 12, -3, 0.5, .5, 1e-4, 1.0E+3.
bool looks_like_number(std::string_view s) {
    s = unsigned_part(s);
    size_t i = 0;
    const size_t int_start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    bool digits = i > int_start;
    if (i < s.size() && s[i] == '.') {
        const size_t frac = ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        digits = digits || i > frac;
    }
    if (!digits) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        const size_t exp = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == exp) return false;
    }
    return i == s.size();
}

bool is_non_finite_literal(const std::string& s) {
    const std::string l = lower(std::string(unsigned_part(s)));
    return l == ".nan" || l == ".inf" || l == "nan" || l == "inf" || l == "infinity";
}

bool has_leading_zero(std::string_view s) {
    s = unsigned_part(s);
    return s.size() > 1 && s[0] == '0' && std::isdigit(static_cast<unsigned char>(s[1]));
}

std::optional<double> parse_double(const std::string& s) {
    std::string_view v = s;
    if (!v.empty() && v[0] == '+') v.remove_prefix(1);
    double out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;
    return out;
}

void expected(Diagnostics& d, const Node& node, const std::string& path, const std::string& what,
              std::string hint = {}) {
    if (hint.empty() && node.is_scalar() && node.quoted)
        hint = "the value is quoted, so it is a string";
    d.add(node.mark, path, "expected " + what + ", got " + describe(node), std::move(hint));
}

}  // namespace

std::string shortest(double v) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end);
}

bool Range::contains(double v) const {
    if (!std::isnan(lo) && (lo_open ? v <= lo : v < lo)) return false;
    if (!std::isnan(hi) && (hi_open ? v >= hi : v > hi)) return false;
    return true;
}

std::string Range::text() const {
    const bool has_lo = !std::isnan(lo), has_hi = !std::isnan(hi);
    if (has_lo && has_hi)
        return std::string(" in ") + (lo_open ? "(" : "[") + shortest(lo) + ", " +
               shortest(hi) + (hi_open ? ")" : "]");
    if (has_lo) return (lo_open ? " > " : " >= ") + shortest(lo);
    if (has_hi) return (hi_open ? " < " : " <= ") + shortest(hi);
    return "";
}

std::string format_number(double v) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, end);
    // Keep a number a number for readers that type "1" as an integer, and give exponents a
    // dot: YAML 1.1 readers (PyYAML) take "1e-08" for a string.
    const size_t e = s.find('e');
    if (s.find('.') == std::string::npos && s.find('n') == std::string::npos)
        s.insert(e == std::string::npos ? s.size() : e, ".0");
    return s;
}


std::optional<int64_t> read_integer(const Node& node, const std::string& path, Diagnostics& d,
                                    const Range& range) {
    const std::string what = "an integer" + range.text();
    if (!node.is_scalar() || node.quoted) {
        expected(d, node, path, what);
        return std::nullopt;
    }
    const std::string& s = node.scalar;
    if (all_digits(unsigned_part(s))) {
        if (has_leading_zero(s)) {
            expected(d, node, path, what, "leading zeros are ambiguous (YAML 1.1 reads 010 as 8)");
            return std::nullopt;
        }
        std::string_view v = s;
        if (v[0] == '+') v.remove_prefix(1);
        int64_t out = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        if (ec != std::errc{} || end != v.data() + v.size()) {
            expected(d, node, path, what, "the value does not fit in 64 bits");
            return std::nullopt;
        }
        if (!range.contains(static_cast<double>(out))) {
            expected(d, node, path, what);
            return std::nullopt;
        }
        return out;
    }
    std::string hint;
    if (looks_like_number(s)) {
        const auto v = parse_double(s);
        if (v && std::isfinite(*v) && std::floor(*v) == *v && std::fabs(*v) < 9e15)
            hint = "write it as " + shortest(*v);
    } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        hint = "write integers in decimal";
    }
    expected(d, node, path, what, hint);
    return std::nullopt;
}

std::optional<uint64_t> read_unsigned(const Node& node, const std::string& path, Diagnostics& d) {
    const std::string what = "an integer in [0, 18446744073709551615]";
    if (!node.is_scalar() || node.quoted || !all_digits(node.scalar) ||
        has_leading_zero(node.scalar)) {
        expected(d, node, path, what);
        return std::nullopt;
    }
    uint64_t out = 0;
    const std::string& s = node.scalar;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        expected(d, node, path, what);
        return std::nullopt;
    }
    return out;
}

std::optional<double> read_number(const Node& node, const std::string& path, Diagnostics& d,
                                  const Range& range) {
    const std::string what = "a number" + range.text();
    if (!node.is_scalar() || node.quoted) {
        expected(d, node, path, what);
        return std::nullopt;
    }
    const std::string& s = node.scalar;
    if (is_non_finite_literal(s)) {
        d.add(node.mark, path, "expected a finite number" + range.text() + ", got " + describe(node));
        return std::nullopt;
    }
    if (!looks_like_number(s)) {
        expected(d, node, path, what);
        return std::nullopt;
    }
    if (all_digits(unsigned_part(s)) && has_leading_zero(s)) {
        expected(d, node, path, what, "leading zeros are ambiguous (YAML 1.1 reads 010 as 8)");
        return std::nullopt;
    }
    const auto v = parse_double(s);
    if (!v || !std::isfinite(*v)) {
        d.add(node.mark, path,
              "expected a finite number" + range.text() + ", got " + describe(node) +
                  " (too large for a double)");
        return std::nullopt;
    }
    if (!range.contains(*v)) {
        expected(d, node, path, what);
        return std::nullopt;
    }
    return *v;
}

std::optional<bool> read_bool(const Node& node, const std::string& path, Diagnostics& d) {
    if (node.is_scalar() && !node.quoted) {
        const std::string l = lower(node.scalar);
        if (node.scalar == "true" || node.scalar == "True" || node.scalar == "TRUE") return true;
        if (node.scalar == "false" || node.scalar == "False" || node.scalar == "FALSE") return false;
        if (l == "yes" || l == "no" || l == "on" || l == "off" || l == "y" || l == "n") {
            expected(d, node, path, "true or false",
                     "YAML 1.1 booleans (yes/no/on/off) are ambiguous; write true or false");
            return std::nullopt;
        }
    }
    expected(d, node, path, "true or false");
    return std::nullopt;
}

std::string absolute_path(const std::string& relative, const Node& where, const std::string& base_dir) {
    namespace fs = std::filesystem;
    const fs::path base = where.mark.line > 0 ? fs::path(where.mark.file).parent_path() : fs::path(base_dir);
    return fs::absolute(base / relative).lexically_normal().string();
}

std::optional<std::string> read_string(const Node& node, const std::string& path, Diagnostics& d,
                                       const std::vector<std::string>& choices) {
    if (!node.is_scalar()) {
        if (choices.empty())
            expected(d, node, path, "a string");
        else
            d.add(node.mark, path, "expected one of " + [&] {
                std::string t;
                for (const auto& c : choices) t += (t.empty() ? "" : "|") + c;
                return t;
            }() + ", got " + describe(node));
        return std::nullopt;
    }
    if (!choices.empty() &&
        std::find(choices.begin(), choices.end(), node.scalar) == choices.end()) {
        std::string list;
        for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
        d.add(node.mark, path, "expected one of " + list + ", got " + describe(node),
              did_you_mean(node.scalar, choices));
        return std::nullopt;
    }
    return node.scalar;
}

bool is_plain_safe(const std::string& s) {
    if (s.empty()) return false;
    const unsigned char first = static_cast<unsigned char>(s[0]);
    if (!(std::isalpha(first) || s[0] == '_' || s[0] == '/')) return false;
    for (char c : s) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || c == '_' || c == '.' || c == '/' || c == '-' || c == '+'))
            return false;
    }
    static const char* const kReserved[] = {"true", "false", "null", "yes", "no", "on",
                                            "off",  "y",     "n",    "nan", "inf"};
    const std::string l = lower(s);
    return std::none_of(std::begin(kReserved), std::end(kReserved),
                        [&](const char* r) { return l == r; });
}

std::string quote(const std::string& s) {
    if (is_plain_safe(s)) return s;
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

}  // namespace gantry::config::detail
