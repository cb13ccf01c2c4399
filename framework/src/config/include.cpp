// SPDX-License-Identifier: Apache-2.0
// include: resolution: deep merge, cycles reported with their chain.
#include <algorithm>
#include <filesystem>

#include "config/document.hpp"

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

}  // namespace gantry::config
