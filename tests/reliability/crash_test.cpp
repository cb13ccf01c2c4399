// SPDX-License-Identifier: Apache-2.0
// Crash consistency through the real binary (docs/reliability.md). A run is resumed from a
// committed checkpoint under strace, which kills it (SIGKILL) or fails it (ENOSPC, EIO) at the
// Nth system call of the kinds a checkpoint commit makes; then the run is resumed once more,
// with no fault. Each time: every checkpoint left on disk verifies, the checkpoint committed
// before the fault is still there and unchanged, `latest` names a checkpoint that verifies, and
// the resumed run ends bit for bit where an undisturbed run ends (checkpoint tensors, metrics
// and evaluation rows without wall-clock fields, sample PNGs).
//
// By default every 3rd fault point is tried (the suite stays fast); GANTRY_CRASH_SWEEP=full tries
// every one (tools/crash-sweep.sh; the figures are in docs/reliability.md).
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/error.hpp"
#include "io/checkpoint.hpp"
#include "support/files.hpp"
#include "support/process_pool.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using gantry::testing::Command;
using gantry::testing::ProcessResult;

using gantry::testing::slurp;

namespace {

const char* const kStrace = "/usr/bin/strace";
// The system calls of an atomic commit: create the temp, write, fsync, close, rename, fsync the
// directory, and retention's unlinks.
const char* const kCommitCalls = "openat,write,fsync,fdatasync,close,rename,renameat,renameat2,unlink,unlinkat";

/// A fresh directory under /tmp, removed with everything in it.
using Scratch = gantry::testing::TempDir;

std::vector<std::string> lines_without_clock(const fs::path& file) {
    std::vector<std::string> out;
    std::istringstream in(slurp(file));
    for (std::string line; std::getline(in, line);) {
        // Wall-clock fields differ between any two runs.
        for (const char* key : {"\"it_per_s\":", "\"seconds\":"}) {
            const size_t at = line.find(key);
            if (at == std::string::npos) continue;
            size_t end = line.find_first_of(",}", at);
            if (end != std::string::npos && line[end] == ',') ++end;
            line.erase(at, end - at);
        }
        out.push_back(line);
    }
    return out;
}

std::vector<fs::path> checkpoints_in(const fs::path& run) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(run / "checkpoints"))
        if (e.path().extension() == ".gck") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

bool verifies(const fs::path& checkpoint) {
    try {
        gantry::io::read_checkpoint(checkpoint);
        return true;
    } catch (const gantry::DataError&) {
        return false;
    }
}

/// Tensors of two checkpoints equal bit for bit (metadata may differ: it records wall time).
bool same_tensors(const fs::path& a, const fs::path& b) {
    const auto x = gantry::io::read_checkpoint(a), y = gantry::io::read_checkpoint(b);
    if (x.tensors.size() != y.tensors.size()) return false;
    for (const auto& [name, t] : x.tensors) {
        const auto it = y.tensors.find(name);
        if (it == y.tensors.end() || !(it->second.shape() == t.shape())) return false;
        if (std::memcmp(t.data(), it->second.data(), static_cast<size_t>(t.numel()) * sizeof(float)) != 0)
            return false;
    }
    return true;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

struct Fixture {
    Scratch scratch;
    fs::path start;      ///< a run stopped after its checkpoint at iteration 10
    fs::path reference;  ///< `start` resumed to iteration 20 without any fault
    std::vector<std::string> resume_args(const fs::path& run) const {
        return {GANTRY_CLI, "run", "--resume", run.string(), "--set", "schedule.iterations=20"};
    }

    Fixture() {
        std::ofstream(scratch.path / "crash.yaml") << "experiment: crash\n"
                                                     "seed: 5\n"
                                                     "threads: 1\n"
                                                     "data: {plugin: gaussian_mixture, layout: ring}\n"
                                                     "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
                                                     "discriminator: {plugin: mlp, hidden: [16]}\n"
                                                     "loss: {plugin: wgan_gp, lambda: 1}\n"
                                                     "schedule: {iterations: 10, batch: 32, ema: 0.9}\n"
                                                     "evaluate: {every: 5, samples: 128, metrics: [modes]}\n"
                                                     "log: {every: 2}\n"
                                                     "samples: {every: 5, grid: 16}\n"
                                                     "checkpoint: {every: 5, keep: 2}\n";
        const auto r = gantry::testing::run_all(
            {Command{{GANTRY_CLI, "run", (scratch.path / "crash.yaml").string(), "--out", (scratch.path / "s").string()},
                     scratch.path / "start.log",
                     {},
                     {}}},
            1, std::chrono::seconds(120));
        INFO(r[0].output);
        REQUIRE(r[0].exit_code == 0);
        start = fs::directory_iterator(scratch.path / "s" / "crash")->path();
        reference = scratch.path / "reference";
        fs::copy(start, reference, fs::copy_options::recursive);
        const auto ref = gantry::testing::run_all({Command{resume_args(reference), scratch.path / "ref.log", {}, {}}}, 1,
                                                  std::chrono::seconds(120));
        INFO(ref[0].output);
        REQUIRE(ref[0].exit_code == 0);
        REQUIRE(trim(slurp(reference / "checkpoints" / "latest")) == "ckpt-000000020.gck");
    }

    /// How many calls of `calls` the faultless resume makes (strace counts them).
    int count_calls(const std::string& calls) {
        const fs::path run = scratch.path / ("count-" + std::to_string(counter++));
        fs::copy(start, run, fs::copy_options::recursive);
        const fs::path trace = scratch.path / ("trace-" + std::to_string(counter++));
        std::vector<std::string> argv = {kStrace, "-f", "-qq", "-o", trace.string(), "-e", "trace=" + calls};
        for (const std::string& a : resume_args(run)) argv.push_back(a);
        const auto r = gantry::testing::run_all({Command{argv, scratch.path / "count.log", {}, {}}}, 1,
                                                std::chrono::seconds(120));
        REQUIRE(r[0].exit_code == 0);
        std::istringstream in(slurp(trace));
        int n = 0;
        for (std::string line; std::getline(in, line);)
            if (line.find("resumed>") == std::string::npos && line.find("+++") == std::string::npos &&
                line.find("---") == std::string::npos)
                ++n;
        return n;
    }
    int counter = 0;
};

struct Outcome {
    int tried = 0;
    int failures = 0;
};

/// For each N in `points`: the resume with `inject` at the Nth call, then a clean resume; checks
/// everything the file header promises. `allowed` are the exit codes the faulty run may have.
Outcome sweep(Fixture& f, const std::string& calls, const std::string& inject, const std::vector<int>& points,
              const std::vector<int>& allowed_exit, int allowed_signal) {
    std::vector<Command> faulty, clean;
    std::vector<fs::path> runs;
    for (int n : points) {
        const fs::path run = f.scratch.path / ("run-" + std::to_string(f.counter++));
        fs::copy(f.start, run, fs::copy_options::recursive);
        runs.push_back(run);
        std::vector<std::string> argv = {kStrace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + calls,
                                         "-e", "inject=" + calls + ":" + inject + ":when=" + std::to_string(n)};
        for (const std::string& a : f.resume_args(run)) argv.push_back(a);
        faulty.push_back(Command{argv, run.string() + ".faulty.log", {}, {}});
        clean.push_back(Command{f.resume_args(run), run.string() + ".clean.log", {}, {}});
    }
    const auto first = gantry::testing::run_all(faulty, 2, std::chrono::seconds(60));
    // Between the fault and the clean resume: what a crash leaves must be consistent.
    Outcome outcome;
    std::vector<bool> ok(points.size(), true);
    for (size_t i = 0; i < points.size(); ++i) {
        const fs::path& run = runs[i];
        INFO(inject << " at call " << points[i] << "\n" << first[i].output.substr(0, 3000));
        const bool exit_ok = std::find(allowed_exit.begin(), allowed_exit.end(), first[i].exit_code) != allowed_exit.end() ||
                             (first[i].signal == allowed_signal && allowed_signal != 0);
        CHECK(exit_ok);
        CHECK(!first[i].timed_out);
        // strace reports the child's death as its own exit status 128+signal.
        ok[i] = ok[i] && exit_ok && !first[i].timed_out;
        // Every checkpoint left verifies; the one committed before the fault is unchanged.
        for (const fs::path& ck : checkpoints_in(run)) {
            INFO(ck);
            CHECK(verifies(ck));
            ok[i] = ok[i] && verifies(ck);
        }
        const bool kept = fs::exists(run / "checkpoints" / "ckpt-000000010.gck") &&
                          slurp(run / "checkpoints" / "ckpt-000000010.gck") ==
                              slurp(f.start / "checkpoints" / "ckpt-000000010.gck");
        const std::string latest = trim(slurp(run / "checkpoints" / "latest"));
        const bool latest_ok = !latest.empty() && verifies(run / "checkpoints" / latest);
        CHECK(latest_ok);
        // ckpt-10 may be retired by retention (keep: 2) only once two newer ones are committed.
        const bool newer_two = fs::exists(run / "checkpoints" / "ckpt-000000015.gck") &&
                               fs::exists(run / "checkpoints" / "ckpt-000000020.gck");
        CHECK((kept || newer_two));
        ok[i] = ok[i] && latest_ok && (kept || newer_two);
        if (first[i].exit_code == 74) {
            CHECK_THAT(first[i].output, Catch::Contains("No space left on device") ||
                                            Catch::Contains("Input/output error"));
        }
    }
    const auto second = gantry::testing::run_all(clean, 2, std::chrono::seconds(60));
    for (size_t i = 0; i < points.size(); ++i) {
        const fs::path& run = runs[i];
        INFO(inject << " at call " << points[i] << "; the clean resume:\n" << second[i].output.substr(0, 3000));
        CHECK(second[i].exit_code == 0);
        const bool same = second[i].exit_code == 0 &&
                          same_tensors(run / "checkpoints" / "ckpt-000000020.gck",
                                       f.reference / "checkpoints" / "ckpt-000000020.gck") &&
                          lines_without_clock(run / "metrics.jsonl") == lines_without_clock(f.reference / "metrics.jsonl") &&
                          lines_without_clock(run / "eval.jsonl") == lines_without_clock(f.reference / "eval.jsonl") &&
                          slurp(run / "samples" / "iter-000000020.png") == slurp(f.reference / "samples" / "iter-000000020.png");
        CHECK(same);
        // No temporaries survive a finished run.
        bool no_temps = true;
        for (const auto& e : fs::recursive_directory_iterator(run))
            if (e.path().filename().string().find(".gantry-tmp.") != std::string::npos) no_temps = false;
        CHECK(no_temps);
        ok[i] = ok[i] && same && no_temps;
        ++outcome.tried;
        if (!ok[i]) ++outcome.failures;
        std::error_code ignored;
        fs::remove_all(run, ignored);
    }
    return outcome;
}

std::vector<int> points_up_to(int count) {
    const bool full = std::getenv("GANTRY_CRASH_SWEEP") && std::string(std::getenv("GANTRY_CRASH_SWEEP")) == "full";
    std::vector<int> out;
    for (int n = 1; n <= count; n += full ? 1 : 3) out.push_back(n);
    if (out.back() != count) out.push_back(count);
    return out;
}

}  // namespace

TEST_CASE("reliability: kill -9 at system calls of checkpoint commits  then resume bit for bit",
          "[.][reliability][crash]") {
    Fixture f;
    // The commit's durable steps: each rename publishes a file; each fsync makes one durable.
    for (const std::string calls : {"rename,renameat,renameat2", "fsync,fdatasync", "unlink,unlinkat"}) {
        const int count = f.count_calls(calls);
        INFO(calls << ": " << count << " calls");
        REQUIRE(count >= 1);
        const Outcome o = sweep(f, calls, "signal=SIGKILL", points_up_to(count), {137, 0}, SIGKILL);
        CHECK(o.failures == 0);
        WARN("kill -9 at " << calls << ": " << o.tried << " of " << count << " points tried  " << o.failures
                           << " failures");
    }
}

TEST_CASE("reliability: kill -9 at file-system calls of a resumed run  then resume bit for bit",
          "[.][reliability][crash]") {
    Fixture f;
    const std::string calls = "openat,write,close,mkdir";
    const int count = f.count_calls(calls);
    std::vector<int> points = points_up_to(count);
    const bool full = std::getenv("GANTRY_CRASH_SWEEP") && std::string(std::getenv("GANTRY_CRASH_SWEEP")) == "full";
    if (!full) {  // by default 16 points spread over the run
        std::vector<int> spread;
        for (int i = 1; i <= 16; ++i) spread.push_back(std::max(1, count * i / 16));
        points = spread;
    }
    // The number of calls varies a little between runs (progress output depends on timing): a
    // point past the end of this run is never reached and the run simply completes (exit 0).
    const Outcome o = sweep(f, calls, "signal=SIGKILL", points, {137, 0}, SIGKILL);
    CHECK(o.failures == 0);
    WARN("kill -9 at " << calls << ": " << o.tried << " of " << count << " points tried  " << o.failures << " failures");
}

TEST_CASE("reliability: ENOSPC and EIO at every write and fsync of a resumed run  exit 74 and nothing lost",
          "[.][reliability][crash]") {
    Fixture f;
    for (const std::string error : {"ENOSPC", "EIO"}) {
        for (const std::string calls : {"fsync,fdatasync", "rename,renameat,renameat2", "write"}) {
            const int count = f.count_calls(calls);
            std::vector<int> points = points_up_to(count);
            const bool full = std::getenv("GANTRY_CRASH_SWEEP") && std::string(std::getenv("GANTRY_CRASH_SWEEP")) == "full";
            if (!full && calls == "write") {
                std::vector<int> spread;
                for (int i = 1; i <= 12; ++i) spread.push_back(std::max(1, count * i / 12));
                points = spread;
            }
            // A failed write of a progress line to stdout is not an output of the run: exit 0 then.
            const Outcome o = sweep(f, calls, "error=" + error, points, {0, 74}, 0);
            CHECK(o.failures == 0);
            WARN(error << " at " << calls << ": " << o.tried << " of " << count << " points tried  " << o.failures
                       << " failures");
        }
    }
}
