// SPDX-License-Identifier: Apache-2.0
#pragma once
// Strict scalar conversions shared by the experiment schema and plugin option checks. Stricter
// than yaml-cpp on purpose: no YAML 1.1 octal (010) or hex, no yes/on/off booleans, no
// .nan/.inf where a finite number is needed, integers checked for overflow.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "config/document.hpp"

namespace gantry::config::detail {

constexpr double kUnbounded = std::numeric_limits<double>::quiet_NaN();

/// Bounds of a number or integer; NaN = unbounded on that side.
struct Range {
    double lo = kUnbounded;
    double hi = kUnbounded;
    bool lo_open = false;
    bool hi_open = false;

    bool contains(double v) const;
    /// " >= 1", " in [0, 1)", "" when unbounded.
    std::string text() const;
};

inline Range at_least(double lo) { return {lo, kUnbounded, false, false}; }
inline Range above(double lo) { return {lo, kUnbounded, true, false}; }

/// The shortest text that reads back as `v` ("1", "0.0001").
std::string shortest(double v);

/// Formats a double so that it parses back to the same value (shortest round trip).
std::string format_number(double v);

/// Each reads `node` at `path`; on failure adds "expected <what><range>, got <x>" and returns
/// nullopt.
std::optional<int64_t> read_integer(const Node& node, const std::string& path, Diagnostics& d,
                                    const Range& range = {});
std::optional<uint64_t> read_unsigned(const Node& node, const std::string& path, Diagnostics& d);
std::optional<double> read_number(const Node& node, const std::string& path, Diagnostics& d,
                                  const Range& range = {});
std::optional<bool> read_bool(const Node& node, const std::string& path, Diagnostics& d);
/// Any non-empty scalar; with choices, one of them (suggesting the closest otherwise).
std::optional<std::string> read_string(const Node& node, const std::string& path, Diagnostics& d,
                                       const std::vector<std::string>& choices = {});

/// `relative` (a path written at `where`) made absolute: against the directory of the file that
/// holds it (an include may live elsewhere), or `base_dir` for a --set override, which has no
/// file. Lexically normalised.
std::string absolute_path(const std::string& relative, const Node& where, const std::string& base_dir);

/// A list of scalars read with `read_item` (each reports its own problems at path[i]).
template <typename T, typename F>
std::optional<std::vector<T>> read_list(const Node& node, const std::string& path,
                                        Diagnostics& d, const char* what, F read_item) {
    if (!node.is_sequence()) {
        d.add(node.mark, path, std::string("expected ") + what + ", got " + describe(node));
        return std::nullopt;
    }
    std::vector<T> out;
    bool ok = true;
    for (size_t i = 0; i < node.items.size(); ++i) {
        auto v = read_item(node.items[i], path + "[" + std::to_string(i) + "]");
        if (v)
            out.push_back(*v);
        else
            ok = false;
    }
    if (!ok) return std::nullopt;
    return out;
}

/// True when a plain scalar can be emitted without quotes and reads back as the same string.
bool is_plain_safe(const std::string& s);
/// `s` as a YAML scalar: plain when safe, double-quoted otherwise.
std::string quote(const std::string& s);

}  // namespace gantry::config::detail
