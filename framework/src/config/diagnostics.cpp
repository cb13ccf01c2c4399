// SPDX-License-Identifier: Apache-2.0
#include "config/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace gantry::config {

std::string Diagnostic::format() const {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(col);
    out += ": ";
    if (!key_path.empty()) out += key_path + ": ";
    out += message;
    if (!hint.empty()) out += "; " + hint;
    return out;
}

void Diagnostics::add(const Mark& where, std::string key_path, std::string message,
                      std::string hint) {
    list_.push_back({where.file, where.line, where.col, std::move(key_path), std::move(message),
                     std::move(hint)});
}

namespace {
std::string join_lines(const std::vector<Diagnostic>& records) {
    std::string out;
    for (const Diagnostic& d : records) {
        if (!out.empty()) out += '\n';
        out += d.format();
    }
    return out;
}
}  // namespace

ConfigErrors::ConfigErrors(std::vector<Diagnostic> records)
    : ConfigError(join_lines(records)), records_(std::move(records)) {}

void Diagnostics::throw_if_any() const {
    if (list_.empty()) return;
    std::vector<Diagnostic> sorted = list_;
    // Files keep the order in which they were first reported (the experiment file usually comes
    // first); command-line overrides (line 0) go last, in the order they were given.
    std::vector<std::string> files;
    for (const Diagnostic& d : sorted)
        if (d.line > 0 && std::find(files.begin(), files.end(), d.file) == files.end())
            files.push_back(d.file);
    auto rank = [&](const Diagnostic& d) {
        if (d.line == 0) return files.size();
        return static_cast<size_t>(std::find(files.begin(), files.end(), d.file) - files.begin());
    };
    std::stable_sort(sorted.begin(), sorted.end(), [&](const Diagnostic& a, const Diagnostic& b) {
        return std::make_tuple(rank(a), a.line, a.col) < std::make_tuple(rank(b), b.line, b.col);
    });
    // An aliased mapping is visited once per alias; report each problem once.
    std::vector<Diagnostic> unique;
    for (Diagnostic& d : sorted) {
        const std::string text = d.format();
        if (std::none_of(unique.begin(), unique.end(),
                         [&](const Diagnostic& u) { return u.format() == text; }))
            unique.push_back(std::move(d));
    }
    throw ConfigErrors(std::move(unique));
}

}  // namespace gantry::config
