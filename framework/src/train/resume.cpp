// SPDX-License-Identifier: Apache-2.0
#include "train/resume.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "gantry/error.hpp"
#include "gantry/io/numbers.hpp"
#include "io/atomic_file.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/json.hpp"
#include "io/tensorboard.hpp"
#include "gantry/threads.hpp"
#include "train/run.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

bool StopRule::observe(const std::map<std::string, double>& evaluation) {
    if (!rule_) return false;
    auto it = evaluation.find(rule_->metric);
    const double v = it == evaluation.end() ? std::nan("") : it->second;
    if (rule_->min_delta) {
        // A plateau: every evaluation that does not beat the best by more than min_delta counts
        // (a missing or non-finite value too); a new best starts the count again.
        const double delta = *rule_->min_delta;
        const bool improved = std::isfinite(v) && (std::isnan(best_) || (rule_->minimize ? v < best_ - delta : v > best_ + delta));
        if (improved) best_ = v;
        met_in_a_row_ = improved ? 0 : met_in_a_row_ + 1;
        return stopped();
    }
    const bool met = (rule_->at_least && v >= *rule_->at_least) || (rule_->at_most && v <= *rule_->at_most);
    met_in_a_row_ = met ? met_in_a_row_ + 1 : 0;
    return stopped();
}

std::string StopRule::reason(const std::map<std::string, double>& evaluation, int64_t iteration) const {
    const std::string& metric = rule_->metric;
    auto it = evaluation.find(metric);
    const std::string value = io::format_double(it == evaluation.end() ? std::nan("") : it->second);
    if (rule_->min_delta)
        return "stop_when met: " + metric + " = " + value + " at iteration " + std::to_string(iteration) +
               ", no better than its best " + io::format_double(best_) + " by more than " +
               io::format_double(*rule_->min_delta) + " for " + std::to_string(met_in_a_row_) + " evaluations";
    return "stop_when met: " + metric + " = " + value + " at iteration " + std::to_string(iteration);
}

namespace {

/// Same configuration (but for a longer `iterations` and another `evaluate.stop_when`), same
/// threads and ISA (bit-exactness), unless inexact continuation was asked for. Returns what
/// differs that way ("" = exact). The stop rule may change because it only decides when the loop
/// ends: it draws nothing and touches no tensor, and resume() replays it over the run's
/// evaluations, so the continued run is the run a straight start with the new rule would give.
std::string check_may_continue(const config::ExperimentSpec& now, const config::ExperimentSpec& saved,
                               const std::map<std::string, std::string>& meta, bool allow_inexact) {
    config::ExperimentSpec a = now, b = saved;
    a.schedule.iterations = b.schedule.iterations = 0;
    a.evaluate.stop_when.reset();
    b.evaluate.stop_when.reset();
    const std::string ya = config::to_yaml(a), yb = config::to_yaml(b);
    if (ya != yb) {
        std::istringstream sa(ya), sb(yb);
        std::string la, lb;
        int line = 0;
        while (true) {
            ++line;
            const bool ea = !std::getline(sa, la), eb = !std::getline(sb, lb);
            if (ea || eb || la != lb) break;
        }
        throw ConfigError(detail::concat(
            "--resume: the configuration differs from the run's experiment.yaml (only a longer "
            "schedule.iterations and evaluate.stop_when may change); first difference at line ", line, ": run has '", lb,
            "', now '", la, "'"));
    }
    std::string differs;
    auto check = [&](const char* key, const std::string& value) {
        auto it = meta.find(key);
        const std::string then = it == meta.end() ? "?" : it->second;
        GANTRY_CHECK_AS(ConfigError, then == value || allow_inexact, "--resume: the checkpoint was made with ",
                        key, " = ", then, " but this machine has ", value,
                        "; the run could not continue bit for bit. Set threads to match, or pass "
                        "--allow-inexact-resume");
        if (then != value) differs += (differs.empty() ? "" : ", ") + std::string(key) + " " + then + " -> " + value;
    };
    check("threads", std::to_string(num_threads()));
    check("cpu_isa", cpu_isa());
    return differs;
}

/// Rows of a log past `iteration` were appended after the checkpoint a resume starts from (the
/// run crashed or was killed between a log append and its next checkpoint): the resumed run
/// writes them again, so they go, or every such iteration would be logged twice.
void drop_rows_after(const fs::path& file, int64_t iteration) {
    if (!fs::exists(file)) return;
    std::ifstream in(file, std::ios::binary);
    std::string kept, line;
    bool dropped = false;
    while (std::getline(in, line)) {
        const std::map<std::string, std::string> fields = io::json_fields(line, file.string());
        auto it = fields.find("iteration");
        if (it != fields.end() && std::stoll(it->second) > iteration) {
            dropped = true;
            continue;
        }
        kept += line + "\n";
    }
    GANTRY_CHECK_AS(OutputError, !in.bad(), file.string(), ": reading failed");
    if (dropped) io::atomic_write(file, kept);
}

/// What no checkpoint holds, from the evaluations up to it (the log was cut there).
void replay_evaluations(const fs::path& file, const config::ExperimentSpec& spec, ResumeState& state) {
    std::ifstream in(file, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
        const std::map<std::string, std::string> fields = io::json_fields(line, file.string());
        std::map<std::string, double> evaluation;
        for (const std::string& name : spec.evaluate.metrics)
            if (auto it = fields.find(name); it != fields.end()) evaluation[name] = std::stod(it->second);
        for (const auto& [name, value] : evaluation) state.last_metrics[name] = value;
        if (auto it = fields.find("seconds"); it != fields.end()) state.eval_seconds += std::stod(it->second);
        state.stop.observe(evaluation);
    }
}

}  // namespace

ResumeState resume(const fs::path& dir, Assembly& run, const config::ExperimentSpec& saved,
                   bool allow_inexact, RunObserver& observer) {
    const config::ExperimentSpec& spec = run.spec;
    Trainer& trainer = *run.trainer;
    std::optional<int64_t> inexact_since;
    double wall_time_before = 0;
    if (std::optional<io::FoundCheckpoint> found = io::find_latest_good(dir / "checkpoints")) {
        if (found->fell_back) observer.note("warning: " + found->note);
        const std::map<std::string, std::string> meta = io::json_fields(found->data.metadata_json, found->path.string());
        const std::string differs = check_may_continue(spec, saved, meta, allow_inexact);
        const bool decays = spec.optimizers.generator.schedule.kind != LrSchedule::Kind::constant ||
                            spec.optimizers.discriminator.schedule.kind != LrSchedule::Kind::constant;
        if (decays && saved.schedule.iterations != spec.schedule.iterations)
            observer.note("warning: the learning-rate schedule decays to its final rate at the last "
                          "iteration, now " + std::to_string(spec.schedule.iterations) + " instead of " +
                          std::to_string(saved.schedule.iterations) + ": from here on the rates "
                          "differ from those of either schedule run straight through");
        trainer.load_state(found->data.tensors);
        GANTRY_CHECK_AS(ConfigError, trainer.iteration() <= spec.schedule.iterations, "--resume ",
                        dir.string(), ": the checkpoint is at iteration ", trainer.iteration(),
                        " but schedule.iterations is ", spec.schedule.iterations,
                        "; a resume may only keep or lengthen the schedule");
        observer.note("resuming " + dir.string() + " from iteration " + std::to_string(trainer.iteration()));
        if (auto it = meta.find("inexact_since"); it != meta.end()) inexact_since = std::stoll(it->second);
        if (auto it = meta.find("wall_time_s"); it != meta.end()) wall_time_before = std::stod(it->second);
        if (spec.evaluate.stop_when != saved.evaluate.stop_when)
            observer.note("evaluate.stop_when differs from the run's: the new rule is replayed over the "
                          "evaluations so far and decides from here on");
        if (!differs.empty()) {
            if (!inexact_since) inexact_since = trainer.iteration();
            observer.note("warning: --allow-inexact-resume (" + differs + "): from iteration " +
                          std::to_string(trainer.iteration()) + " on, this run is not bit for bit what an "
                          "uninterrupted run gives; summary.json and every later checkpoint say so "
                          "(inexact_since)");
        }
    } else {
        observer.note("resuming " + dir.string() + ": no checkpoint yet, starting over");
    }
    drop_rows_after(dir / "metrics.jsonl", trainer.iteration());
    drop_rows_after(dir / "eval.jsonl", trainer.iteration());
    // The same for TensorBoard: the resumed run writes a new event file, so the old files keep
    // only what the checkpoint covers.
    if (fs::is_directory(dir / "tensorboard"))
        for (const fs::directory_entry& e : fs::directory_iterator(dir / "tensorboard"))
            if (e.is_regular_file() && e.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
                io::drop_events_after(e.path(), trainer.iteration());
    ResumeState state(spec);
    state.inexact_since = inexact_since;
    state.wall_time_before = wall_time_before;
    replay_evaluations(dir / "eval.jsonl", spec, state);
    return state;
}

}  // namespace gantry::train
