// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Everything a run writes into its directory (docs/run-directory.md): experiment.yaml and
/// manifest.json once, then metrics.jsonl, eval.jsonl, TensorBoard events, sample frames and
/// checkpoints as it goes, and summary.json at the end. Every file is written atomically or
/// appended line by line, so a killed run leaves nothing half-written that a resume would trust.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "io/append_file.hpp"
#include "gantry/io/png.hpp"
#include "io/run_dir.hpp"
#include "io/tensorboard.hpp"
#include "gantry/metric.hpp"
#include "plugin/host.hpp"
#include "trainer/trainer.hpp"

namespace gantry::train {

struct RunRequest;

/// A new run directory <out>/<experiment>/<id>/, locked. Without a requested id the UTC start
/// time names it, with a suffix when another run took that second.
io::RunDir create_run_directory(const RunRequest& request, const std::string& experiment);

/// An existing run directory, locked, with the temporaries a killed writer left and the torn
/// last lines of its logs removed.
io::RunDir reopen_run_directory(const std::filesystem::path& dir);

/// The checkpoint's metadata keys a resume checks (threads and CPU ISA: bit-exactness) and takes
/// over (inexact_since; wall_time_s, the run's wall time up to the checkpoint, resumes included).
std::string checkpoint_metadata(const config::ExperimentSpec& spec, int64_t iteration,
                                std::optional<int64_t> inexact_since = {}, double wall_time_s = 0);

/// How a run ended, for summary.json.
struct RunSummary {
    std::string status;  ///< done, stopped, interrupted, diverged
    int64_t iterations = 0;
    double wall_time_s = 0;
    double it_per_s = 0;
    double eval_seconds = 0;
    std::map<std::string, double> metrics;
    std::string message;
    /// ResumeState::inexact_since: written only when set.
    std::optional<int64_t> inexact_since;
};

void write_summary(const std::filesystem::path& dir, const RunSummary& summary);

class RunOutputs {
public:
    /// Writes experiment.yaml (the resolved experiment) and manifest.json (the plugins used),
    /// then opens the logs for appending.
    RunOutputs(std::filesystem::path dir, const config::ExperimentSpec& spec,
               const std::vector<plugin::UsedPlugin>& plugins);

    const std::filesystem::path& dir() const { return dir_; }

    /// One metrics.jsonl row and the train/ scalars.
    void log_losses(int64_t iteration, double it_per_s, const std::map<std::string, double>& losses);
    /// One eval.jsonl row (flushed to disk: evaluations are costly to repeat) and eval/ scalars.
    void log_evaluation(int64_t iteration, const std::vector<MetricValue>& values, bool ema,
                        double seconds);
    /// samples/iter-NNNNNNNNN.png and the TensorBoard image.
    void write_samples(int64_t iteration, const io::Image& frame);
    /// checkpoints/, keeping the newest checkpoint.keep; refuses non-finite weights first.
    /// `inexact_since` (ResumeState's) goes into the checkpoint's metadata when set, and
    /// `wall_time_s` (the run's so far, earlier segments included) always.
    void save_checkpoint(int64_t iteration, const Trainer& trainer, std::optional<int64_t> inexact_since = {},
                         double wall_time_s = 0);
    void finish(const RunSummary& summary);

private:
    std::filesystem::path dir_;
    const config::ExperimentSpec& spec_;
    io::AppendFile metrics_log_, eval_log_;
    io::EventWriter events_;
};

}  // namespace gantry::train
