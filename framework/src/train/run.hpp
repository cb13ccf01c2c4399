// SPDX-License-Identifier: Apache-2.0
#pragma once
/// `gantry run` and `gantry sample`: one experiment from its file to a finished run directory,
/// and draws from a run's checkpoint. The library never prints: what a person watching should
/// see reaches a RunObserver, which the CLI implements.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gantry::config {
struct ExperimentSpec;
}

namespace gantry::train {

/// What a run reports while it goes. Every method does nothing by default: a run without an
/// observer is silent.
class RunObserver {
public:
    virtual ~RunObserver() = default;
    /// Once, before the first iteration: the iteration the run starts from and its last one.
    virtual void started(int64_t first_iteration, int64_t iterations) {
        (void)first_iteration;
        (void)iterations;
    }
    /// After every iteration: each step's loss terms and gradient norm ("d/total", "g/grad_norm").
    virtual void iteration(int64_t done, const std::map<std::string, double>& losses) {
        (void)done;
        (void)losses;
    }
    /// At each log interval, with the rate measured over it.
    virtual void logged(int64_t done, double it_per_s, const std::map<std::string, double>& losses) {
        (void)done;
        (void)it_per_s;
        (void)losses;
    }
    /// After each evaluation: the latest value of every metric.
    virtual void evaluated(const std::map<std::string, double>& metrics) { (void)metrics; }
    /// A message on a line of its own (the run directory, a resume, a warning, the end).
    virtual void note(const std::string& text) { (void)text; }
    /// After the last iteration, before the closing note.
    virtual void finished() {}
};

struct RunRequest {
    /// The experiment file; may be empty with `resume_dir` (the run's own experiment.yaml is used).
    std::string experiment_file;
    /// "key.path=value" overrides (--set).
    std::vector<std::string> overrides;
    /// Runs go to <out_dir>/<experiment>/<run-id>/.
    std::string out_dir = "runs";
    /// The run directory's name; empty: the UTC start time (io::make_run_id). A given id must be
    /// new: `gantry sweep` names each run by the hash of its configuration.
    std::string run_id;
    /// --resume RUN_DIR: continue that run from its newest good checkpoint.
    std::string resume_dir;
    /// Continue a resume whose thread count or CPU ISA differs (no longer bit for bit).
    bool allow_inexact_resume = false;
    /// Who is told how the run goes; null: nobody.
    RunObserver* observer = nullptr;
};

/// Runs the experiment. Returns the exit code: 0 when done (or stopped early by stop_when), 130
/// when interrupted by SIGINT/SIGTERM after saving a checkpoint. Throws ConfigError (2),
/// PluginError (3), DataError (4), DivergenceError (5) or OutputError (74).
int run_experiment(const RunRequest& request);

struct PluginSession;

/// What `gantry validate` checks beyond the file: creates the experiment's plugins from the
/// session that resolved `spec` and builds its networks exactly as `gantry run` does, so every
/// refusal of `gantry run` before its first iteration (an architecture refusing its options,
/// batch normalisation in a critic under a gradient penalty, a plugin refusing its options, a
/// dataset that cannot be read) is found without a run directory. Throws ConfigError (2),
/// PluginError (3) or DataError (4).
void check_experiment_builds(const config::ExperimentSpec& spec, PluginSession& session);

struct SampleRequest {
    std::string run_dir;
    /// Samples to draw (with interpolate: rounded up to whole rows of 8).
    int64_t count = 64;
    /// Output file; empty: <run_dir>/samples/sample-<iteration><variant>.<format>, the variant naming
    /// the options that change what is drawn (docs/run-directory.md).
    std::string out;
    /// png (a grid or a scatter plot), csv or npy (raw values in the data's own scale: points as
    /// they are, images in [0, 255]).
    std::string format = "png";
    /// Seed of the noise; the run's own seed when not given.
    std::optional<uint64_t> seed;
    /// Rows of 8 samples, each row walking linearly between two random latent points.
    bool interpolate = false;
    /// The run's evaluation batch: evaluate.samples draws of the fixed evaluation noise (stream 8
    /// of the run's seed) with its labels — the samples each evaluation of the run scored, for
    /// `gantry eval` to reproduce its numbers. Not with count, seed or the latent tools.
    bool eval_noise = false;
    /// Conditional runs: "test" draws the first `count` held-out pairs, one row each
    /// (condition | baseline | output | target); a PNG path is one condition, its row showing
    /// `count` outputs for different noise (at most 16). Empty: the run's own sample grid rows.
    std::string condition;
    /// Further run directories of the same data whose outputs join each row, in order.
    std::vector<std::string> compare;
    /// Sequence runs (next-frame data): roll the model out this many steps from `count` held-out
    /// sequences, feeding each prediction back; writes a strip of the first 8 and each step's
    /// metrics (rollout-<iteration>.png and .jsonl). 0: no roll-out.
    int64_t rollout = 0;
    /// Text runs (data with a vocabulary): one row of `count` samples (default 8) per caption,
    /// each drawn from fresh noise; unknown words are a ConfigError naming the closest words.
    std::vector<std::string> text;
    /// Text runs: exactly two captions; `count` samples (default 8) at one noise vector walking
    /// from the first caption's bag of words to the second's.
    std::vector<std::string> interpolate_text;

    // ---- latent tools (issue 15: gantry sample --class --truncation --slerp --from --to) ----
    /// Conditional runs: every sample of this class (without it, an interpolation row keeps one
    /// class, row r class r mod classes). ConfigError (2) on an unconditional run or out of range.
    std::optional<int64_t> label;
    /// The truncation trick: every noise component with |z| > t is drawn again (t > 0).
    std::optional<double> truncation;
    /// Interpolate along the great circle between the ends (spherical) instead of the chord.
    bool slerp = false;
    /// Latent points to walk between (.npy, e.g. `gantry project`'s z.npy): one row of `count`
    /// samples from `from` to `to`, both given or neither.
    std::string from, to;
};

/// What `gantry sample` wrote, and what the user should be warned of.
struct SampleResult {
    std::string file;
    std::string metrics_file;  ///< --rollout: each step's metrics (.jsonl)
    std::string film_file;     ///< --rollout: the strip as an animated GIF
    std::vector<std::string> warnings;
};

/// `gantry sample`: draws from the newest good checkpoint's generator (the EMA one when the run
/// has EMA) and writes the file. Throws like run_experiment.
SampleResult sample_from_run(const SampleRequest& request);

}  // namespace gantry::train
