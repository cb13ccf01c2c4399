// SPDX-License-Identifier: Apache-2.0
// Every `gantry ...` command line the documentation quotes (docs/*.md and README.md, in code spans
// and fenced blocks) is checked against the real binary: its subcommand exists, every flag it
// uses is one `gantry <sub> --help` lists, and the experiment files it names that exist in the
// repository validate (`gantry validate FILE`; a sweep file: `gantry sweep FILE --dry-run`; a
// `gantry bench` workload: experiments/bench/<name>.yaml). Placeholders (FILE, RUN_DIR, N, <dir>)
// and files that are not in the repository (a scaffold's experiment.yaml) are allowed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

struct Quoted {
    std::string where;  ///< file:line
    std::string text;   ///< from the subcommand on: "run FILE [--set k=v]..."
};

// "gantry " (or "build/bin/gantry ") at the start of a code span, or in a fenced block at the
// start of a line (after an optional "$ " prompt) or after "&&".
std::vector<Quoted> quoted_commands(const std::string& markdown, const std::string& name) {
    static const std::regex span(R"(`(?:build/bin/|bin/)?gantry\s+([^`]*)`)");
    static const std::regex block_line(R"((?:^\s*(?:\$\s+)?|&&\s*)(?:build/bin/|bin/)?gantry\s+(.*)$)");
    std::vector<Quoted> out;
    std::istringstream in(markdown);
    std::string line;
    bool in_block = false;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const std::string where = name + ":" + std::to_string(number);
        if (line.find_first_not_of(" \t") != std::string::npos &&
            line.compare(line.find_first_not_of(" \t"), 3, "```") == 0) {
            in_block = !in_block;
            continue;
        }
        if (in_block) {
            std::smatch m;
            if (!std::regex_search(line, m, block_line)) continue;
            std::string text = m[1];
            // A continued line: the next lines belong to it.
            while (!text.empty() && text.back() == '\\' && std::getline(in, line)) {
                ++number;
                text.pop_back();
                text += " " + line;
            }
            out.push_back({where, text});
        } else {
            for (auto it = std::sregex_iterator(line.begin(), line.end(), span); it != std::sregex_iterator(); ++it)
                out.push_back({where, (*it)[1]});
        }
    }
    return out;
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

class Checker {
public:
    explicit Checker(fs::path root) : root_(std::move(root)) {}

    /// The problems of one quoted command, "" when it is fine.
    std::vector<std::string> check(const Quoted& q) {
        std::string text = std::regex_replace(q.text, std::regex(R"(\\\|)"), "|");  // tables escape '|'
        // The shell around the command: "; echo $?", "&& ...", redirections.
        for (const char* cut : {";", "&&", " 2>", " >"})
            if (const size_t at = text.find(cut); at != std::string::npos) text.erase(at);
        const std::vector<std::string> w = words(text);
        std::vector<std::string> problems;
        if (w.empty()) return problems;
        const std::string& sub = w[0];
        // "gantry validate: 2 problems in ..." is output, not a command.
        if (!std::regex_match(sub, std::regex("[a-z][a-z0-9-]*"))) return problems;
        const std::string* help = help_of(sub);
        if (help == nullptr) {
            problems.push_back(q.where + ": `gantry " + q.text + "`: no subcommand '" + sub + "'");
            return problems;
        }
        static const std::regex flag(R"((^|[\s\[(|])(--?[A-Za-z][A-Za-z0-9-]*))");
        for (auto it = std::sregex_iterator(text.begin(), text.end(), flag); it != std::sregex_iterator(); ++it) {
            const std::string f = (*it)[2];
            const std::regex listed("(^|[\\s,\\[])" + f + "([\\s,=\\]]|$)");
            if (!std::regex_search(*help, listed))
                problems.push_back(q.where + ": `gantry " + q.text + "`: 'gantry " + sub + " --help' lists no " + f);
        }
        for (size_t i = 1; i < w.size(); ++i) {
            const std::string& a = w[i];
            if (a.size() > 5 && a.compare(a.size() - 5, 5, ".yaml") == 0 && a.find('=') == std::string::npos &&
                fs::is_regular_file(root_ / a)) {
                if (const std::string p = validate(sub, a); !p.empty())
                    problems.push_back(q.where + ": `gantry " + q.text + "`: " + p);
            }
        }
        // gantry bench WORKLOAD (or W1|W2|W3): a lower-case name is a file of experiments/bench/.
        if (sub == "bench" && w.size() > 1 && w[1][0] != '-') {
            std::string alternatives = w[1];
            std::replace(alternatives.begin(), alternatives.end(), '|', ' ');
            for (const std::string& name : words(alternatives)) {
                if (!std::regex_match(name, std::regex("[a-z][a-z0-9_]*"))) continue;  // W, $W: placeholders
                const std::string file = "experiments/bench/" + name + ".yaml";
                if (!fs::is_regular_file(root_ / file))
                    problems.push_back(q.where + ": `gantry " + q.text + "`: no workload " + file);
                else if (const std::string p = validate("bench", file); !p.empty())
                    problems.push_back(q.where + ": `gantry " + q.text + "`: " + p);
            }
        }
        return problems;
    }

    /// `gantry <sub> --help`, or null when `gantry --help` lists no such subcommand.
    const std::string* help_of(const std::string& sub) {
        if (!top_help_) {
            gantry::testing::GantryProcess p({"--help"});
            top_help_ = p.finish(std::chrono::seconds(30)).output;
        }
        auto found = help_.find(sub);
        if (found == help_.end()) {
            const bool listed = top_help_->find("\n  " + sub + " ") != std::string::npos;
            gantry::testing::GantryProcess p({sub, "--help"});
            const gantry::testing::ProcessResult r = p.finish(std::chrono::seconds(30));
            found = help_.emplace(sub, listed && r.exit_code == 0 ? std::optional<std::string>(r.output)
                                                                  : std::nullopt).first;
        }
        return found->second ? &*found->second : nullptr;
    }

private:
    // "" when the file is good; each file is checked once.
    std::string validate(const std::string& sub, const std::string& file) {
        const std::string key = (sub == "sweep" ? "sweep " : "") + file;
        if (auto done = validated_.find(key); done != validated_.end()) return done->second;
        const gantry::testing::TempDir out;
        std::vector<std::string> args = {"validate", (root_ / file).string()};
        if (sub == "sweep") args = {"sweep", (root_ / file).string(), "--dry-run", "--out", out.str()};
        gantry::testing::GantryProcess p(args);
        const gantry::testing::ProcessResult r = p.finish(std::chrono::seconds(60));
        std::string problem;
        if (r.exit_code != 0) {
            problem = "'gantry " + args[0] + " " + file + (sub == "sweep" ? " --dry-run" : "") + "' exits " +
                      std::to_string(r.exit_code) + ": " + r.output.substr(0, 400);
        }
        return validated_[key] = problem;
    }

public:
    /// Was `file` checked with `gantry validate` ("sweep FILE": with `gantry sweep --dry-run`)?
    bool validated(const std::string& file) const { return validated_.count(file) == 1; }

private:
    fs::path root_;
    std::optional<std::string> top_help_;
    std::map<std::string, std::optional<std::string>> help_;
    std::map<std::string, std::string> validated_;
};

std::vector<fs::path> documentation(const fs::path& root) {
    std::vector<fs::path> files = {root / "README.md"};
    for (const auto& e : fs::directory_iterator(root / "docs"))
        if (e.path().extension() == ".md") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("docs: every quoted gantry command line parses and the experiment files it names validate", "[docs]") {
    const fs::path root = GANTRY_SOURCE_DIR;
    Checker checker(root);
    std::vector<std::string> problems;
    size_t commands = 0;
    std::set<std::string> subcommands;
    for (const fs::path& file : documentation(root)) {
        for (const Quoted& q : quoted_commands(gantry::testing::slurp(file), fs::relative(file, root).string())) {
            ++commands;
            subcommands.insert(words(q.text).at(0));
            for (std::string& p : checker.check(q)) problems.push_back(std::move(p));
        }
    }
    std::string all;
    for (const std::string& p : problems) all += p + "\n";
    INFO(all);
    CHECK(problems.empty());
    // The scan itself finds the commands (a broken pattern would find none and pass).
    CHECK(commands > 50);
    // Among the files named: the quick start's experiment and the sweep of docs/results.md.
    CHECK(checker.validated("experiments/quickstart.yaml"));
    CHECK(checker.validated("sweep experiments/sweeps/fashion_losses.yaml"));
    CHECK(checker.validated("experiments/ring/minimax.yaml"));
    for (const char* sub : {"run", "validate", "plugins", "bench", "sample", "sweep", "report", "new-plugin"})
        CHECK(subcommands.count(sub) == 1);
}

TEST_CASE("docs: the command check refuses an unknown subcommand or flag and a bad experiment file", "[docs]") {
    const gantry::testing::TempDir tmp;
    {
        std::ofstream bad(tmp.path / "bad.yaml");
        bad << "experiment: x\nsede: 1\n";
    }
    const std::string markdown =
        "Run `gantry rn FILE` or `gantry run FILE --bogus`.\n"
        "```\n"
        "$ gantry validate bad.yaml\n"
        "gantry validate: 1 problem in bad.yaml\n"
        "$ gantry sample RUN_DIR -n 4 \\\n"
        "    --fromat npy\n"
        "```\n"
        "Fine: `gantry plugins --kind loss`, `gantry run FILE [--set k=v]... [--resume RUN_DIR]`.\n";
    Checker checker(tmp.path);
    std::vector<std::string> problems;
    const std::vector<Quoted> quoted = quoted_commands(markdown, "x.md");
    REQUIRE(quoted.size() == 7);
    for (const Quoted& q : quoted)
        for (std::string& p : checker.check(q)) problems.push_back(std::move(p));
    std::string all;
    for (const std::string& p : problems) all += p + "\n";
    INFO(all);
    REQUIRE(problems.size() == 4);
    CHECK_THAT(problems[0], Catch::Contains("x.md:1: `gantry rn FILE`: no subcommand 'rn'"));
    CHECK_THAT(problems[1], Catch::Contains("x.md:1: `gantry run FILE --bogus`: 'gantry run --help' lists no --bogus"));
    CHECK_THAT(problems[2], Catch::Contains("x.md:3: `gantry validate bad.yaml`: 'gantry validate bad.yaml' exits 2"));
    CHECK_THAT(problems[3], Catch::Contains("x.md:5:"));
    CHECK_THAT(problems[3], Catch::Contains("lists no --fromat"));
}
