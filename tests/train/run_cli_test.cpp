// SPDX-License-Identifier: Apache-2.0
// `gantry run` as a user runs it: the real binary, the real plugins in build/plugins, tiny
// experiments from tests/train/data, the run directory it leaves and its exit codes.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/run_dir.hpp"
#include "io/tensorboard.hpp"
#include "support/checkpoints.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

using gantry::testing::checkpoint_difference;
using gantry::testing::slurp;
using gantry::testing::lines_of;

namespace {

// ---- running the binary -------------------------------------------------------------------------

using Result = gantry::testing::ProcessResult;
using Child = gantry::testing::GantryProcess;
using gantry::testing::run_gantry;
using gantry::testing::TempDir;

std::string data(const std::string& name) {
    return std::string(GANTRY_SOURCE_DIR) + "/tests/train/data/" + name;
}

/// `gantry run FILE --out OUT [args...]`.
Result run(const std::string& file, const fs::path& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", data(file), "--out", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_gantry(args);
}

/// The run directory the binary announced ("run directory: X"), or empty.
fs::path announced_run_dir(const std::string& output) {
    const std::string key = "run directory: ";
    const size_t at = output.find(key);
    if (at == std::string::npos) return {};
    const size_t end = output.find('\n', at);
    return output.substr(at + key.size(), end - at - key.size());
}

/// The raw JSON text of `key`'s value in a flat one-line object ("done" with its quotes).
std::string json_value(const std::string& object, const std::string& key) {
    const std::string quoted = "\"" + key + "\":";
    size_t at = object.find(quoted);
    if (at == std::string::npos) return {};
    at += quoted.size();
    while (at < object.size() && object[at] == ' ') ++at;
    size_t end = at;
    if (object[at] == '"') {
        end = object.find('"', at + 1) + 1;
    } else if (object[at] == '{') {
        end = object.find('}', at) + 1;
    } else {
        while (end < object.size() && object[end] != ',' && object[end] != '}') ++end;
    }
    return object.substr(at, end - at);
}

int64_t iteration_of(const std::string& line) { return std::stoll(json_value(line, "iteration")); }

/// `line` without the field `key` (wall-clock fields differ between any two runs).
std::string without(std::string line, const std::string& key) {
    const std::string quoted = "\"" + key + "\":";
    const size_t at = line.find(quoted);
    if (at == std::string::npos) return line;
    const std::string value = json_value(line, key);
    size_t end = line.find(value, at) + value.size();
    if (end < line.size() && line[end] == ',') ++end;
    while (end < line.size() && line[end] == ' ') ++end;
    return line.erase(at, end - at);
}

std::string latest(const fs::path& run_dir) {
    std::string name = slurp(run_dir / "checkpoints" / "latest");
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
    return name;
}

/// metrics.jsonl / eval.jsonl rows past `after`, without their wall-clock fields.
std::vector<std::string> rows_after(const fs::path& file, int64_t after) {
    std::vector<std::string> out;
    for (const std::string& line : lines_of(file))
        if (iteration_of(line) > after) out.push_back(without(without(line, "it_per_s"), "seconds"));
    return out;
}

std::vector<int64_t> iterations_in(const fs::path& file) {
    std::vector<int64_t> out;
    for (const std::string& line : lines_of(file)) out.push_back(iteration_of(line));
    return out;
}

bool all_finite(const fs::path& checkpoint) {
    for (const auto& [name, t] : gantry::io::read_checkpoint(checkpoint).tensors) {
        if (name.rfind("rng.", 0) == 0 || name.rfind("trainer.", 0) == 0) continue;  // bit patterns
        for (int64_t i = 0; i < t.numel(); ++i)
            if (!std::isfinite(t.data()[i])) return false;
    }
    return true;
}

}  // namespace

// ---- a whole run ---------------------------------------------------------------------------------

TEST_CASE("gantry run: a finished run leaves its whole run directory and exits 0", "[train][cli]") {
    TempDir out;
    const Result r = run("tiny.yaml", out.path);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const fs::path dir = announced_run_dir(r.output);
    REQUIRE(!dir.empty());
    CHECK(dir.parent_path() == out.path / "tiny-ring");
    CHECK_THAT(r.output, Contains("done: " + dir.string()));

    // The resolved experiment: every default written out, and enough alone to validate.
    const std::string yaml = slurp(dir / "experiment.yaml");
    CHECK_THAT(yaml, Contains("experiment: tiny-ring") && Contains("seed: 3") && Contains("iterations: 40"));
    CHECK(run_gantry({"validate", (dir / "experiment.yaml").string()}).exit_code == 0);

    const std::string manifest = slurp(dir / "manifest.json");
    for (const char* plugin : {"\"gaussian_mixture\"", "\"mlp\"", "\"nonsaturating\"", "\"mixture_metrics\""})
        CHECK_THAT(manifest, Contains(plugin));
    CHECK_THAT(manifest, Contains("\"config_hash\"") && Contains("\"threads\":1"));

    // log.every 10 over 40 iterations: one row each, with both steps' losses and grad norms.
    CHECK(iterations_in(dir / "metrics.jsonl") == std::vector<int64_t>{10, 20, 30, 40});
    const std::string row = lines_of(dir / "metrics.jsonl").back();
    for (const char* key : {"d/real", "d/fake", "d/total", "d/grad_norm", "g/fake", "g/grad_norm", "it_per_s"})
        CHECK(!json_value(row, key).empty());

    CHECK(iterations_in(dir / "eval.jsonl") == std::vector<int64_t>{20, 40});
    const std::string eval = lines_of(dir / "eval.jsonl").back();
    for (const char* key : {"modes", "high_quality", "kl_modes"}) CHECK(!json_value(eval, key).empty());

    for (const char* png : {"iter-000000020.png", "iter-000000040.png"}) {
        INFO(png);
        REQUIRE(fs::exists(dir / "samples" / png));
        CHECK(slurp(dir / "samples" / png).substr(1, 3) == "PNG");
    }

    CHECK(latest(dir) == "ckpt-000000040.gck");
    CHECK(fs::exists(dir / "checkpoints" / "ckpt-000000020.gck"));
    const gantry::io::CheckpointData ck = gantry::io::read_checkpoint(dir / "checkpoints" / "ckpt-000000040.gck");
    CHECK_THAT(ck.metadata_json, Contains("\"iteration\":40"));
    CHECK(ck.tensors.count("trainer.iteration") == 1);

    const std::string summary = slurp(dir / "summary.json");
    CHECK(json_value(summary, "status") == "\"done\"");
    CHECK(json_value(summary, "iterations") == "40");
    CHECK_THAT(summary, Contains("\"modes\""));
}

// ---- resume --------------------------------------------------------------------------------------

TEST_CASE("gantry run: a resumed run continues bit for bit", "[train][cli][resume]") {
    // A decaying learning rate depends on schedule.iterations, which this resume changes: the
    // split run is compared with a straight run at a constant rate (the crash test below keeps
    // the linear schedule).
    const std::vector<std::string> constant = {"--set", "optimizers.discriminator.schedule={type: constant}"};
    TempDir straight_out, split_out;
    auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> all = constant;
        all.insert(all.end(), more.begin(), more.end());
        return all;
    };
    const Result straight = run("resume.yaml", straight_out.path, constant);
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    const fs::path a = announced_run_dir(straight.output);

    const Result first = run("resume.yaml", split_out.path, with({"--set", "schedule.iterations=20"}));
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    const fs::path b = announced_run_dir(first.output);
    REQUIRE(latest(b) == "ckpt-000000020.gck");
    const double first_wall_time = std::stod(json_value(slurp(b / "summary.json"), "wall_time_s"));
    const Result second =
        run("resume.yaml", split_out.path, with({"--set", "schedule.iterations=40", "--resume", b.string()}));
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    CHECK_THAT(second.output, Contains("resuming " + b.string() + " from iteration 20"));
    CHECK(latest(b) == "ckpt-000000040.gck");
    CHECK(json_value(slurp(b / "summary.json"), "status") == "\"done\"");
    CHECK_THAT(slurp(b / "experiment.yaml"), Contains("iterations: 40"));
    // The checkpoints carry the run's wall time, so summary.json's (and eval_share) covers both
    // segments, as eval_seconds does.
    auto wall_time_at = [&](const char* ck) {
        return std::stod(json_value(gantry::io::read_checkpoint(b / "checkpoints" / ck).metadata_json, "wall_time_s"));
    };
    const double at20 = wall_time_at("ckpt-000000020.gck"), at40 = wall_time_at("ckpt-000000040.gck");
    CHECK(at20 > 0);
    CHECK(at20 <= first_wall_time);
    CHECK(at40 > at20);
    const std::string summary = slurp(b / "summary.json");
    CHECK(std::stod(json_value(summary, "wall_time_s")) >= at40);
    CHECK(std::stod(json_value(summary, "eval_share")) < 1.0);

    for (const char* ck : {"ckpt-000000020.gck", "ckpt-000000030.gck", "ckpt-000000040.gck"}) {
        INFO(ck);
        CHECK(checkpoint_difference(a / "checkpoints" / ck, b / "checkpoints" / ck).empty());
    }
    CHECK(rows_after(a / "metrics.jsonl", 20) == rows_after(b / "metrics.jsonl", 20));
    CHECK(rows_after(b / "metrics.jsonl", 20).size() == 4);
    CHECK(rows_after(a / "eval.jsonl", 20) == rows_after(b / "eval.jsonl", 20));
    CHECK_THAT(second.output, !Contains("learning-rate schedule"));
    // Every row once: the first part of the split run is not repeated.
    CHECK(iterations_in(b / "metrics.jsonl") == iterations_in(a / "metrics.jsonl"));
    CHECK(slurp(a / "samples" / "iter-000000040.png") == slurp(b / "samples" / "iter-000000040.png"));
}

TEST_CASE("gantry run: resuming after a crash continues bit for bit and logs each iteration once",
          "[train][cli][resume]") {
    // A crash after checkpoint 20 and before checkpoint 30: the rows 21..29 are already in the
    // logs but no checkpoint holds their state. Simulated by a finished run whose checkpoints past
    // 20 are removed, `latest` included, so that the resume must fall back to checkpoint 20.
    TempDir out, copy_out;
    const Result straight = run("resume.yaml", out.path);
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    const fs::path a = announced_run_dir(straight.output);
    const fs::path b = copy_out.path / "crashed";
    fs::copy(a, b, fs::copy_options::recursive);
    for (const char* ck : {"ckpt-000000030.gck", "ckpt-000000040.gck", "latest"})
        fs::remove(b / "checkpoints" / ck);
    // The crash interrupted the last append half-way.
    std::ofstream(b / "metrics.jsonl", std::ios::app) << "{\"iteration\": 4";
    std::ofstream(b / "summary.json", std::ios::trunc) << "{\"status\": \"running\"}\n";

    const Result resumed = run_gantry({"run", "--resume", b.string()});
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK_THAT(resumed.output, Contains("from iteration 20"));
    CHECK(checkpoint_difference(a / "checkpoints" / "ckpt-000000040.gck", b / "checkpoints" / "ckpt-000000040.gck")
              .empty());
    CHECK(iterations_in(b / "metrics.jsonl") == iterations_in(a / "metrics.jsonl"));
    CHECK(iterations_in(b / "eval.jsonl") == iterations_in(a / "eval.jsonl"));
    CHECK(rows_after(a / "metrics.jsonl", 0) == rows_after(b / "metrics.jsonl", 0));
    CHECK(json_value(slurp(b / "summary.json"), "status") == "\"done\"");
    // TensorBoard: the first run's event file was cut back to the checkpoint (nothing past 20
    // is left in it to cut), and the resumed run wrote its own.
    std::vector<fs::path> events;
    for (const fs::directory_entry& e : fs::directory_iterator(b / "tensorboard")) events.push_back(e.path());
    std::sort(events.begin(), events.end());
    REQUIRE(events.size() == 2);
    const fs::path original = fs::exists(a / "tensorboard" / events[0].filename()) ? events[0] : events[1];
    CHECK(fs::file_size(original) < fs::file_size(a / "tensorboard" / original.filename()));
    CHECK(gantry::io::drop_events_after(original, 20) == 0);
}

TEST_CASE("gantry run: a resume whose configuration drifted is refused with exit 2", "[train][cli][resume]") {
    TempDir out;
    const Result first = run("tiny.yaml", out.path, {"--set", "schedule.iterations=20"});
    REQUIRE(first.exit_code == 0);
    const fs::path dir = announced_run_dir(first.output);
    const std::string checkpoint_before = slurp(dir / "checkpoints" / "ckpt-000000020.gck");
    const std::string yaml_before = slurp(dir / "experiment.yaml");

    const Result r = run("tiny.yaml", out.path, {"--set", "loss.plugin=hinge", "--resume", dir.string()});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("--resume: the configuration differs") && Contains("nonsaturating") &&
                             Contains("hinge"));
    // A refused resume changes nothing in the run directory.
    CHECK(slurp(dir / "experiment.yaml") == yaml_before);
    CHECK(slurp(dir / "checkpoints" / "ckpt-000000020.gck") == checkpoint_before);
    CHECK(latest(dir) == "ckpt-000000020.gck");

    // Lengthening a decaying schedule is allowed, but it cannot match any straight run: said.
    {
        TempDir other;
        const Result short_run = run("resume.yaml", other.path, {"--set", "schedule.iterations=10"});
        REQUIRE(short_run.exit_code == 0);
        const Result longer = run_gantry({"run", "--resume", announced_run_dir(short_run.output).string(),
                                          "--set", "schedule.iterations=15"});
        CHECK(longer.exit_code == 0);
        CHECK_THAT(longer.output, Contains("warning: the learning-rate schedule decays") &&
                                      Contains("now 15 instead of 10"));
    }

    const Result seed = run("tiny.yaml", out.path, {"--set", "seed=4", "--resume", dir.string()});
    CHECK(seed.exit_code == 2);
    CHECK_THAT(seed.output, Contains("seed: 3") && Contains("seed: 4"));
    CHECK(slurp(dir / "experiment.yaml") == yaml_before);

    // Only a longer (or equal) schedule: a shorter one would leave a "done" run past its end.
    const Result shorter = run_gantry({"run", "--resume", dir.string(), "--set", "schedule.iterations=10"});
    INFO(shorter.output);
    CHECK(shorter.exit_code == 2);
    CHECK_THAT(shorter.output, Contains("checkpoint is at iteration 20 but schedule.iterations is 10"));
    CHECK(slurp(dir / "experiment.yaml") == yaml_before);
}

TEST_CASE("gantry run: a data file named relative to the experiment is found again by --resume",
          "[train][cli][resume]") {
    // The run's experiment.yaml holds the path absolute, so the resume (which reads that file,
    // from the run directory) and a copy of the file elsewhere name the same data.
    TempDir dir;
    fs::create_directories(dir.path / "data");
    {
        std::ofstream idx(dir.path / "data" / "points.idx", std::ios::binary);
        idx << std::string("\0\0\x08\x01\0\0\0\x80", 8);  // unsigned bytes, rank 1, 128 values
        for (int i = 0; i < 128; ++i) idx << static_cast<char>(i * 2);
    }
    std::string yaml = slurp(data("tiny.yaml"));
    const std::string ring = "data: {plugin: gaussian_mixture, layout: ring}";
    REQUIRE(yaml.find(ring) != std::string::npos);
    yaml.replace(yaml.find(ring), ring.size(),
                 "plugins: [" GANTRY_TEST_PLUGIN_DIR "/file_dataset]\n"
                 "data: {plugin: file_dataset, idx: data/points.idx}");
    std::ofstream(dir.path / "relative.yaml") << yaml;

    const Result first = run_gantry({"run", (dir.path / "relative.yaml").string(), "--out", (dir.path / "out").string(),
                                     "--set", "schedule.iterations=20", "--set", "evaluate.metrics=[]"});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    const fs::path run_dir = announced_run_dir(first.output);
    CHECK_THAT(slurp(run_dir / "experiment.yaml"),
               Contains("idx: " + (dir.path / "data" / "points.idx").string()));
    const Result resumed = run_gantry({"run", "--resume", run_dir.string(), "--set", "schedule.iterations=40"});
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
    CHECK(latest(run_dir) == "ckpt-000000040.gck");
}

TEST_CASE("gantry run: evaluate.options reaches the metric plugin and is kept for --resume", "[train][cli][resume]") {
    TempDir out;
    // high_quality counts samples within `threshold` standard deviations of a mode: none within
    // 0, all within a million (high_quality is a percentage).
    std::map<std::string, fs::path> dirs;
    for (const char* threshold : {"0", "1000000"}) {
        const Result r = run("tiny.yaml", out.path,
                             {"--set", std::string("evaluate.options.mixture_metrics.threshold=") + threshold,
                              "--set", "schedule.iterations=20"});
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        dirs[threshold] = announced_run_dir(r.output);
    }
    CHECK_THAT(slurp(dirs["0"] / "experiment.yaml"),
               Contains("\n  options:\n    mixture_metrics:\n      threshold: 0.0\n"));
    CHECK(std::stod(json_value(lines_of(dirs["0"] / "eval.jsonl").back(), "high_quality")) == 0.0);
    CHECK(std::stod(json_value(lines_of(dirs["1000000"] / "eval.jsonl").back(), "high_quality")) == 100.0);

    const Result resumed = run_gantry({"run", "--resume", dirs["0"].string(), "--set", "schedule.iterations=40"});
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
    CHECK(std::stod(json_value(lines_of(dirs["0"] / "eval.jsonl").back(), "high_quality")) == 0.0);

    const Result unused = run("tiny.yaml", out.path, {"--set", "evaluate.metrics=[]", "--set",
                                                      "evaluate.options.mixture_metrics.threshold=2"});
    CHECK(unused.exit_code == 2);
    CHECK_THAT(unused.output, Contains("evaluate.options.mixture_metrics: no metric of evaluate.metrics comes from "
                                       "plugin 'mixture_metrics'"));
}

TEST_CASE("gantry run: runs of one experiment started together get their own run directories",
          "[train][cli]") {
    // Run ids have second resolution; started side by side, these usually share one.
    TempDir out;
    Child a({"run", data("tiny.yaml"), "--out", out.str(), "--set", "schedule.iterations=5"});
    Child b({"run", data("tiny.yaml"), "--out", out.str(), "--set", "schedule.iterations=5"});
    Child c({"run", data("tiny.yaml"), "--out", out.str(), "--set", "schedule.iterations=5"});
    const Result ra = a.finish(), rb = b.finish(), rc = c.finish();
    INFO(ra.output << rb.output << rc.output);
    CHECK(ra.exit_code == 0);
    CHECK(rb.exit_code == 0);
    CHECK(rc.exit_code == 0);
    const fs::path da = announced_run_dir(ra.output), db = announced_run_dir(rb.output),
                   dc = announced_run_dir(rc.output);
    CHECK(da != db);
    CHECK(db != dc);
    CHECK(da != dc);
    for (const fs::path& d : {da, db, dc}) CHECK(json_value(slurp(d / "summary.json"), "status") == "\"done\"");
}

TEST_CASE("gantry run: a run directory in use by another process is refused with exit 74",
          "[train][cli][resume]") {
    TempDir out;
    const Result first = run("tiny.yaml", out.path, {"--set", "schedule.iterations=20"});
    REQUIRE(first.exit_code == 0);
    const fs::path dir = announced_run_dir(first.output);
    {
        // This test process is "the other run": the lock is per open file description.
        const gantry::io::RunLock held(dir);
        const Result r = run_gantry({"run", "--resume", dir.string()});
        INFO(r.output);
        CHECK(r.exit_code == 74);
        CHECK_THAT(r.output, Contains("in use by pid " + std::to_string(::getpid())));
        CHECK(latest(dir) == "ckpt-000000020.gck");
    }
    // Once the holder is gone a resume goes through. Without a FILE the run's own
    // experiment.yaml is the experiment, and --set still applies to it.
    const Result again = run_gantry({"run", "--resume", dir.string(), "--set", "schedule.iterations=30"});
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK(latest(dir) == "ckpt-000000030.gck");
    CHECK(json_value(slurp(dir / "summary.json"), "iterations") == "30");
}

// ---- exit codes ----------------------------------------------------------------------------------

namespace {
bool empty_dir(const fs::path& p) { return fs::is_directory(p) && fs::directory_iterator(p) == fs::directory_iterator(); }
}  // namespace

TEST_CASE("gantry run: a bad experiment is exit 2 and nothing is written", "[train][cli][exit]") {
    TempDir out;
    const Result unknown = run("tiny.yaml", out.path, {"--set", "schedule.iterationz=5"});
    INFO(unknown.output);
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.output, Contains("iterationz") && Contains("did you mean 'iterations'"));

    const Result option = run("tiny.yaml", out.path, {"--set", "loss.lambda=3"});
    INFO(option.output);
    CHECK(option.exit_code == 2);
    CHECK_THAT(option.output, Contains("loss.lambda"));

    const Result no_file = run_gantry({"run", "--out", out.str()});
    CHECK(no_file.exit_code == 2);
    CHECK_THAT(no_file.output, Contains("give an experiment FILE, or --resume RUN_DIR"));

    const Result not_a_run = run_gantry({"run", "--resume", out.str()});
    CHECK(not_a_run.exit_code == 2);
    CHECK_THAT(not_a_run.output, Contains("no experiment.yaml there"));
    CHECK(empty_dir(out.path));
}

TEST_CASE("gantry run: a plugin that cannot be found or loaded is exit 3", "[train][cli][exit]") {
    TempDir out;
    const Result missing_dir = run("tiny.yaml", out.path, {"--set", "plugins=[" + out.str() + "/no-such-dir]"});
    INFO(missing_dir.output);
    CHECK(missing_dir.exit_code == 3);
    CHECK_THAT(missing_dir.output, Contains("no-such-dir"));
    CHECK(empty_dir(out.path));
}

TEST_CASE("gantry run: batch norm in a critic under a gradient penalty is refused with exit 2",
          "[train][cli][exit]") {
    TempDir out;
    for (const char* loss : {"wgan_gp", "r1"}) {
        INFO(loss);
        const Result r = run("tiny.yaml", out.path,
                             {"--set", std::string("loss.plugin=") + loss, "--set", "discriminator.norm=batch"});
        INFO(r.output);
        CHECK(r.exit_code == 2);
        // Names the file, the section and what to write instead.
        CHECK_THAT(r.output, Contains("tiny.yaml") && Contains("discriminator") &&
                                 Contains("norm: batch") && Contains("layer"));
        CHECK(empty_dir(out.path));
    }
}

/// tiny.yaml's run with the test plugins of `plugin_case` on the search path and `sections`
/// (YAML lines) in place of the generator, discriminator and loss; written into `dir`.
fs::path experiment_with(const fs::path& dir, const std::string& plugin_case, const std::string& sections) {
    const fs::path file = dir / (plugin_case + ".yaml");
    std::ofstream(file) << "experiment: " << plugin_case << "\nseed: 3\nthreads: 1\n"
                        << "plugins: [" << GANTRY_TEST_PLUGIN_DIR << "/" << plugin_case << "]\n"
                        << "data: {plugin: gaussian_mixture, layout: ring}\n" << sections
                        << "schedule: {iterations: 4, batch: 16}\nlog: {every: 2}\n";
    return file;
}

TEST_CASE("gantry validate and gantry run: batch norm in a critic under a gradient penalty is exit 2",
          "[train][cli][exit]") {
    TempDir dir, out;
    const std::string networks =
        "generator: {plugin: bn_critic, latent: 4}\ndiscriminator: {plugin: bn_critic}\n";
    for (const char* loss : {"wgan_gp", "r1"}) {
        INFO(loss);
        const fs::path file = experiment_with(dir.path, "bn_critic", networks + "loss: {plugin: " + loss + "}\n");
        for (const char* command : {"validate", "run"}) {
            INFO(command);
            std::vector<std::string> args = {command, file.string()};
            if (std::string(command) == "run") args.insert(args.end(), {"--out", out.str()});
            const Result r = run_gantry(args);
            INFO(r.output);
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.output, Contains("bn_critic.yaml: discriminator: batch normalisation in a critic") &&
                                     Contains(std::string("loss '") + loss + "'") && Contains("layer normalisation"));
            CHECK(empty_dir(out.path));
        }
    }
    // The same networks under a loss without a penalty are fine: the refusal is the penalty's.
    const fs::path plain = experiment_with(dir.path, "bn_critic", networks + "loss: {plugin: nonsaturating}\n");
    const Result ok = run_gantry({"validate", plain.string()});
    INFO(ok.output);
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.output, Contains("plugin: bn_critic"));
}

TEST_CASE("gantry validate: an architecture that refuses its options is exit 2 naming the section",
          "[train][cli][exit]") {
    const Result r = run_gantry({"validate", data("tiny.yaml"), "--set", "discriminator.norm=batch"});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("tiny.yaml:7:25: discriminator.plugin: plugin 'mlp' cannot build") && Contains("norm: batch"));
}

TEST_CASE("gantry run and gantry validate: a plugin that refuses its options is exit 3 naming it",
          "[train][cli][exit]") {
    TempDir dir, out;
    const fs::path file = experiment_with(
        dir.path, "throwing_factory",
        "generator: {plugin: mlp, latent: 4, hidden: [8]}\ndiscriminator: {plugin: mlp, hidden: [8]}\n"
        "loss: {plugin: throwing_factory}\n");
    for (const char* command : {"run", "validate"}) {
        INFO(command);
        std::vector<std::string> args = {command, file.string()};
        if (std::string(command) == "run") args.insert(args.end(), {"--out", out.str()});
        const Result r = run_gantry(args);
        INFO(r.output);
        CHECK(r.exit_code == 3);
        // The plugin by name, and its own reason.
        CHECK_THAT(r.output, Contains("throwing_factory") && Contains("bad option 'x'"));
        CHECK(empty_dir(out.path));
    }
}

TEST_CASE("gantry run: an output that cannot be written is exit 74", "[train][cli][exit]") {
    TempDir out;
    std::ofstream(out.path / "a-file") << "not a directory\n";
    const Result r = run("tiny.yaml", out.path / "a-file" / "runs");
    INFO(r.output);
    CHECK(r.exit_code == 74);
    CHECK_THAT(r.output, Contains("a-file"));

    // /proc refuses new directories even to root.
    const Result proc = run("tiny.yaml", "/proc/gantry-test-out");
    INFO(proc.output);
    CHECK(proc.exit_code == 74);
}

TEST_CASE("gantry run: a diverging run is exit 5 and keeps only finite checkpoints", "[train][cli][exit]") {
    TempDir out;
    // SGD at a huge rate on the least-squares loss: the weights grow geometrically and overflow
    // after a few iterations, later than the first checkpoint.
    const Result r = run("diverge.yaml", out.path);
    INFO(r.output);
    REQUIRE(r.exit_code == 5);
    const fs::path dir = out.path / "diverge-ring";
    REQUIRE(fs::is_directory(dir));
    const fs::path run_dir = fs::directory_iterator(dir)->path();
    const std::string summary = slurp(run_dir / "summary.json");
    CHECK(json_value(summary, "status") == "\"diverged\"");
    CHECK_THAT(r.output, Contains("training diverged at iteration ") && Contains(", step "));
    CHECK_THAT(json_value(summary, "message"), Contains("training diverged at iteration "));
    const std::vector<std::pair<uint64_t, fs::path>> kept = [&] {
        std::vector<std::pair<uint64_t, fs::path>> v;
        for (const auto& e : fs::directory_iterator(run_dir / "checkpoints"))
            if (e.path().extension() == ".gck") v.push_back({std::stoull(e.path().stem().string().substr(5)), e.path()});
        std::sort(v.begin(), v.end());
        return v;
    }();
    REQUIRE(!kept.empty());
    for (const auto& [it, path] : kept) {
        INFO(path);
        CHECK(all_finite(path));
    }
    // The message names the iteration right after the last good checkpoint (checkpoint.every 1).
    CHECK_THAT(r.output, Contains("training diverged at iteration " + std::to_string(kept.back().first + 1) + ","));
    CHECK(latest(run_dir) == kept.back().second.filename().string());
}

TEST_CASE("gantry run: SIGINT or SIGTERM saves a checkpoint and exits 130  and the run resumes",
          "[train][cli][signal]") {
    const int signal = GENERATE(SIGINT, SIGTERM);
    INFO("signal " << signal);
    TempDir out;
    // Far more iterations than it will get: the signal comes first.
    Child child({"run", data("tiny.yaml"), "--out", out.str(), "--set", "schedule.iterations=100000000",
                 "--set", "checkpoint.every=0", "--set", "log.every=1000000"});
    // The signal arrives right after the announcement: the handler must already be in place.
    REQUIRE(child.read_until("run directory: "));
    REQUIRE(child.read_until("\n"));
    const fs::path dir = announced_run_dir(child.output());
    ::kill(child.pid(), signal);
    const Result r = child.finish();
    INFO(r.output);
    REQUIRE(r.exit_code == 130);
    CHECK_THAT(r.output, Contains("interrupted: checkpoint saved at iteration"));
    CHECK_THAT(r.output, Contains("gantry run --resume " + dir.string()));
    const std::string name = latest(dir);
    REQUIRE(name.rfind("ckpt-", 0) == 0);
    const int64_t at = std::stoll(name.substr(5, 9));
    CHECK(at >= 1);
    const std::string summary = slurp(dir / "summary.json");
    CHECK(json_value(summary, "status") == "\"interrupted\"");
    CHECK(json_value(summary, "iterations") == std::to_string(at));

    const Result resumed = run_gantry({"run", "--resume", dir.string(), "--set",
                                   "schedule.iterations=" + std::to_string(at + 3)});
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
    CHECK_THAT(resumed.output, Contains("from iteration " + std::to_string(at)));
    CHECK(json_value(slurp(dir / "summary.json"), "status") == "\"done\"");
    CHECK(latest(dir) == gantry::io::checkpoint_file_name(static_cast<uint64_t>(at + 3)));
}

TEST_CASE("gantry run: early stopping counts its patience across a resume", "[train][cli][resume]") {
    // The bound: kl_modes <= 100 always holds: evaluations at 10 20 30 meet it and patience 3
    // stops at 30. The plateau: no value beats the first (10) by more than 1e9, so 20 and 30 are
    // two evaluations without improvement and patience 2 stops at 30 too. Split at 20, the
    // resumed run must remember the count (and the plateau's best) from eval.jsonl.
    const std::string rule = GENERATE(as<std::string>{}, "{metric: kl_modes, at_most: 100, patience: 3}",
                                      "{metric: kl_modes, min_delta: 1.0e9, patience: 2}");
    INFO(rule);
    const std::vector<std::string> common = {
        "--set", "optimizers.discriminator.schedule={type: constant}",
        "--set", "evaluate.stop_when=" + rule};
    auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), common.begin(), common.end());
        return more;
    };
    TempDir out_a, out_b;
    const Result straight = run("resume.yaml", out_a.path, common);
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    const fs::path a = announced_run_dir(straight.output);
    CHECK(json_value(slurp(a / "summary.json"), "status") == "\"stopped\"");
    CHECK(json_value(slurp(a / "summary.json"), "iterations") == "30");

    const Result first = run("resume.yaml", out_b.path, with({"--set", "schedule.iterations=20"}));
    REQUIRE(first.exit_code == 0);
    const fs::path b = announced_run_dir(first.output);
    const Result second = run_gantry({"run", "--resume", b.string(), "--set", "schedule.iterations=40"});
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    CHECK(json_value(slurp(b / "summary.json"), "status") == "\"stopped\"");
    CHECK(json_value(slurp(b / "summary.json"), "iterations") == "30");
    CHECK(latest(b) == "ckpt-000000030.gck");
    CHECK(checkpoint_difference(a / "checkpoints" / "ckpt-000000030.gck", b / "checkpoints" / "ckpt-000000030.gck")
              .empty());
    // Resumed again, even with a longer schedule, a stopped run stays stopped and its summary
    // keeps its metrics.
    const Result again = run_gantry({"run", "--resume", b.string(), "--set", "schedule.iterations=40"});
    INFO(again.output);
    CHECK(again.exit_code == 0);
    const std::string summary = slurp(b / "summary.json");
    CHECK(json_value(summary, "status") == "\"stopped\"");
    CHECK(json_value(summary, "iterations") == "30");
    CHECK(!json_value(json_value(summary, "metrics"), "kl_modes").empty());
    CHECK(latest(b) == "ckpt-000000030.gck");
}

TEST_CASE("gantry run: a resume may change the stop rule and then runs as a straight run with that rule",
          "[train][cli][resume]") {
    // Patience 2 on a plateau no value can beat stops at 30. Resumed with patience 4, the rule is
    // replayed over 10..30 (two without improvement) and two more are needed: it stops at 50,
    // as a straight run with patience 4 does, bit for bit.
    auto rule = [](int patience) {
        return "evaluate.stop_when={metric: kl_modes, min_delta: 1.0e9, patience: " + std::to_string(patience) + "}";
    };
    const std::vector<std::string> constant = {"--set", "optimizers.discriminator.schedule={type: constant}",
                                               "--set", "schedule.iterations=60"};
    auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), constant.begin(), constant.end());
        return more;
    };
    TempDir out_a, out_b;
    const Result straight = run("resume.yaml", out_a.path, with({"--set", rule(4)}));
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    const fs::path a = announced_run_dir(straight.output);
    REQUIRE(json_value(slurp(a / "summary.json"), "iterations") == "50");

    const Result first = run("resume.yaml", out_b.path, with({"--set", rule(2)}));
    REQUIRE(first.exit_code == 0);
    const fs::path b = announced_run_dir(first.output);
    REQUIRE(json_value(slurp(b / "summary.json"), "status") == "\"stopped\"");
    REQUIRE(json_value(slurp(b / "summary.json"), "iterations") == "30");

    const Result second = run_gantry({"run", "--resume", b.string(), "--set", rule(4)});
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    CHECK_THAT(second.output, Contains("evaluate.stop_when differs from the run's"));
    CHECK(json_value(slurp(b / "summary.json"), "status") == "\"stopped\"");
    CHECK(json_value(slurp(b / "summary.json"), "iterations") == "50");
    CHECK_THAT(slurp(b / "experiment.yaml"), Contains("patience: 4"));
    CHECK(checkpoint_difference(a / "checkpoints" / "ckpt-000000050.gck", b / "checkpoints" / "ckpt-000000050.gck")
              .empty());
    CHECK(rows_after(a / "eval.jsonl", 0) == rows_after(b / "eval.jsonl", 0));

    // Anything else in evaluate still may not change.
    const Result other = run_gantry({"run", "--resume", b.string(), "--set", "evaluate.every=5"});
    CHECK(other.exit_code == 2);
    CHECK_THAT(other.output, Contains("only a longer schedule.iterations and evaluate.stop_when may change"));
}

TEST_CASE("gantry run and gantry sample: checkpoints that all fail verification are exit 4",
          "[train][cli][exit]") {
    TempDir out;
    const Result first = run("tiny.yaml", out.path);
    REQUIRE(first.exit_code == 0);
    const fs::path dir = announced_run_dir(first.output);
    // Flip one byte in the middle of every checkpoint: none verifies any more.
    for (const auto& entry : fs::directory_iterator(dir / "checkpoints")) {
        if (entry.path().extension() != ".gck") continue;
        std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(static_cast<std::streamoff>(fs::file_size(entry.path()) / 2));
        char byte = 0;
        f.read(&byte, 1);
        byte = static_cast<char>(byte ^ 0x5a);
        f.seekp(static_cast<std::streamoff>(fs::file_size(entry.path()) / 2));
        f.write(&byte, 1);
    }
    const Result resumed = run_gantry({"run", "--resume", dir.string()});
    INFO(resumed.output);
    CHECK(resumed.exit_code == 4);
    CHECK_THAT(resumed.output, Contains("corrupt"));
    const Result sampled = run_gantry({"sample", dir.string()});
    CHECK(sampled.exit_code == 4);
}

TEST_CASE("gantry sample: PNG and raw values from a run's newest checkpoint", "[train][cli]") {
    TempDir out;
    const Result first = run("tiny.yaml", out.path);
    REQUIRE(first.exit_code == 0);
    const fs::path dir = announced_run_dir(first.output);
    const fs::path csv = out.path / "points.csv";
    const Result r = run_gantry({"sample", dir.string(), "-n", "10", "--format", "csv", "--out", csv.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // A header row, then one row per sample.
    CHECK(lines_of(csv).size() == 11);
    CHECK(lines_of(csv).front() == "x,y");
    // The same seed draws the same samples; another seed draws others.
    const fs::path again = out.path / "again.csv", other = out.path / "other.csv";
    CHECK(run_gantry({"sample", dir.string(), "-n", "10", "--format", "csv", "--out", again.string()}).exit_code == 0);
    CHECK(run_gantry({"sample", dir.string(), "-n", "10", "--format", "csv", "--seed", "5", "--out", other.string()}).exit_code == 0);
    CHECK(slurp(again) == slurp(csv));
    CHECK(slurp(other) != slurp(csv));
    const Result png = run_gantry({"sample", dir.string(), "--interpolate"});
    CHECK(png.exit_code == 0);
    CHECK(run_gantry({"sample", dir.string(), "--format", "gif"}).exit_code == 2);
}
