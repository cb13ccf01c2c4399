// SPDX-License-Identifier: Apache-2.0
// yaml-cpp → config::Node, with the checks yaml-cpp does not make. yaml-cpp marks are 0-based;
// every Mark stored here is 1-based, as editors show positions.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "config/document.hpp"

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

// Offset of the first byte that is not part of well-formed UTF-8, or npos. YAML text is Unicode;
// yaml-cpp passes stray Latin-1 bytes through into names and paths.
size_t first_invalid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        // How many continuation bytes (10xxxxxx) this lead byte announces; -1: not a lead byte.
        const int n = c < 0x80 ? 0
                      : (c & 0xE0) == 0xC0 ? 1
                      : (c & 0xF0) == 0xE0 ? 2
                      : (c & 0xF8) == 0xF0 ? 3
                                           : -1;
        if (n < 0 || c == 0xC0 || c == 0xC1 || (n > 0 && i + static_cast<size_t>(n) >= s.size()))
            return i;
        for (int k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0xC0) != 0x80) return i;
        i += static_cast<size_t>(n) + 1;
    }
    return std::string_view::npos;
}

// yaml-cpp 0.7.0's LoadAll loops forever when a document is followed by a ',' that starts a
// token at the top level (",", "- a\n,", "[a],"): found by fuzz/experiment_loader.cpp. Each
// further document then "starts" at that ',' without consuming it. Documents are walked here with
// an event parser until one starts where the previous one did; that position is returned (line 0
// when there is no stray ',', or on a syntax error, which the real parse reports).
Mark stray_flow_entry(std::string_view text, const std::string& file) {
    struct DocumentStarts : YAML::EventHandler {
        YAML::Mark start;
        void OnDocumentStart(const YAML::Mark& m) override { start = m; }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
        void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    } handler;
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    int previous = -1;
    for (int documents = 0; documents < 100'000; ++documents) {
        try {
            if (!parser.HandleNextDocument(handler)) return {};
        } catch (const YAML::Exception&) {
            return {};
        }
        if (handler.start.pos == previous) return {file, handler.start.line + 1, handler.start.column + 1};
        previous = handler.start.pos;
    }
    return {};
}

}  // namespace

Node parse_yaml(std::string_view text, const std::string& file, Diagnostics& diagnostics) {
    if (const size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
        const std::string_view before = text.substr(0, bad);
        const size_t line_start = before.rfind('\n');
        const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
        const int col = static_cast<int>(bad - (line_start == std::string_view::npos ? 0 : line_start + 1)) + 1;
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
        diagnostics.add({file, line, col}, "", std::string("not valid UTF-8 (byte ") + byte + ")",
                        "save the file as UTF-8");
        return {};
    }
    std::vector<YAML::Node> documents;
    try {
        if (const Mark stray = stray_flow_entry(text, file); stray.line > 0) {
            diagnostics.add(stray, "", "YAML syntax error: ',' outside any [ ] or { } list",
                            "remove the ',' or put the items in [ ]");
            return {};
        }
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
                        "too large: the file has more than " + std::to_string(kMaxNodes) +
                            " nodes once its aliases are expanded",
                        "an experiment needs a few hundred; anchors (&) and aliases (*) are copied "
                        "where they are used");
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
