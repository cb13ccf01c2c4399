// SPDX-License-Identifier: Apache-2.0
// One capitalisation convention in every --help (issue 17 item 3.6): descriptions of commands,
// positionals and options start lower-case, like the messages gantry prints; a name keeps its
// capitals (Adam, PNG, Fashion-MNIST). Read from the real binary's help, so CLI11's own lines
// (-h,--help, --version) are held to it too.
#include <catch2/catch.hpp>

#include <cctype>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "support/gantry_process.hpp"

namespace {

std::string help_of(const std::vector<std::string>& args) {
    gantry::testing::GantryProcess p(args);
    const auto r = p.finish(std::chrono::seconds(60));
    REQUIRE(r.exit_code == 0);
    return r.output;
}

/// The description column of a CLI11 help text: the first line when it is no "Usage:" line (a
/// subcommand's own description), and after each "  NAME ...  " the text past the gap (or the
/// next line's, when the name fills its column).
std::vector<std::string> descriptions(const std::string& help) {
    std::vector<std::string> out;
    std::istringstream in(help);
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
        if (first && !line.empty() && line.rfind("Usage:", 0) != 0 && line.rfind("gantry:", 0) != 0) out.push_back(line);
        first = false;
        if (line.rfind("  ", 0) != 0) continue;
        const size_t text = line.find_first_not_of(' ');
        if (text == std::string::npos) continue;
        if (text >= 20) {  // a description on its own line, under a long name
            out.push_back(line.substr(text));
            continue;
        }
        const size_t gap = line.find("  ", text);
        if (gap == std::string::npos) continue;
        const size_t desc = line.find_first_not_of(' ', gap);
        if (desc != std::string::npos) out.push_back(line.substr(desc));
    }
    return out;
}

bool follows_convention(const std::string& d) {
    const unsigned char c = static_cast<unsigned char>(d[0]);
    if (!std::isupper(c)) return true;
    const std::string word = d.substr(0, d.find_first_of(" :,;("));
    if (word == "Adam") return true;  // a name
    for (size_t i = 1; i < word.size(); ++i)
        if (std::isupper(static_cast<unsigned char>(word[i]))) return true;  // PNG, Fashion-MNIST
    return false;
}

}  // namespace

TEST_CASE("gantry --help and every subcommand's --help start their descriptions lower-case", "[cli]") {
    const std::string top = help_of({"--help"});
    std::vector<std::string> subcommands;
    {
        std::istringstream in(top.substr(top.find("Subcommands:")));
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line) && line.rfind("  ", 0) == 0) {
            std::istringstream words(line);
            std::string name;
            words >> name;
            subcommands.push_back(name);
        }
    }
    CHECK(subcommands.size() >= 10);
    size_t checked = 0;
    auto check = [&](const std::string& what, const std::string& help) {
        for (const std::string& d : descriptions(help)) {
            INFO(what << ": '" << d << "'");
            CHECK(follows_convention(d));
            ++checked;
        }
    };
    check("gantry --help", top);
    for (const std::string& sub : subcommands) check("gantry " + sub + " --help", help_of({sub, "--help"}));
    CHECK(checked > 80);
}
