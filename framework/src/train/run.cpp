// SPDX-License-Identifier: Apache-2.0
// `gantry run`, top to bottom: resolve the experiment, assemble what trains it, open the run
// directory (or resume it), then iterate — log, evaluate, draw samples, checkpoint — until done,
// stopped by stop_when or interrupted. Each of those has its own file; this one is the loop.
#include "train/run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <exception>
#include <filesystem>

#include "config/experiment.hpp"
#include "gantry/error.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/threads.hpp"
#include "train/plugin_session.hpp"
#include "train/assembly.hpp"
#include "train/evaluation.hpp"
#include "train/in_force.hpp"
#include "train/captions.hpp"
#include "train/outputs.hpp"
#include "train/resume.hpp"
#include "train/sampling.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

namespace {

std::atomic<int> g_signal{0};
extern "C" void on_signal(int signal) { g_signal.store(signal); }

/// Installs SIGINT/SIGTERM handlers for its lifetime: the loop checkpoints and exits 130.
class SignalScope {
public:
    SignalScope() {
        g_signal.store(0);
        previous_int_ = std::signal(SIGINT, on_signal);
        previous_term_ = std::signal(SIGTERM, on_signal);
    }
    ~SignalScope() {
        std::signal(SIGINT, previous_int_);
        std::signal(SIGTERM, previous_term_);
    }
    SignalScope(const SignalScope&) = delete;
    SignalScope& operator=(const SignalScope&) = delete;

private:
    void (*previous_int_)(int);
    void (*previous_term_)(int);
};

/// The experiment a request runs, and for a resume the one the run was started with.
struct Experiments {
    config::ExperimentSpec now, saved;
};

Experiments resolve_request(const RunRequest& request, PluginSession& plugins) {
    Experiments e;
    const fs::path saved_file = fs::path(request.resume_dir) / "experiment.yaml";
    if (!request.resume_dir.empty()) {
        GANTRY_CHECK_AS(ConfigError, fs::exists(request.resume_dir), "--resume ", request.resume_dir,
                        ": does not exist");
        GANTRY_CHECK_AS(ConfigError, fs::exists(saved_file), "--resume ", request.resume_dir,
                        ": no experiment.yaml there; is it a Gantry run directory?");
        e.saved = resolve_experiment(saved_file.string(), {}, plugins, config::Spelling::v1);
    }
    // `--resume DIR --set schedule.iterations=N` without a FILE applies the overrides to the
    // run's own experiment.yaml; resume() then judges whether the run may continue under them.
    // A run's own experiment.yaml may spell keys as the version that wrote it did (v1 names).
    if (!request.experiment_file.empty()) e.now = resolve_experiment(request.experiment_file, request.overrides, plugins);
    else if (!request.overrides.empty())
        e.now = resolve_experiment(saved_file.string(), request.overrides, plugins, config::Spelling::v1);
    else e.now = e.saved;
    return e;
}

/// Each step's terms under "d/", "g/" (numbered "d1/", "g2/"... when the schedule has more than
/// two steps), with its gradient norm.
std::map<std::string, double> loss_row(const std::vector<StepLog>& logs) {
    std::map<std::string, double> row;
    for (size_t s = 0; s < logs.size(); ++s) {
        const std::string prefix = std::string(logs[s].network == Role::discriminator ? "d" : "g") +
                                   (logs.size() > 2 ? std::to_string(s + 1) : "") + "/";
        for (const auto& [k, v] : logs[s].losses) row[prefix + k] = v;
        row[prefix + "grad_norm"] = logs[s].grad_norm;
    }
    return row;
}

/// The EMA trap, said before the run: an average without warm-up over fewer iterations than its
/// time constant still holds much of G's first weights at the end. Empty when it does not.
std::string ema_note(const config::ExperimentSpec& spec) {
    const config::Ema& ema = spec.schedule.ema;
    if (ema.decay <= 0 || ema.warmup) return {};
    const double updates = static_cast<double>(std::max<int64_t>(0, spec.schedule.iterations - ema.start));
    const double initial = std::pow(ema.decay, updates);  // the weight of the average's first value
    if (initial < 0.05) return {};
    return "note: schedule.ema decay " + io::format_double(ema.decay) + " averages over ~" +
           std::to_string(static_cast<long>(std::lround(1.0 / (1.0 - ema.decay)))) + " updates; after " +
           std::to_string(static_cast<long>(updates)) + " the averaged G (evaluations, samples) still holds " +
           std::to_string(static_cast<int>(std::lround(100 * initial))) +
           "% of its first weights. schedule.ema: {decay: " + io::format_double(ema.decay) +
           ", warmup: true} makes early averages meaningful (docs/configuration.md)";
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int run_experiment(const RunRequest& request) {
    RunObserver nobody;
    RunObserver& observer = request.observer ? *request.observer : nobody;
    const bool resuming = !request.resume_dir.empty();

    // ---- assembly: the experiment, its plugins, networks, optimizers and trainer --------------
    PluginSession plugins;
    const Experiments experiments = resolve_request(request, plugins);
    const config::ExperimentSpec& spec = experiments.now;
    set_num_threads(static_cast<int>(spec.threads));
    Assembly run = assemble(spec, plugins);
    Trainer& trainer = *run.trainer;
    // experiment.yaml notes the values in force that the file leaves to a plugin (in_force.hpp).
    config::ExperimentSpec written = spec;
    written.resolved_yaml = annotate_in_force(spec.resolved_yaml, run.data);

    // ---- the run directory, and what a resume takes over ---------------------------------------
    // From here on a Ctrl-C must end in a checkpoint and exit 130: the handler is in place before
    // the run directory exists and is announced.
    SignalScope signals;
    const io::RunDir dir = resuming ? reopen_run_directory(request.resume_dir)
                                    : create_run_directory(request, spec.experiment);
    ResumeState state =
        resuming ? resume(dir.path, run, experiments.saved, request.allow_inexact_resume, observer) : ResumeState(spec);
    observer.started(trainer.iteration(), spec.schedule.iterations);
    RunOutputs out(dir.path, written, plugins.host->used());
    if (!resuming) observer.note("run directory: " + dir.path.string());
    if (const std::string note = ema_note(spec); !note.empty()) observer.note(note);
    const FixedInputs fixed = fixed_inputs(run);
    write_captions(dir.path, run.data, fixed.eval_pairs);  // text data only: captions.tsv
    const std::string cache_dir = (fs::path(request.out_dir) / ".cache").string();
    auto due = [&](int64_t every, int64_t it) {
        return it == spec.schedule.iterations || (every > 0 && it % every == 0);
    };

    // ---- the loop ------------------------------------------------------------------------------
    const auto t_start = std::chrono::steady_clock::now();
    auto t_log = t_start;
    int64_t it_log = trainer.iteration();
    double it_per_s = 0;
    RunSummary summary;
    summary.status = state.stop.stopped() ? "stopped" : "done";
    summary.inexact_since = state.inexact_since;
    std::exception_ptr diverged;
    try {
        while (trainer.iteration() < spec.schedule.iterations && !state.stop.stopped()) {
            const std::map<std::string, double> losses = loss_row(trainer.run_iteration());
            const int64_t it = trainer.iteration();
            observer.iteration(it, losses);
            if (due(spec.log.every, it)) {
                const double dt = seconds_since(t_log);
                it_per_s = dt > 0 ? static_cast<double>(it - it_log) / dt : 0;
                t_log = std::chrono::steady_clock::now();
                it_log = it;
                out.log_losses(it, it_per_s, losses);
            }
            if (!spec.evaluate.metrics.empty() && due(spec.evaluate.every, it)) {
                const Evaluation evaluation = evaluate(run, fixed, cache_dir);
                std::map<std::string, double> values;
                for (const MetricValue& v : evaluation.values) values[v.name] = state.last_metrics[v.name] = v.value;
                state.eval_seconds += evaluation.seconds;
                out.log_evaluation(it, evaluation.values, trainer.options().ema_decay > 0, evaluation.seconds);
                observer.evaluated(state.last_metrics);
                if (state.stop.observe(values)) {
                    summary.status = "stopped";
                    observer.note(state.stop.reason(values, it));
                }
            }
            // After the evaluation of the same iteration: the progress line shows its values,
            // not the previous evaluation's.
            if (due(spec.log.every, it)) observer.logged(it, it_per_s, losses);
            if (due(spec.samples.every, it) || state.stop.stopped()) out.write_samples(it, sample_frame(run, fixed));
            const bool interrupted = g_signal.load() != 0;
            if (due(spec.checkpoint.every, it) || state.stop.stopped() || interrupted) out.save_checkpoint(it, trainer, state.inexact_since, state.wall_time_before + seconds_since(t_start));
            if (interrupted) {
                summary.status = "interrupted";
                break;
            }
        }
    } catch (const DivergenceError& e) {
        summary.status = "diverged";
        summary.message = e.what();
        diverged = std::current_exception();
    }

    // ---- the end -------------------------------------------------------------------------------
    observer.finished();
    summary.iterations = trainer.iteration();
    summary.wall_time_s = state.wall_time_before + seconds_since(t_start);
    summary.it_per_s = it_per_s;
    summary.eval_seconds = state.eval_seconds;
    summary.metrics = state.last_metrics;
    out.finish(summary);
    if (diverged) std::rethrow_exception(diverged);
    if (summary.status == "interrupted") {
        observer.note("interrupted: checkpoint saved at iteration " + std::to_string(trainer.iteration()) +
                      "; continue with: gantry run --resume " + dir.path.string());
        return static_cast<int>(ExitCode::interrupted);
    }
    observer.note("done: " + dir.path.string());
    return 0;
}

}  // namespace gantry::train
