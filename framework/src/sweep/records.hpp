// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the sweep knows about each run while it runs, and sweep.json, the file that keeps it.
#include <string>
#include <vector>

#include "sweep/launch.hpp"

namespace gantry::sweep::detail {

struct RunRecord {
    const SweepRun* run = nullptr;
    std::string dir;
    Action action = Action::start;
    /// pending, running, done, stopped, failed, interrupted.
    std::string status = "pending";
    /// The child's exit code; -1 when it has none (not run, or killed by a signal).
    int exit_code = -1;
    std::string message;
    std::string log;
    /// PlannedRun::changed: how the run differs from its planned configuration, or "".
    std::string changed;
};

/// Writes <dir>/sweep.json atomically: the sweep's settings and one object per run.
void write_state(const SweepSpec& spec, const std::string& dir, const std::vector<RunRecord>& records);

/// `gantry run` arguments for a record (after the executable): a fresh run or a resume.
std::vector<std::string> run_arguments(const SweepSpec& spec, const RunRecord& record,
                                       const std::string& sweep_dir, int threads);

/// Fills status and message of a record from its exit code (or terminating signal), its run
/// directory's summary.json and the tail of its log.
void settle(RunRecord& record, int exit_code, int signal);

/// Moves a run directory without experiment.yaml (killed before writing it) out of the way,
/// so that the run can start afresh.
void clear_stale_dir(const RunRecord& record);

/// The sweep's backends; both return when every record is settled or the sweep was interrupted
/// (then true).
bool run_local(const SweepSpec& spec, std::vector<RunRecord>& records, const std::string& dir,
               const std::string& gantry, int parallel, int threads, SweepObserver& observer);
bool run_slurm(const SweepSpec& spec, std::vector<RunRecord>& records, const std::string& dir,
               const std::string& gantry, int parallel, int threads, SweepObserver& observer);

/// printf into a string: the sweep's lines keep the column layout they had when printed.
std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));

}  // namespace gantry::sweep::detail
