// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading one mapping of the experiment schema: typed reads of known keys with defaults kept
// when a key is absent, then one "unknown key" report (with a suggestion) per key nobody read.
#include <algorithm>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "suggest.hpp"
#include "values.hpp"

namespace gantry::config::detail {

/// One mapping of the schema: reads known keys, then reports the keys nobody asked for.
class Section {
public:
    Section(const Node* node, std::string path, Diagnostics& d, const Mark& parent)
        : path_(std::move(path)), d_(d), mark_(node ? node->mark : parent) {
        if (node == nullptr || node->is_null()) return;
        if (!node->is_mapping()) {
            d_.add(node->mark, path_, "expected a mapping, got " + describe(*node));
            return;
        }
        node_ = node;
    }

    bool present() const { return node_ != nullptr; }
    const Mark& mark() const { return mark_; }
    const std::string& path() const { return path_; }
    std::string child(const std::string& key) const {
        return path_.empty() ? key : path_ + "." + key;
    }

    /// The value of a known key, or nullptr when absent.
    const Node* take(const std::string& key) {
        known_.push_back(key);
        return node_ ? node_->find(key) : nullptr;
    }

    /// Whether the mapping has `key`, without taking it.
    bool has(const std::string& key) const { return node_ && node_->find(key); }

    Diagnostics& diagnostics() { return d_; }

    /// Marks a key as belonging here without reading it.
    void know(const std::string& key) { known_.push_back(key); }

    void integer(const std::string& key, int64_t& out, const Range& range = {}) {
        if (const Node* n = take(key))
            if (auto v = read_integer(*n, child(key), d_, range)) out = *v;
    }
    void number(const std::string& key, double& out, const Range& range = {}) {
        if (const Node* n = take(key))
            if (auto v = read_number(*n, child(key), d_, range)) out = *v;
    }
    void boolean(const std::string& key, bool& out) {
        if (const Node* n = take(key))
            if (auto v = read_bool(*n, child(key), d_)) out = *v;
    }
    void string(const std::string& key, std::string& out,
                const std::vector<std::string>& choices = {}) {
        if (const Node* n = take(key))
            if (auto v = read_string(*n, child(key), d_, choices)) out = *v;
    }

    void missing(const std::string& key, const std::string& what, std::string hint = {}) {
        d_.add(mark_, child(key), "missing required key (" + what + ")", std::move(hint));
    }

    /// Reports every key not taken. `explain` may give a better message for a key that is
    /// valid elsewhere (returns "" to fall back to the suggestion).
    template <typename Explain>
    void finish(Explain explain) {
        if (!node_) return;
        for (const Entry& e : node_->entries) {
            if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
            if (std::string why = explain(e.key); !why.empty()) {
                d_.add(e.key_mark, child(e.key), why);
                continue;
            }
            std::string hint = did_you_mean(e.key, known_);
            if (e.key == "<<") hint = "YAML merge keys are not supported; use include:";
            if (hint.empty()) {
                hint = "expected one of: ";
                for (size_t i = 0; i < known_.size(); ++i) hint += (i ? ", " : "") + known_[i];
            }
            d_.add(e.key_mark, child(e.key), "unknown key '" + e.key + "'", hint);
        }
    }
    void finish() {
        finish([](const std::string&) { return std::string{}; });
    }

private:
    const Node* node_ = nullptr;
    std::string path_;
    Diagnostics& d_;
    Mark mark_;
    std::vector<std::string> known_;
};

}  // namespace gantry::config::detail
