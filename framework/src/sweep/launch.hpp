// SPDX-License-Identifier: Apache-2.0
#pragma once
/// `gantry sweep`: runs the runs of a sweep that are not finished yet, each as a child process
/// of the real `gantry run` (locally or as a Slurm job-array task), and records what happened in
/// <sweep dir>/sweep.json.
#include <string>
#include <vector>

#include "sweep/sweep.hpp"

namespace gantry::sweep {

/// What a relaunch does with a run, decided from its run directory alone.
enum class Action {
    skip,    // summary.json says done or stopped
    start,   // no run directory yet
    resume,  // a run directory exists: interrupted, failed or killed; continue from its checkpoint
};

/// What a sweep tells the person who launched it, one line at a time (the plan, each run as it
/// starts and ends, failures, the report's files). The library never prints; the CLI does.
class SweepObserver {
public:
    virtual ~SweepObserver() = default;
    virtual void line(const std::string& text) { (void)text; }
};

struct LaunchRequest {
    /// The `gantry` executable the runs are started with.
    std::string gantry;
    /// Sweeps go to <out>/<sweep name>/.
    std::string out = "runs";
    /// Overrides of the sweep file's settings when > 0 / non-empty.
    int parallel = 0;
    std::string backend;
    /// List what would run, change nothing.
    bool dry_run = false;
    /// Threads the machine has (0: std::thread::hardware_concurrency()).
    int cores = 0;
    /// Who is told how the sweep goes; null: nobody.
    SweepObserver* observer = nullptr;
};

struct PlannedRun {
    const SweepRun* run;
    std::string dir;
    Action action;
    /// Not empty when the run directory's experiment.yaml no longer resolves to the planned
    /// configuration (a `gantry run --resume DIR --set ...` inside the sweep, or an edit): how it
    /// differs, "schedule.iterations 400 → 600". Such a run is never skipped as finished in
    /// silence; the plan, sweep.json and the report name it.
    std::string changed;
};

/// <out>/<sweep>/ for this sweep.
std::string sweep_dir(const SweepSpec& spec, const std::string& out);

/// The action for every run, in the sweep's order.
std::vector<PlannedRun> plan(const SweepSpec& spec, const std::string& dir);

/// Runs the sweep and writes its report. Returns 0 when every run finished (done or stopped
/// early), 1 when some failed (the report says which and why), 130 when the sweep itself was
/// interrupted (a relaunch continues it). Throws ConfigError for a bad request (2) and
/// OutputError (74) when the sweep directory cannot be written.
int launch_sweep(const SweepSpec& spec, const LaunchRequest& request);

}  // namespace gantry::sweep
