// SPDX-License-Identifier: Apache-2.0
// include: resolution (deep merge, cycles) and --set overrides.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include "gantry/config/document.hpp"

namespace gantry::config {

namespace fs = std::filesystem;

void merge_into(Node& base, const Node& over) {
    if (!base.is_mapping() || !over.is_mapping()) {
        base = over;
        return;
    }
    for (const Entry& e : over.entries) {
        auto it = std::find_if(base.entries.begin(), base.entries.end(),
                               [&](const Entry& b) { return b.key == e.key; });
        if (it == base.entries.end())
            base.entries.push_back(e);
        else if (it->value.is_mapping() && e.value.is_mapping())
            merge_into(it->value, e.value);
        else
            *it = e;  // the overriding file's position is where the value now comes from
    }
}

namespace {

struct Frame {
    std::string canonical;
    std::string shown;
};

std::string canonical_path(const fs::path& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    return (ec ? p.lexically_normal() : c).string();
}

Node compose(Node root, const std::string& file, Diagnostics& d, std::vector<Frame>& chain) {
    if (!root.is_mapping()) return root;
    const Node* found = root.find("include");
    if (!found) return root;
    const Node include = *found;
    root.erase("include");

    std::vector<const Node*> paths;
    if (include.is_scalar())
        paths.push_back(&include);
    else if (include.is_sequence())
        for (const Node& item : include.items) paths.push_back(&item);
    else
        d.add(include.mark, "include",
              "expected a file path or a list of file paths, got " + describe(include));

    Node base = Node::of(Node::Type::mapping, root.mark);
    for (size_t i = 0; i < paths.size(); ++i) {
        const Node& p = *paths[i];
        const std::string key_path =
            include.is_sequence() ? "include[" + std::to_string(i) + "]" : "include";
        if (!p.is_scalar() || p.scalar.empty()) {
            d.add(p.mark, key_path, "expected a file path, got " + describe(p));
            continue;
        }
        const fs::path target = (fs::path(file).parent_path() / p.scalar).lexically_normal();
        const std::string canonical = canonical_path(target);
        auto cycle = std::find_if(chain.begin(), chain.end(),
                                  [&](const Frame& f) { return f.canonical == canonical; });
        if (cycle != chain.end()) {
            std::string text;
            for (auto it = cycle; it != chain.end(); ++it) text += it->shown + " -> ";
            d.add(p.mark, key_path, "include cycle: " + text + target.string());
            continue;
        }
        const size_t before = d.size();
        Node child = load_yaml_file(target.string(), d, p.mark);
        if (d.size() != before) continue;
        if (!child.is_mapping()) {
            d.add(child.mark, "",
                  "an included file must be a mapping of experiment keys, got " + describe(child));
            continue;
        }
        chain.push_back({canonical, target.string()});
        child = compose(std::move(child), target.string(), d, chain);
        chain.pop_back();
        merge_into(base, child);
    }
    merge_into(base, root);
    return base;
}

Node compose_root(Node root, const std::string& file, Diagnostics& d) {
    std::vector<Frame> chain{{canonical_path(file), fs::path(file).lexically_normal().string()}};
    return compose(std::move(root), file, d, chain);
}

}  // namespace

Node load_composed(const std::string& path, Diagnostics& diagnostics) {
    return compose_root(load_yaml_file(path, diagnostics), path, diagnostics);
}

Node compose_text(std::string_view text, const std::string& file, Diagnostics& diagnostics) {
    return compose_root(parse_yaml(text, file, diagnostics), file, diagnostics);
}

// ---- overrides ----

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
