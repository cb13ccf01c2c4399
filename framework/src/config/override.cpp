// SPDX-License-Identifier: Apache-2.0
// --set key.path=value: parsed, then applied to the composed tree before the schema check.
#include <cctype>
#include <optional>

#include "config/document.hpp"

namespace gantry::config {

namespace {

struct Segment {
    std::string key;             // a mapping key, or
    std::optional<size_t> index;  // a list index
};

std::optional<std::vector<Segment>> parse_key_path(const std::string& text) {
    std::vector<Segment> out;
    size_t i = 0;
    auto name_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    };
    while (i < text.size()) {
        const size_t start = i;
        while (i < text.size() && name_char(text[i])) ++i;
        if (i == start) return std::nullopt;
        out.push_back({text.substr(start, i - start), std::nullopt});
        while (i < text.size() && text[i] == '[') {
            const size_t digits = ++i;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
            if (i == digits || i >= text.size() || text[i] != ']' || i - digits > 9)
                return std::nullopt;
            out.push_back({"", std::stoul(text.substr(digits, i - digits))});
            ++i;
        }
        if (i == text.size()) break;
        if (text[i] != '.' || i + 1 == text.size()) return std::nullopt;
        ++i;
    }
    if (out.empty()) return std::nullopt;
    return out;
}

void set_marks(Node& node, const Mark& mark) {
    node.mark = mark;
    for (Node& item : node.items) set_marks(item, mark);
    for (Entry& e : node.entries) {
        e.key_mark = mark;
        set_marks(e.value, mark);
    }
}

}  // namespace

void apply_override(Node& root, const std::string& assignment, Diagnostics& diagnostics) {
    const Mark origin{"--set " + assignment, 0, 0};
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos) {
        diagnostics.add(origin, "", "expected key.path=value");
        return;
    }
    const std::string path_text = assignment.substr(0, eq);
    const auto path = parse_key_path(path_text);
    if (!path) {
        diagnostics.add(origin, "",
                        "bad key path '" + path_text +
                            "': expected names separated by dots, list items as name[2]");
        return;
    }

    if ((*path)[0].key == "include") {
        diagnostics.add(origin, "include",
                        "include cannot be overridden: files are composed before --set applies");
        return;
    }

    Diagnostics value_problems;
    Node value = parse_yaml(assignment.substr(eq + 1), origin.file, value_problems);
    if (!value_problems.empty()) {
        for (const Diagnostic& p : value_problems.list())
            diagnostics.add(origin, path_text, p.message, p.hint);
        return;
    }
    set_marks(value, origin);

    if (!root.is_mapping()) return;  // the file itself is broken and already reported
    // Work on a copy: a path that fails half-way must leave no created keys behind.
    Node result = root;
    Node* cur = &result;
    std::string walked;
    for (const Segment& s : *path) {
        if (!s.index) {
            if (cur->is_null()) *cur = Node::of(Node::Type::mapping, origin);
            if (!cur->is_mapping()) {
                diagnostics.add(origin, walked,
                                "cannot set '" + s.key + "': '" + walked + "' is " +
                                    describe(*cur) + ", not a mapping");
                return;
            }
            Node* next = cur->find(s.key);
            if (!next) {
                cur->entries.push_back({s.key, origin, Node::of(Node::Type::null, origin)});
                next = &cur->entries.back().value;
            }
            walked += (walked.empty() ? "" : ".") + s.key;
            cur = next;
            continue;
        }
        const size_t i = *s.index;
        if (cur->is_null()) {
            diagnostics.add(origin, walked,
                            "the file does not set this list, so there is no item " +
                                std::to_string(i) + " to change",
                            "set the whole list, e.g. --set '" + walked + "=[...]'");
            return;
        }
        if (!cur->is_sequence()) {
            diagnostics.add(origin, walked,
                            "cannot index [" + std::to_string(i) + "]: the value is " +
                                describe(*cur) + ", not a list");
            return;
        }
        if (i > cur->items.size()) {
            diagnostics.add(origin, walked,
                            "index " + std::to_string(i) + " is out of range: the list has " +
                                std::to_string(cur->items.size()) + " items",
                            "index " + std::to_string(cur->items.size()) + " appends one");
            return;
        }
        if (i == cur->items.size()) cur->items.push_back(Node::of(Node::Type::null, origin));
        walked.append("[").append(std::to_string(i)).append("]");
        cur = &cur->items[i];
    }
    *cur = std::move(value);
    root = std::move(result);
}

}  // namespace gantry::config
