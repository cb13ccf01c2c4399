// SPDX-License-Identifier: Apache-2.0
// The strict YAML layer alone: marks, duplicate keys, limits, merge and override mechanics.
#include <catch2/catch.hpp>

#include "config/document.hpp"

using namespace gantry::config;

namespace {
Node parse_ok(const std::string& text) {
    Diagnostics d;
    Node n = parse_yaml(text, "t.yaml", d);
    INFO((d.empty() ? std::string() : d.list().front().format()));
    REQUIRE(d.empty());
    return n;
}
}  // namespace

TEST_CASE("document: every node has a 1-based file:line:col", "[config]") {
    const Node root = parse_ok("a: 1\nb:\n  c: [x, 'y']\n");
    REQUIRE(root.is_mapping());
    CHECK(root.entries[0].key_mark.line == 1);
    CHECK(root.entries[0].key_mark.col == 1);
    const Node* c = root.find("b")->find("c");
    REQUIRE(c);
    CHECK(c->mark.file == "t.yaml");
    CHECK(c->mark.line == 3);
    CHECK(c->mark.col == 6);
    CHECK(c->items[1].mark.col == 10);
    CHECK_FALSE(c->items[0].quoted);
    CHECK(c->items[1].quoted);
}

TEST_CASE("document: keys keep file order - null values take the key's position", "[config]") {
    const Node root = parse_ok("z: 1\na: 2\nm:\n");
    CHECK(root.entries[0].key == "z");
    CHECK(root.entries[1].key == "a");
    CHECK(root.find("m")->is_null());
    CHECK(root.find("m")->mark.line == 3);
}

TEST_CASE("document: duplicate keys are reported with both positions", "[config]") {
    Diagnostics d;
    const Node root = parse_yaml("a:\n  lr: 1\n  lr: 2\n", "t.yaml", d);
    REQUIRE(d.size() == 1);
    CHECK(d.list()[0].format() ==
          "t.yaml:3:3: a.lr: duplicate key 'lr', first defined at 2:3; remove one of them");
    CHECK(root.find("a")->find("lr")->scalar == "1");
}

TEST_CASE("document: aliases are expanded - within the node budget", "[config]") {
    const Node root = parse_ok("base: &b {lr: 1}\ncopy: *b\n");
    CHECK(root.find("copy")->find("lr")->scalar == "1");

    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'f'; ++c)
        bomb += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) +
                ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" +
                char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) +
                ", *" + char(c - 1) + "]\n";  // 10^6 leaves
    Diagnostics d;
    parse_yaml(bomb, "t.yaml", d);
    REQUIRE(d.size() == 1);
    CHECK_THAT(d.list()[0].message, Catch::Contains("nodes once its aliases are expanded"));
}

TEST_CASE("document: depth limit", "[config]") {
    Diagnostics d;
    parse_yaml(std::string(64, '[') + std::string(64, ']'), "t.yaml", d);
    CHECK(d.empty());
    parse_yaml(std::string(65, '[') + std::string(65, ']'), "t.yaml", d);
    REQUIRE(d.size() == 1);
    CHECK(d.list()[0].message == "nested deeper than 64 levels");
}

TEST_CASE("document: merge_into merges mappings and replaces the rest", "[config]") {
    Node base = parse_ok("a: {x: 1, y: [1, 2]}\nb: 1\n");
    merge_into(base, parse_ok("a: {y: [3], z: 4}\nc: 5\n"));
    CHECK(base.find("a")->find("x")->scalar == "1");
    REQUIRE(base.find("a")->find("y")->items.size() == 1);
    CHECK(base.find("a")->find("y")->items[0].scalar == "3");
    CHECK(base.find("a")->find("z")->scalar == "4");
    CHECK(base.find("b")->scalar == "1");
    CHECK(base.find("c")->scalar == "5");
    // The value's position is the overriding file's.
    CHECK(base.find("a")->find("y")->mark.line == 1);
    CHECK(base.entries.back().key == "c");
}

TEST_CASE("document: apply_override", "[config]") {
    Node root = parse_ok("s:\n  steps: [{train: d}, {train: g}]\n");
    Diagnostics d;
    apply_override(root, "s.steps[1].repeat=3", d);
    apply_override(root, "s.steps[2]={train: d}", d);
    apply_override(root, "new.key=[1, 2]", d);
    REQUIRE(d.empty());
    const Node& steps = *root.find("s")->find("steps");
    CHECK(steps.items[1].find("repeat")->scalar == "3");
    CHECK(steps.items[1].find("repeat")->mark.file == "--set s.steps[1].repeat=3");
    CHECK(steps.items[1].find("repeat")->mark.line == 0);
    CHECK(steps.items[2].find("train")->scalar == "d");
    CHECK(root.find("new")->find("key")->items.size() == 2);

    // A failed override leaves nothing behind.
    apply_override(root, "other.list[0]=1", d);
    CHECK(d.size() == 1);
    CHECK(root.find("other") == nullptr);
}

TEST_CASE("document: diagnostics format and order", "[config]") {
    Diagnostics d;
    d.add({"--set a=1", 0, 0}, "a", "bad");
    d.add({"f.yaml", 9, 2}, "x.y", "expected an integer, got 'q'", "did you mean 'z'?");
    d.add({"f.yaml", 3, 1}, "", "YAML syntax error: oops");
    d.add({"f.yaml", 3, 1}, "", "YAML syntax error: oops");  // an alias visited twice
    try {
        d.throw_if_any();
        FAIL("no throw");
    } catch (const ConfigErrors& e) {
        CHECK(std::string(e.what()) ==
              "f.yaml:3:1: YAML syntax error: oops\n"
              "f.yaml:9:2: x.y: expected an integer, got 'q'; did you mean 'z'?\n"
              "--set a=1: a: bad");
        CHECK(e.records().size() == 3);
        const gantry::ConfigError& base = e;  // exit code 2 in the CLI
        CHECK(&base == &e);
    }
}
