// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The strict YAML layer: a YAML file as a plain tree in which every node knows its file, line
/// and column. yaml-cpp stays inside gantry_core; this tree is all the rest of Gantry sees.
///
/// On top of yaml-cpp the loader rejects what yaml-cpp accepts silently: duplicate keys (both
/// positions are reported), alias expansions beyond kMaxNodes nodes ("billion laughs"), nesting
/// deeper than kMaxDepth, several documents in one file, non-scalar keys.
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace gantry::config {

/// Node visits allowed while expanding one file (aliases are counted each time they are used).
/// A real experiment has a few hundred nodes; this bound keeps a malicious file below ~30 MB.
constexpr size_t kMaxNodes = 100'000;
/// Nesting allowed; an experiment is at most 4 levels deep.
constexpr int kMaxDepth = 64;

struct Entry;

/// One YAML node. Mappings keep their keys in file order.
struct Node {
    enum class Type { null, scalar, sequence, mapping };
    Type type = Type::null;
    Mark mark;
    /// The scalar's text as written (without quotes).
    std::string scalar;
    /// True for quoted scalars and explicit !!str: always a string, never a number or bool.
    bool quoted = false;
    std::vector<Node> items;
    std::vector<Entry> entries;

    static Node of(Type type, Mark mark);

    bool is_null() const { return type == Type::null; }
    bool is_scalar() const { return type == Type::scalar; }
    bool is_sequence() const { return type == Type::sequence; }
    bool is_mapping() const { return type == Type::mapping; }
    /// The value of `key` in a mapping, or nullptr.
    const Node* find(std::string_view key) const;
    Node* find(std::string_view key);
    /// Removes `key` from a mapping; false when absent.
    bool erase(std::string_view key);
};

struct Entry {
    std::string key;
    Mark key_mark;
    Node value;
};

// Defined once Entry is complete: building a Node instantiates std::vector<Entry>'s destructor,
// which clang (unlike g++) refuses for an incomplete Entry.
inline Node Node::of(Type type, Mark mark) {
    Node n;
    n.type = type;
    n.mark = std::move(mark);
    return n;
}

/// "a mapping", "a list", "nothing (null)" or "'text'": the "got ..." of error messages.
std::string describe(const Node& node);

/// Parses YAML text; `file` names it in marks. Problems go to `diagnostics`; returns a null node
/// when the text could not be parsed at all.
Node parse_yaml(std::string_view text, const std::string& file, Diagnostics& diagnostics);

/// Reads and parses a file (see parse_yaml). A missing or unreadable file is reported at
/// `included_from` (its include: line) or, when that is empty, at the file itself.
Node load_yaml_file(const std::string& path, Diagnostics& diagnostics,
                    const Mark& included_from = {});

/// Deep merge: mappings merge key by key, recursively; anything else in `over` replaces what is
/// in `base` (lists are replaced, not concatenated — as in Hydra and OmegaConf).
void merge_into(Node& base, const Node& over);

/// Loads `path` and resolves its `include:` key (a path or a list of paths, relative to the
/// including file): the included files are merged in order, then the including file on top.
/// Cycles are reported with their chain ("a.yaml -> b.yaml -> a.yaml"). The result has no
/// `include` key.
Node load_composed(const std::string& path, Diagnostics& diagnostics);

/// As load_composed, for text that has not been written to a file; includes resolve against
/// the directory of `file`.
Node compose_text(std::string_view text, const std::string& file, Diagnostics& diagnostics);

/// Applies one `key.path=value` override (value parsed as YAML; list elements as `steps[1]`).
/// Missing mapping keys are created (the schema check then names unknown ones); a list index may
/// be at most the list's length (that index appends). Problems are reported with the override
/// text as the file.
void apply_override(Node& root, const std::string& assignment, Diagnostics& diagnostics);

}  // namespace gantry::config
