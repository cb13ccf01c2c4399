// SPDX-License-Identifier: Apache-2.0
// Which runs of a sweep still have to run, the backend that runs them, and the report after.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "gantry/error.hpp"
#include "io/paths.hpp"
#include "report/report.hpp"
#include "report/runs.hpp"
#include "records.hpp"

namespace gantry::sweep {
namespace fs = std::filesystem;

std::string sweep_dir(const SweepSpec& spec, const std::string& out) {
    return (io::resolve_output_path(out, "--out") / spec.name).string();
}

std::vector<PlannedRun> plan(const SweepSpec& spec, const std::string& dir) {
    std::vector<PlannedRun> out;
    for (const SweepRun& run : spec.runs) {
        const fs::path run_dir = fs::path(dir) / run.experiment / run.run_id;
        Action action = Action::start;
        if (fs::exists(run_dir / "experiment.yaml")) {
            action = Action::resume;
            if (std::ifstream in(run_dir / "summary.json"); in) {
                const auto summary = nlohmann::json::parse(in, nullptr, false);
                const std::string status = summary.is_object() ? summary.value("status", "") : "";
                if (status == "done" || status == "stopped") action = Action::skip;
            }
        }
        std::string changed;
        if (action != Action::start && report::detail::current_run_id(run_dir.string()) != run.run_id) {
            changed = report::detail::configuration_drift(run_dir.string(), run.planned_yaml);
            if (changed.empty()) changed = "its experiment.yaml resolves to another configuration";
        }
        out.push_back({&run, run_dir.string(), action, changed});
    }
    return out;
}

namespace {

/// The threads each run gets: the sweep's own `threads` when every run sets it (one value), else
/// the share of the cores; "" when the runs set different counts.
std::string threads_each(const SweepSpec& spec, int share) {
    std::string value;
    for (const SweepRun& run : spec.runs) {
        std::string mine;
        for (const Override& o : run.overrides)
            if (o.key == "threads") mine = o.value;
        if (mine.empty()) mine = std::to_string(share);
        if (value.empty()) value = mine;
        else if (value != mine) return "threads as the sweep sets them";
    }
    if (value.empty()) value = std::to_string(share);
    return value + (value == "1" ? " thread each" : " threads each");
}

}  // namespace

int launch_sweep(const SweepSpec& spec, const LaunchRequest& request) {
    SweepObserver nobody;
    SweepObserver& observer = request.observer ? *request.observer : nobody;
    const auto say = [&](const std::string& text) { observer.line(text); };
    const std::string dir = sweep_dir(spec, request.out);
    const int parallel = request.parallel > 0 ? request.parallel : spec.parallel;
    const std::string backend = request.backend.empty() ? to_string(spec.backend) : request.backend;
    GANTRY_CHECK_AS(ConfigError, backend == "local" || backend == "slurm",
                    "gantry sweep: --backend must be local or slurm, got '", backend, "'");
    const int cores = request.cores > 0 ? request.cores : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Runs at once share the machine: each gets its share of the cores, never less than one.
    const int threads = std::max(1, cores / parallel);

    const std::vector<PlannedRun> planned = plan(spec, dir);
    const auto count = [&](Action a) {
        return std::count_if(planned.begin(), planned.end(), [&](const PlannedRun& p) { return p.action == a; });
    };
    say(detail::format("sweep %s: %zu runs in %zu configurations -> %s", spec.name.c_str(), spec.runs.size(),
               spec.configurations.size(), dir.c_str()));
    const auto changed = std::count_if(planned.begin(), planned.end(), [](const PlannedRun& p) { return !p.changed.empty(); });
    say(detail::format("  %ld finished (skipped), %ld to resume, %ld to start%s; backend %s, %d at once, %s",
               static_cast<long>(count(Action::skip)), static_cast<long>(count(Action::resume)),
               static_cast<long>(count(Action::start)),
               changed ? detail::format(", %ld changed since planned", static_cast<long>(changed)).c_str() : "",
               backend.c_str(), parallel, threads_each(spec, threads).c_str()));
    for (const std::string& note : spec.notes) say("  note: " + note);
    // A run changed since planned is said on every plan, not only in the dry run: its numbers are
    // no longer those of its configuration.
    for (const PlannedRun& p : planned)
        if (!p.changed.empty())
            say(detail::format("  changed since planned: %s (%s seed %llu): %s; %s", p.run->run_id.c_str(),
                               p.run->label.c_str(), static_cast<unsigned long long>(p.run->seed), p.changed.c_str(),
                               p.action == Action::skip ? "left as it is (the report names it)"
                                                        : "resumed as it is now"));
    if (request.dry_run) {
        for (const PlannedRun& p : planned)
            say(detail::format("  %-7s %s  seed %-4llu %s",
                       !p.changed.empty() ? "changed" : p.action == Action::skip ? "skip" : p.action == Action::start ? "start" : "resume",
                       p.run->run_id.c_str(), static_cast<unsigned long long>(p.run->seed), p.run->label.c_str()));
        return 0;
    }

    fs::create_directories(fs::path(dir) / "logs");
    std::vector<detail::RunRecord> records;
    for (const PlannedRun& p : planned) {
        detail::RunRecord r;
        r.run = p.run;
        r.dir = p.dir;
        r.action = p.action;
        r.log = (fs::path(dir) / "logs" / (p.run->run_id + ".log")).string();
        r.changed = p.changed;
        if (p.action == Action::skip) detail::settle(r, 0, 0);
        records.push_back(std::move(r));
    }
    detail::write_state(spec, dir, records);
    const bool interrupted = backend == "slurm"
                                 ? detail::run_slurm(spec, records, dir, request.gantry, parallel, threads, observer)
                                 : detail::run_local(spec, records, dir, request.gantry, parallel, threads, observer);
    detail::write_state(spec, dir, records);

    size_t failed = 0;
    for (const detail::RunRecord& r : records)
        if (r.status == "failed") {
            ++failed;
            say(detail::format("  failed: %s (%s seed %llu): %s", r.run->run_id.c_str(), r.run->label.c_str(),
                       static_cast<unsigned long long>(r.run->seed), r.message.c_str()));
        }
    const report::ReportFiles files = report::write_report(dir);
    say("report: " + files.markdown);
    say("        " + files.html);
    if (interrupted) {
        say("sweep interrupted: run `gantry sweep " + spec.file + "` again to continue");
        return static_cast<int>(ExitCode::interrupted);
    }
    say(detail::format("sweep %s: %zu of %zu runs finished, %zu failed", spec.name.c_str(), records.size() - failed,
               records.size(), failed));
    return failed == 0 ? 0 : 1;
}

}  // namespace gantry::sweep
