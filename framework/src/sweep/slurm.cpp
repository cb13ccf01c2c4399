// SPDX-License-Identifier: Apache-2.0
// The Slurm backend: the runs to do become the tasks of one job array (`sbatch --array`), each a
// `gantry run` as the local backend would start it. Every task writes its own exit code next to
// its log, so the outcome does not depend on Slurm accounting being configured; `sacct` is asked
// only about tasks that died without writing one (time limit, cancellation, node failure).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "records.hpp"

namespace gantry::sweep::detail {
namespace fs = std::filesystem;
namespace {

std::atomic<int> g_slurm_signal{0};
void on_slurm_signal(int sig) { g_slurm_signal.store(sig); }

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// Runs a shell command; its stdout, and its exit status in `status`.
std::string capture(const std::string& command, int& status) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        status = -1;
        return out;
    }
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
    const int raw = ::pclose(pipe);
    status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return out;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace

bool run_slurm(const SweepSpec& spec, std::vector<RunRecord>& records, const std::string& dir,
               const std::string& gantry, int parallel, int threads, SweepObserver& observer) {
    std::vector<RunRecord*> tasks;
    for (RunRecord& r : records)
        if (r.action != Action::skip && r.status == "pending") tasks.push_back(&r);
    if (tasks.empty()) return false;
    const fs::path slurm_dir = fs::path(dir) / "slurm";
    fs::create_directories(slurm_dir);

    std::ostringstream script;
    script << "#!/bin/bash\n"
           << "# Written by gantry sweep for " << spec.file << "\n"
           << "#SBATCH --job-name=" << shell_quote("gantry-" + spec.name) << "\n"
           << "#SBATCH --array=0-" << tasks.size() - 1 << "%" << parallel << "\n"
           << "#SBATCH --cpus-per-task=" << threads << "\n"
           << "#SBATCH --output=" << (slurm_dir / "slurm-%A_%a.out").string() << "\n"
           << "case \"$SLURM_ARRAY_TASK_ID\" in\n";
    for (size_t i = 0; i < tasks.size(); ++i) {
        RunRecord& r = *tasks[i];
        clear_stale_dir(r);
        if (r.action == Action::start && fs::exists(r.dir)) r.action = Action::resume;
        script << "  " << i << ") log=" << shell_quote(r.log) << "; code_file="
               << shell_quote((fs::path(dir) / "logs" / (r.run->run_id + ".exit")).string()) << "; set --";
        for (const std::string& a : run_arguments(spec, r, dir, threads)) script << " " << shell_quote(a);
        script << " ;;\n";
        fs::remove(fs::path(dir) / "logs" / (r.run->run_id + ".exit"));
    }
    script << "  *) echo \"gantry sweep: no task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n"
           << "esac\n"
           << "echo \"=== gantry $* (slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname))\" >> \"$log\"\n"
           << shell_quote(gantry) << " \"$@\" >> \"$log\" 2>&1\n"
           << "code=$?\n"
           << "echo \"$code\" > \"$code_file.tmp\" && mv \"$code_file.tmp\" \"$code_file\"\n"
           << "exit \"$code\"\n";
    const fs::path script_path = slurm_dir / "job.sh";
    io::atomic_write(script_path, script.str());
    fs::permissions(script_path, fs::perms::owner_exec, fs::perm_options::add);

    int status = 0;
    const std::string submitted = trim(capture("sbatch --parsable " + shell_quote(script_path.string()), status));
    GANTRY_CHECK_AS(ConfigError, status == 0 && !submitted.empty(), "gantry sweep --backend slurm: sbatch failed (exit ",
                    status, "): ", submitted, "; is Slurm running here (sinfo)?");
    const std::string job = submitted.substr(0, submitted.find(';'));
    observer.line(format("  submitted slurm job array %s (%zu tasks, %d at once): %s", job.c_str(), tasks.size(),
                         parallel, script_path.string().c_str()));
    for (RunRecord* r : tasks) r->status = "running";
    write_state(spec, dir, records);

    struct sigaction sa {}, old_int {}, old_term {};
    sa.sa_handler = on_slurm_signal;
    sigemptyset(&sa.sa_mask);
    g_slurm_signal.store(0);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    bool cancelled = false;
    while (true) {
        if (g_slurm_signal.load() != 0 && !cancelled) {
            // The runs checkpoint on SIGTERM and exit 130; a relaunch resumes them.
            capture("scancel --full --signal=TERM " + job, status);
            capture("scancel --state=PENDING " + job, status);
            cancelled = true;
        }
        const std::string queued = trim(capture("squeue -h -j " + job + " -o %T", status));
        if (status != 0 || queued.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);

    // Tasks that left no exit code: ask sacct (if accounting is on) what became of them.
    std::map<std::string, std::string> sacct_state;
    bool asked = false;
    for (size_t i = 0; i < tasks.size(); ++i) {
        RunRecord& r = *tasks[i];
        std::ifstream code_in(fs::path(dir) / "logs" / (r.run->run_id + ".exit"));
        int code = -1;
        if (code_in >> code) {
            settle(r, code, 0);
            continue;
        }
        if (!asked) {
            std::istringstream lines(capture("sacct -n -P -X -j " + job + " --format=JobID,State,ExitCode", status));
            for (std::string line; std::getline(lines, line);)
                if (auto bar = line.find('|'); bar != std::string::npos) sacct_state[line.substr(0, bar)] = line.substr(bar + 1);
            asked = true;
        }
        settle(r, cancelled ? 130 : -1, 0);
        if (!cancelled) {
            auto it = sacct_state.find(job + "_" + std::to_string(i));
            r.message = "slurm task " + job + "_" + std::to_string(i) + " ended without an exit code (" +
                        (it != sacct_state.end() ? "sacct: " + it->second : "no sacct record") +
                        "); see " + (slurm_dir / ("slurm-" + job + "_" + std::to_string(i) + ".out")).string();
        }
    }
    return cancelled;
}

}  // namespace gantry::sweep::detail
