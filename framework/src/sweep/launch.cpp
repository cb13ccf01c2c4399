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
        out.push_back({&run, run_dir.string(), action});
    }
    return out;
}

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
    say(detail::format("  %ld finished (skipped), %ld to resume, %ld to start; backend %s, %d at once, %d thread%s each",
               static_cast<long>(count(Action::skip)), static_cast<long>(count(Action::resume)),
               static_cast<long>(count(Action::start)), backend.c_str(), parallel, threads, threads == 1 ? "" : "s"));
    for (const std::string& note : spec.notes) say("  note: " + note);
    if (request.dry_run) {
        for (const PlannedRun& p : planned)
            say(detail::format("  %-6s %s  seed %-4llu %s",
                       p.action == Action::skip ? "skip" : p.action == Action::start ? "start" : "resume",
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
