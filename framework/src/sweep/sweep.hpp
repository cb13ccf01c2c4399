// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A sweep file (docs/sweeps.md), checked and expanded into runs: each run is the base experiment
/// plus overrides (the same strings as `gantry run --set`), resolved and validated in full before
/// anything runs, and named by a short hash of its resolved experiment.
///
/// Example:
/// ```
/// gantry::sweep::SweepSpec s = gantry::sweep::load_sweep("experiments/sweeps/ring_losses.yaml",
///     [](const std::string& file, const std::vector<std::string>& set) {
///         return gantry::config::load_experiment(file, set);
///     });
/// for (const auto& run : s.runs) std::puts(run.run_id.c_str());
/// ```
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/experiment.hpp"

namespace gantry::sweep {

/// One `key.path=value` of a run, with the place in the sweep file it came from.
struct Override {
    std::string key;
    /// The value as flow YAML ("0.001", "[0.5, 0.9]", "'text'").
    std::string value;
    config::Mark mark;
    std::string assignment() const { return key + "=" + value; }
};

struct SweepRun {
    std::vector<Override> overrides;
    /// The configuration: the overrides without the training seed ("loss.plugin=hinge").
    /// Runs with the same label differ only in their seed; reports average over them.
    std::string label;
    /// Index of the configuration in the order configurations first appear.
    size_t configuration = 0;
    /// The training seed (the resolved experiment's `seed`).
    uint64_t seed = 0;
    /// The resolved experiment's name: the run lives in <sweep dir>/<experiment>/<run_id>.
    std::string experiment;
    /// 12 hex digits of the hash of the resolved experiment with `threads` left out (the thread
    /// split depends on --parallel, not on what is being trained).
    std::string run_id;
    /// The resolved experiment with `threads` cleared, as planned: what the run directory's
    /// experiment.yaml is compared with to tell a run changed since (`launch.hpp`, plan()).
    std::string planned_yaml;

    std::vector<std::string> assignments() const;
};

enum class Backend { local, slurm };
/// Model selection: the metric at the final evaluation, or the best evaluation of the run (an
/// oracle choice: optimistic, since it picks on the numbers it reports).
enum class Selection { final_iteration, best_evaluated };

struct SweepSpec {
    std::string name;
    /// The sweep file and the base experiment, absolute.
    std::string file;
    std::string base;
    std::vector<SweepRun> runs;
    /// Configurations in order (labels); runs[i].configuration indexes it.
    std::vector<std::string> configurations;
    int parallel = 1;
    Backend backend = Backend::local;
    /// Metrics the report tabulates (empty: every metric the runs evaluate).
    std::vector<std::string> report_metrics;
    Selection selection = Selection::final_iteration;
    /// True when configurations were drawn by `random:` (the report adds a budget curve).
    bool random_search = false;
    /// The hyper-parameter seed that drove `random:` sampling.
    uint64_t hyper_seed = 0;
    /// Things worth saying that are not errors (runs that resolved to the same experiment).
    std::vector<std::string> notes;
};

/// Resolves one run: the base experiment file with `--set` style overrides; throws
/// config::ConfigErrors. The CLI checks against the real plugins; tests may pass
/// config::load_experiment without a catalogue.
using Resolver = std::function<config::ExperimentSpec(const std::string& file,
                                                      const std::vector<std::string>& overrides)>;

/// Loads, checks and expands a sweep file. Every problem of the file and of every run is
/// collected (run problems are placed at the sweep file's line of the offending value) and thrown
/// together as config::ConfigErrors (exit 2): nothing runs until every run is valid.
SweepSpec load_sweep(const std::string& path, const Resolver& resolve);

/// As load_sweep, for YAML text; `path` names it in messages and anchors `base:`.
SweepSpec parse_sweep(std::string_view text, const std::string& path, const Resolver& resolve);

const char* to_string(Backend backend);
const char* to_string(Selection selection);

}  // namespace gantry::sweep
