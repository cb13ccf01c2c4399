// SPDX-License-Identifier: Apache-2.0
#pragma once
// The runs a report is about, read from their directories (and the sweep's sweep.json).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gantry::report::detail {

/// One row of eval.jsonl or metrics.jsonl: the iteration and its numbers.
struct Row {
    int64_t iteration = 0;
    std::map<std::string, double> values;
};

struct RunData {
    std::string id;
    std::string dir;
    /// The configuration (overrides without the seed, or the experiment's name).
    std::string label;
    size_t configuration = 0;
    uint64_t seed = 0;
    /// Outside a sweep: the configuration's identity, config::config_hash of the resolved
    /// experiment with the seed and the thread count cleared (as a sweep's run ids, minus the
    /// seed), and its settings as flat `key.path` -> value (seed and threads left out).
    std::string identity;
    std::map<std::string, std::string> settings;
    /// done, stopped, failed, interrupted, diverged, running, pending, missing.
    std::string status;
    std::string message;
    std::vector<Row> evals;
    std::vector<Row> logs;
    /// The newest samples/iter-*.png, or "".
    std::string sample_png;

    bool finished() const { return status == "done" || status == "stopped"; }
};

struct Collection {
    std::string title;
    bool is_sweep = false;
    bool random_search = false;
    std::vector<std::string> configurations;
    std::vector<RunData> runs;
    std::vector<std::string> sweep_metrics;
    std::string sweep_selection;
    std::vector<std::string> notes;
    /// Outside a sweep, for runs that share an experiment name but not a configuration: one
    /// sentence per name naming the keys that tell them apart.
    std::vector<std::string> grouping;
};

/// The sweep run id (12 hex digits of the configuration hash with `threads` cleared) that a run
/// directory's experiment.yaml resolves to now; "" when it does not load. A sweep's run whose id
/// differs was resumed with other settings (`--resume DIR --set ...`) or edited since planned.
std::string current_run_id(const std::string& run_dir);

/// How a run directory's experiment.yaml differs from the planned resolved experiment
/// (`planned_yaml`, threads aside), as "schedule.iterations 400 → 600, ..."; "" when it does not.
std::string configuration_drift(const std::string& run_dir, const std::string& planned_yaml);

/// Reads a sweep directory, a run directory or a directory of run directories.
Collection collect(const std::string& dir);

}  // namespace gantry::report::detail
