// SPDX-License-Identifier: Apache-2.0
// yaml-cpp → config::Node, with the checks yaml-cpp does not make. yaml-cpp marks are 0-based;
// every Mark stored here is 1-based, as editors show positions.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "gantry/config/document.hpp"

namespace gantry::config {

const Node* Node::find(std::string_view key) const {
    for (const Entry& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

Node* Node::find(std::string_view key) {
    for (Entry& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

bool Node::erase(std::string_view key) {
    for (auto it = entries.begin(); it != entries.end(); ++it)
        if (it->key == key) {
            entries.erase(it);
            return true;
        }
    return false;
}

std::string describe(const Node& node) {
    switch (node.type) {
        case Node::Type::null: return "nothing (null)";
        case Node::Type::sequence: return "a list";
        case Node::Type::mapping: return "a mapping";
        case Node::Type::scalar: break;
    }
    return "'" + node.scalar + "'";
}

namespace {

struct TooLarge {};
struct TooDeep {
    Mark mark;
};

class Converter {
public:
    Converter(const std::string& file, Diagnostics& diagnostics)
        : file_(file), diagnostics_(diagnostics) {}

    Node convert(const YAML::Node& y, int depth, const Mark& fallback, const std::string& path) {
        // Aliases share one yaml-cpp node, so a naive walk of a "billion laughs" file visits
        // 10^9 nodes: count every visit and stop at the budget.
        if (++visits_ > kMaxNodes) throw TooLarge{};
        Node out;
        out.mark = mark_of(y, fallback);
        if (depth >= kMaxDepth) throw TooDeep{out.mark};  // depth is 0-based
        switch (y.Type()) {
            case YAML::NodeType::Undefined:
            case YAML::NodeType::Null: out.type = Node::Type::null; break;
            case YAML::NodeType::Scalar:
                out.type = Node::Type::scalar;
                out.scalar = y.Scalar();
                out.quoted = y.Tag() == "!" || y.Tag() == "tag:yaml.org,2002:str";
                break;
            case YAML::NodeType::Sequence: {
                out.type = Node::Type::sequence;
                size_t i = 0;
                for (const YAML::Node& item : y) {
                    out.items.push_back(
                        convert(item, depth + 1, out.mark, path + "[" + std::to_string(i) + "]"));
                    ++i;
                }
                break;
            }
            case YAML::NodeType::Map: {
                out.type = Node::Type::mapping;
                std::unordered_map<std::string, Mark> seen;
                for (auto it = y.begin(); it != y.end(); ++it) {
                    const Mark key_mark = mark_of(it->first, out.mark);
                    if (!it->first.IsScalar()) {
                        diagnostics_.add(key_mark, path, "a key must be a name, got a " +
                                         std::string(it->first.IsNull() ? "null" : "collection"));
                        continue;
                    }
                    const std::string key = it->first.Scalar();
                    const std::string child_path = path.empty() ? key : path + "." + key;
                    if (auto [pos, inserted] = seen.emplace(key, key_mark); !inserted) {
                        // yaml-cpp keeps both entries and lookups return the first: a silently
                        // ignored value, the worst kind of config bug.
                        diagnostics_.add(key_mark, child_path,
                                         "duplicate key '" + key + "', first defined at " +
                                             std::to_string(pos->second.line) + ":" +
                                             std::to_string(pos->second.col),
                                         "remove one of them");
                        continue;
                    }
                    Node value = convert(it->second, depth + 1, key_mark, child_path);
                    // yaml-cpp places an empty value ("key:" at the end of a line) at the next
                    // token, often on a later line; the key is where the user looks.
                    if (value.is_null() && value.mark.line != key_mark.line) value.mark = key_mark;
                    out.entries.push_back({key, key_mark, std::move(value)});
                }
                break;
            }
        }
        return out;
    }

private:
    Mark mark_of(const YAML::Node& y, const Mark& fallback) const {
        const YAML::Mark m = y.Mark();
        // Empty values ("key:") have no position of their own.
        if (m.is_null() || m.line < 0) return fallback;
        return {file_, m.line + 1, m.column + 1};
    }

    const std::string& file_;
    Diagnostics& diagnostics_;
    size_t visits_ = 0;
};

}  // namespace

Node parse_yaml(std::string_view text, const std::string& file, Diagnostics& diagnostics) {
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(std::string(text));
    } catch (const YAML::DeepRecursion& e) {
        diagnostics.add({file, e.mark.line + 1, e.mark.column + 1}, "",
                        "nested too deeply (yaml-cpp stops at " +
                            std::to_string(e.depth()) + " levels)");
        return {};
    } catch (const YAML::Exception& e) {
        diagnostics.add({file, e.mark.line + 1, e.mark.column + 1}, "",
                        "YAML syntax error: " + e.msg);
        return {};
    }
    if (documents.empty()) return Node::of(Node::Type::null, {file, 1, 1});
    if (documents.size() > 1) {
        diagnostics.add({file, documents[1].Mark().line + 1, documents[1].Mark().column + 1}, "",
                        "expected one YAML document, found " + std::to_string(documents.size()),
                        "remove the '---' separators");
        return {};
    }
    Converter converter(file, diagnostics);
    try {
        return converter.convert(documents[0], 0, {file, 1, 1}, "");
    } catch (const TooLarge&) {
        diagnostics.add({file, 1, 1}, "",
                        "alias expansion too large: the file expands to more than " +
                            std::to_string(kMaxNodes) + " nodes",
                        "anchors (&) and aliases (*) are copied where they are used");
    } catch (const TooDeep& e) {
        diagnostics.add(e.mark, "", "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    return {};
}

Node load_yaml_file(const std::string& path, Diagnostics& diagnostics, const Mark& included_from) {
    const Mark where = included_from.file.empty() ? Mark{path, 0, 0} : included_from;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        diagnostics.add(where, included_from.file.empty() ? "" : "include",
                        "cannot read '" + path + "': it is a directory");
        return {};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.add(where, included_from.file.empty() ? "" : "include",
                        "cannot read '" + path + "': " + std::strerror(errno));
        return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        diagnostics.add(where, "", "cannot read '" + path + "': " + std::strerror(errno));
        return {};
    }
    return parse_yaml(text.str(), path, diagnostics);
}

}  // namespace gantry::config
