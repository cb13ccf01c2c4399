// SPDX-License-Identifier: Apache-2.0
// Issue 17's friction through the real binary: the EMA warm-up (the resolved key, the note on
// the trap, a bit-exact resume), the progress lines (evaluations not one behind) and
// `gantry sample`'s file names (no kind of sample overwrites another).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;
using gantry::testing::lines_of;
using gantry::testing::run_gantry;
using gantry::testing::slurp;
using gantry::testing::TempDir;

namespace {

std::string data(const std::string& name) { return std::string(GANTRY_SOURCE_DIR) + "/tests/train/data/" + name; }

fs::path announced_run_dir(const std::string& output) {
    const std::string key = "run directory: ";
    const size_t at = output.find(key);
    if (at == std::string::npos) return {};
    const size_t end = output.find('\n', at);
    return output.substr(at + key.size(), end - at - key.size());
}

/// The names of tensors whose bytes differ between two checkpoints (or that only one holds).
std::vector<std::string> differing_tensors(const fs::path& a, const fs::path& b) {
    const gantry::io::CheckpointData x = gantry::io::read_checkpoint(a);
    const gantry::io::CheckpointData y = gantry::io::read_checkpoint(b);
    std::vector<std::string> out;
    for (const auto& [name, t] : x.tensors) {
        auto it = y.tensors.find(name);
        if (it == y.tensors.end() || !(t.shape() == it->second.shape()) ||
            std::memcmp(t.data(), it->second.data(), static_cast<size_t>(t.numel()) * sizeof(float)) != 0)
            out.push_back(name);
    }
    for (const auto& [name, t] : y.tensors)
        if (!x.tensors.count(name)) out.push_back(name);
    return out;
}

std::vector<std::string> lines_of_text(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string format4(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

/// The number after `"key":` in a JSON line.
double json_number(const std::string& line, const std::string& key) {
    const size_t at = line.find("\"" + key + "\":");
    REQUIRE(at != std::string::npos);
    return std::stod(line.substr(at + key.size() + 3));
}

}  // namespace

TEST_CASE("gantry run: schedule.ema.warmup is written only when true and resumes bit for bit",
          "[train][cli][resume][ema]") {
    // Without the key the resolved experiment is what it always was (the hash with it).
    const auto plain = run_gantry({"validate", data("resume.yaml")});
    REQUIRE(plain.exit_code == 0);
    CHECK_THAT(plain.output, Contains("ema: {decay: 0.9, start: 5}\n"));
    const auto off = run_gantry({"validate", data("resume.yaml"), "--set", "schedule.ema.warmup=false"});
    REQUIRE(off.exit_code == 0);
    CHECK(off.output == plain.output);
    const std::vector<std::string> warm = {"--set", "schedule.ema={decay: 0.9, start: 5, warmup: true}"};
    std::vector<std::string> args = {"validate", data("resume.yaml")};
    args.insert(args.end(), warm.begin(), warm.end());
    const auto on = run_gantry(args);
    REQUIRE(on.exit_code == 0);
    CHECK_THAT(on.output, Contains("ema: {decay: 0.9, start: 5, warmup: true}\n"));

    // A run cut after checkpoint 20 and resumed equals the straight run, the EMA's update count
    // included (35 updates: iterations 5..39, one G step each).
    TempDir out, copy_out;
    args = {"run", data("resume.yaml"), "--out", out.path.string()};
    args.insert(args.end(), warm.begin(), warm.end());
    const auto straight = run_gantry(args);
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    CHECK_THAT(straight.output, !Contains("schedule.ema decay"));  // no trap note with the warm-up
    const fs::path a = announced_run_dir(straight.output);
    const fs::path b = copy_out.path / "cut";
    fs::copy(a, b, fs::copy_options::recursive);
    for (const char* ck : {"ckpt-000000030.gck", "ckpt-000000040.gck", "latest"}) fs::remove(b / "checkpoints" / ck);
    std::ofstream(b / "summary.json", std::ios::trunc) << "{\"status\": \"running\"}\n";
    const auto resumed = run_gantry({"run", "--resume", b.string()});
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK_THAT(resumed.output, Contains("from iteration 20"));
    CHECK(differing_tensors(a / "checkpoints" / "ckpt-000000040.gck", b / "checkpoints" / "ckpt-000000040.gck").empty());
    const gantry::io::CheckpointData ck = gantry::io::read_checkpoint(b / "checkpoints" / "ckpt-000000040.gck");
    REQUIRE(ck.tensors.count("trainer.ema_updates") == 1);
    CHECK(differing_tensors(a / "checkpoints" / "ckpt-000000020.gck", b / "checkpoints" / "ckpt-000000020.gck").empty());
}

TEST_CASE("gantry run: the EMA trap is said before the run", "[train][cli][ema]") {
    TempDir out;
    const auto r = run_gantry({"run", data("tiny.yaml"), "--out", out.path.string(), "--set", "schedule.iterations=20",
                               "--set", "schedule.ema=0.999", "--set", "evaluate.every=0"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // 0.999^20 = 98%.
    CHECK_THAT(r.output, Contains("note: schedule.ema decay 0.999 averages over ~1000 updates; after 20 the "
                                  "averaged G (evaluations, samples) still holds 98% of its first weights") &&
                             Contains("warmup: true"));
}

TEST_CASE("gantry run: a progress line shows the evaluation of its own iteration", "[train][cli]") {
    TempDir out;
    // Not a terminal: one plain line per log interval (10), evaluations at 20 and 40.
    const auto r = run_gantry({"run", data("tiny.yaml"), "--out", out.path.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const fs::path dir = announced_run_dir(r.output);
    std::vector<std::string> evals = lines_of(dir / "eval.jsonl");
    REQUIRE(evals.size() == 2);
    auto line_of = [&](const std::string& head) {
        for (const std::string& line : lines_of_text(r.output))
            if (line.rfind(head, 0) == 0) return line;
        return std::string();
    };
    const std::string at10 = line_of("[10/40] "), at20 = line_of("[20/40] "), at40 = line_of("[40/40] ");
    CHECK_THAT(at10, !Contains("modes="));
    CHECK_THAT(at20, Contains("  high_quality=" + format4(json_number(evals[0], "high_quality")) + "  "));
    CHECK_THAT(at20, Contains("  kl_modes=" + format4(json_number(evals[0], "kl_modes")) + "  "));
    CHECK_THAT(at40, Contains("  kl_modes=" + format4(json_number(evals[1], "kl_modes")) + "  "));
    // A rate in plain digits.
    CHECK_THAT(at10, Contains(" it/s, ETA ") && !Contains("e+"));
}

TEST_CASE("gantry run: on a terminal the live line fits its width", "[train][cli]") {
    // stderr on a pseudo-terminal of 60 columns: every redraw of the line is at most 59
    // characters (the last column would wrap), terms dropped, iteration, rate and ETA kept.
    TempDir out;
    const std::string file = data("tiny.yaml"), dir = out.path.string();
    winsize ws{};
    ws.ws_col = 60;
    ws.ws_row = 24;
    int master = -1, slave = -1;
    REQUIRE(openpty(&master, &slave, nullptr, nullptr, &ws) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(slave, 2);
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::close(master);
        ::close(slave);
        ::execl(GANTRY_CLI, GANTRY_CLI, "run", file.c_str(), "--out", dir.c_str(), "--set", "schedule.iterations=600",
                "--set", "log.every=50", "--set", "evaluate.every=300", "--set", "samples.every=0",
                "--set", "checkpoint.every=0", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(slave);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    INFO(text);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    size_t lines = 0;
    std::string last;
    for (size_t at = 0; at < text.size();) {
        size_t end = text.find_first_of("\r\n", at);
        if (end == std::string::npos) end = text.size();
        std::string segment = text.substr(at, end - at);
        if (segment.rfind("\033[K", 0) == 0) segment.erase(0, 3);
        if (segment.rfind("[", 0) == 0) {  // a progress line (notes are full lines of their own)
            CHECK(segment.size() <= 59);
            ++lines;
            last = segment;
        }
        at = end + 1;
    }
    CHECK(lines >= 2);
    CHECK_THAT(last, Catch::StartsWith("[600/600] ") && Contains(" it/s, ETA 0m00s"));
    CHECK_THAT(text, Contains("done: "));
}

TEST_CASE("gantry sample: each kind of sample has its own file", "[train][cli][sample]") {
    TempDir out;
    const auto r = run_gantry({"run", data("tiny.yaml"), "--out", out.path.string(), "--set", "schedule.iterations=20",
                               "--set", "evaluate.every=0"});
    REQUIRE(r.exit_code == 0);
    const fs::path dir = announced_run_dir(r.output);
    const std::vector<std::vector<std::string>> kinds = {
        {}, {"--interpolate"}, {"--slerp"}, {"--truncation", "0.5"}, {"--seed", "7"},
        {"--interpolate", "--seed", "7"}, {"--format", "csv"}, {"--format", "npy"}};
    std::set<std::string> files;
    std::string plain_bytes;
    for (const auto& kind : kinds) {
        std::vector<std::string> args = {"sample", dir.string(), "-n", "16"};
        args.insert(args.end(), kind.begin(), kind.end());
        const auto s = run_gantry(args);
        INFO(s.output);
        REQUIRE(s.exit_code == 0);
        const std::vector<std::string> printed = lines_of_text(s.output);
        REQUIRE_FALSE(printed.empty());
        const std::string name = fs::path(printed.back()).filename().string();
        CHECK(files.insert(name).second);
        if (kind.empty()) plain_bytes = slurp(dir / "samples" / name);
    }
    CHECK(files == std::set<std::string>{"sample-000000020.png", "sample-000000020-interpolate.png",
                                         "sample-000000020-slerp.png", "sample-000000020-trunc0.5.png",
                                         "sample-000000020-seed7.png", "sample-000000020-interpolate-seed7.png",
                                         "sample-000000020.csv", "sample-000000020.npy"});
    // The plain sample is still the plain sample.
    CHECK(slurp(dir / "samples" / "sample-000000020.png") == plain_bytes);
    const auto again = run_gantry({"sample", dir.string(), "-n", "16"});
    REQUIRE(again.exit_code == 0);
    CHECK(slurp(dir / "samples" / "sample-000000020.png") == plain_bytes);
}
