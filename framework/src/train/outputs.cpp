// SPDX-License-Identifier: Apache-2.0
#include "train/outputs.hpp"

#include <cstdio>
#include <optional>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/json.hpp"
#include "gantry/threads.hpp"
#include "train/run.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

io::RunDir create_run_directory(const RunRequest& request, const std::string& experiment) {
    if (!request.run_id.empty()) return io::create_run_dir(request.out_dir, experiment, request.run_id);
    // Run ids have second resolution: two runs of one experiment started within the same second
    // (a script launching seeds side by side) would collide and the second one fail. The loser
    // of the mkdir race takes the next free suffix instead.
    const std::string base_id = io::make_run_id();
    for (int attempt = 1;; ++attempt) {
        const std::string id = attempt == 1 ? base_id : base_id + "-" + std::to_string(attempt);
        try {
            return io::create_run_dir(request.out_dir, experiment, id);
        } catch (const OutputError&) {
            if (attempt >= 100 || !fs::is_directory(fs::path(request.out_dir) / experiment / id)) throw;
        }
    }
}

io::RunDir reopen_run_directory(const fs::path& dir) {
    io::RunDir opened = io::open_run_dir(dir);
    // A killed writer leaves its temporary wherever it was writing (checkpoints/, samples/, the
    // event files): the lock is ours, so every temporary in the run is stale.
    io::remove_stale_temps(dir);
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (entry.is_directory()) io::remove_stale_temps(entry.path());
    io::truncate_to_last_line(dir / "metrics.jsonl");
    io::truncate_to_last_line(dir / "eval.jsonl");
    return opened;
}

std::string checkpoint_metadata(const config::ExperimentSpec& spec, int64_t iteration,
                                std::optional<int64_t> inexact_since, double wall_time_s) {
    io::JsonLine line;
    line.add("iteration", iteration)
        .add("config_hash", spec.config_hash)
        .add("threads", num_threads())
        .add("cpu_isa", cpu_isa())
        .add("experiment", spec.experiment)
        .add("schedule_position", "end of iteration");
    if (inexact_since) line.add("inexact_since", *inexact_since);
    line.add("wall_time_s", wall_time_s);
    return line.str();
}

void write_summary(const fs::path& dir, const RunSummary& s) {
    io::JsonLine line;
    line.add("status", s.status).add("iterations", s.iterations).add("wall_time_s", s.wall_time_s)
        .add("it_per_s", s.it_per_s)
        // What evaluation cost, so that it can be kept small beside training.
        .add("eval_seconds", s.eval_seconds)
        .add("eval_share", s.wall_time_s > 0 ? s.eval_seconds / s.wall_time_s : 0.0);
    io::JsonLine m;
    for (const auto& [k, v] : s.metrics) m.add(k, v);
    line.add_raw("metrics", m.str());
    if (!s.message.empty()) line.add("message", s.message);
    if (s.inexact_since) line.add("inexact_since", *s.inexact_since);
    io::atomic_write(dir / "summary.json", line.str() + "\n");
}

namespace {

std::string manifest_json(const config::ExperimentSpec& spec, const std::vector<plugin::UsedPlugin>& used) {
    std::string list = "[";
    for (const plugin::UsedPlugin& p : used) {
        io::JsonLine one;
        one.add("kind", plugin::to_string(p.kind)).add("name", p.name).add("version", p.version)
            .add("path", p.path).add("fingerprint", p.fingerprint);
        list += (list.size() > 1 ? ", " : "") + one.str();
    }
    io::JsonLine manifest;
    manifest.add_raw("plugins", list + "]").add("config_hash", spec.config_hash)
        .add("threads", num_threads()).add("cpu_isa", cpu_isa());
    return manifest.str() + "\n";
}

/// Written before the logs are opened: a run directory always names its configuration.
fs::path write_identity(const fs::path& dir, const config::ExperimentSpec& spec,
                        const std::vector<plugin::UsedPlugin>& used) {
    io::atomic_write(dir / "experiment.yaml", spec.resolved_yaml);
    io::atomic_write(dir / "manifest.json", manifest_json(spec, used));
    fs::create_directories(dir / "samples");
    return dir;
}

}  // namespace

RunOutputs::RunOutputs(fs::path dir, const config::ExperimentSpec& spec,
                       const std::vector<plugin::UsedPlugin>& plugins)
    : dir_(write_identity(dir, spec, plugins)),
      spec_(spec),
      metrics_log_(dir_ / "metrics.jsonl"),
      eval_log_(dir_ / "eval.jsonl"),
      events_(dir_ / "tensorboard") {}

void RunOutputs::log_losses(int64_t iteration, double it_per_s, const std::map<std::string, double>& losses) {
    io::JsonLine line;
    line.add("iteration", iteration).add("it_per_s", it_per_s);
    for (const auto& [k, v] : losses) {
        line.add(k, v);
        events_.add_scalar("train/" + k, iteration, static_cast<float>(v));
    }
    metrics_log_.append_line(line.str());
}

void RunOutputs::log_evaluation(int64_t iteration, const std::vector<MetricValue>& values, bool ema,
                                double seconds) {
    io::JsonLine line;
    line.add("iteration", iteration);
    for (const MetricValue& v : values) {
        line.add(v.name, v.value);
        events_.add_scalar("eval/" + v.name, iteration, static_cast<float>(v.value));
        io::JsonLine details;
        for (const auto& [k, d] : v.details) details.add(k, d);
        line.add_raw(v.name + "_details", details.str());
    }
    line.add("ema", ema).add("seconds", seconds);
    eval_log_.append_line(line.str(), /*durable=*/true);
}

void RunOutputs::write_samples(int64_t iteration, const io::Image& frame) {
    char name[32];
    std::snprintf(name, sizeof name, "iter-%09ld.png", static_cast<long>(iteration));
    io::write_png(dir_ / "samples" / name, frame);
    events_.add_image("samples", iteration, io::encode_png(frame), frame.height, frame.width, frame.channels);
}

void RunOutputs::save_checkpoint(int64_t iteration, const Trainer& trainer, std::optional<int64_t> inexact_since,
                                 double wall_time_s) {
    trainer.check_weights_finite();
    io::CheckpointData data;
    data.metadata_json = checkpoint_metadata(spec_, iteration, inexact_since, wall_time_s);
    data.tensors = trainer.state();
    io::save_checkpoint(dir_ / "checkpoints", static_cast<uint64_t>(iteration), data,
                        static_cast<int>(spec_.checkpoint.keep));
}

void RunOutputs::finish(const RunSummary& summary) {
    write_summary(dir_, summary);
    events_.sync();
}

}  // namespace gantry::train
