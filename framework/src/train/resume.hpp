// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Continuing a run where its newest good checkpoint left it, so that the resumed run writes
/// what the uninterrupted one would have: the configuration may only lengthen the schedule, the
/// threads and CPU ISA must match (bit-exactness), the logs lose the rows written after the
/// checkpoint, and the evaluations up to it give back what a checkpoint does not hold (the
/// patience of stop_when, the last metrics, the evaluation time spent).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "config/experiment.hpp"
#include "train/assembly.hpp"

namespace gantry::train {

class RunObserver;

/// evaluate.stop_when as one test: the run stops once `metric` has met its bound (or, with
/// min_delta, has not improved on its best by more than min_delta) in `patience` evaluations in a
/// row. The loop and a resume's replay of eval.jsonl feed it alike.
class StopRule {
public:
    explicit StopRule(std::optional<config::StopWhen> rule) : rule_(std::move(rule)) {}
    /// Counts one evaluation (a missing metric does not meet the bound); true once the run
    /// should stop.
    bool observe(const std::map<std::string, double>& evaluation);
    bool stopped() const { return rule_ && met_in_a_row_ >= rule_->patience; }
    const std::optional<config::StopWhen>& rule() const { return rule_; }
    /// Why the run stopped, for the run's note (call once stopped()).
    std::string reason(const std::map<std::string, double>& evaluation, int64_t iteration) const;

private:
    std::optional<config::StopWhen> rule_;
    int64_t met_in_a_row_ = 0;
    /// The plateau rule's best value so far (NaN before the first finite one).
    double best_ = std::nan("");
};

/// What the loop takes over from the run before it (a new run: nothing).
struct ResumeState {
    explicit ResumeState(const config::ExperimentSpec& spec) : stop(spec.evaluate.stop_when) {}
    /// The latest value of every metric evaluated so far.
    std::map<std::string, double> last_metrics;
    /// The evaluations' wall time over the whole run, resumes included.
    double eval_seconds = 0;
    /// The run's wall time up to the checkpoint resumed from (its metadata; 0 for a new run or a
    /// checkpoint written before Gantry recorded it), so summary.json's wall_time_s and eval_share
    /// cover the whole run like eval_seconds.
    double wall_time_before = 0;
    StopRule stop;
    /// Set once a resume continued with other threads or another ISA (--allow-inexact-resume):
    /// the iteration from which the run is not what an uninterrupted run would give. Kept in
    /// every later checkpoint and in summary.json, so a run never hides it.
    std::optional<int64_t> inexact_since;
};

/// Continues `dir` (reopened and locked): loads its newest good checkpoint into run.trainer after
/// checking that `run.spec` may continue `saved` (the run's own experiment.yaml), drops log rows
/// and TensorBoard events past it and replays eval.jsonl up to it. Throws ConfigError when the
/// configuration, the threads or the ISA differ (unless allow_inexact) or when the checkpoint is
/// past schedule.iterations.
ResumeState resume(const std::filesystem::path& dir, Assembly& run, const config::ExperimentSpec& saved,
                   bool allow_inexact, RunObserver& observer);

}  // namespace gantry::train
