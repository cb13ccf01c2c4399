// SPDX-License-Identifier: Apache-2.0
// The local backend: a pool of `gantry run` child processes. A child is the strongest isolation
// there is: a crash, an abort or a leak in one run cannot touch the others or the sweep.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "gantry/error.hpp"
#include "records.hpp"

extern char** environ;

namespace gantry::sweep::detail {
namespace {

std::atomic<int> g_sweep_signal{0};
void on_sweep_signal(int sig) { g_sweep_signal.store(sig); }

/// SIGINT/SIGTERM stop the sweep from starting runs; running children are asked to checkpoint
/// (a terminal's Ctrl-C reaches them directly, a `kill` of the sweep is passed on).
class SweepSignals {
public:
    SweepSignals() {
        g_sweep_signal.store(0);
        struct sigaction sa {};
        sa.sa_handler = on_sweep_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~SweepSignals() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }

private:
    struct sigaction old_int_ {}, old_term_ {};
};

/// Starts `gantry` with `args`, its stdout and stderr appended to `log`.
pid_t spawn(const std::string& gantry, const std::vector<std::string>& args, const std::string& log) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    GANTRY_CHECK_AS(OutputError, fd >= 0, log, ": cannot open the run's log: ", std::strerror(errno));
    std::string header = "=== gantry";
    for (const std::string& a : args) header += " " + a;
    header += "\n";
    (void)!::write(fd, header.data(), header.size());
    // Built before fork(): between fork and exec only async-signal-safe calls are allowed.
    std::vector<char*> argv = {const_cast<char*>(gantry.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    GANTRY_CHECK_AS(OutputError, pid >= 0, "gantry sweep: fork failed: ", std::strerror(errno));
    if (pid == 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execve(gantry.c_str(), argv.data(), environ);
        static const char msg[] = "gantry sweep: error: exec of the gantry binary failed\n";
        (void)!::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    ::close(fd);
    return pid;
}

}  // namespace

bool run_local(const SweepSpec& spec, std::vector<RunRecord>& records, const std::string& dir,
               const std::string& gantry, int parallel, int threads, SweepObserver& observer) {
    SweepSignals signals;
    std::vector<std::pair<pid_t, RunRecord*>> running;
    size_t next = 0;
    bool forwarded = false;
    auto pending = [&](size_t i) { return records[i].action != Action::skip && records[i].status == "pending"; };
    while (true) {
        const int sig = g_sweep_signal.load();
        if (sig != 0 && !forwarded) {
            for (auto& [pid, r] : running) ::kill(pid, sig);
            forwarded = true;
        }
        while (sig == 0 && running.size() < static_cast<size_t>(parallel) && next < records.size()) {
            if (!pending(next)) {
                ++next;
                continue;
            }
            RunRecord& r = records[next++];
            clear_stale_dir(r);
            if (r.action == Action::start && std::filesystem::exists(r.dir)) r.action = Action::resume;
            running.emplace_back(spawn(gantry, run_arguments(spec, r, dir, threads), r.log), &r);
            r.status = "running";
            observer.line(format("  started %s %s (%s seed %llu)", r.action == Action::resume ? "resuming" : "",
                                 r.run->run_id.c_str(), r.run->label.c_str(),
                                 static_cast<unsigned long long>(r.run->seed)));
            write_state(spec, dir, records);
        }
        if (running.empty()) break;
        bool reaped = false;
        for (size_t i = 0; i < running.size();) {
            int status = 0;
            const pid_t done = ::waitpid(running[i].first, &status, WNOHANG);
            if (done == 0 || (done < 0 && errno == EINTR)) {
                ++i;
                continue;
            }
            RunRecord& r = *running[i].second;
            if (done < 0) settle(r, -1, 0);
            else if (WIFEXITED(status)) settle(r, WEXITSTATUS(status), 0);
            else settle(r, -1, WTERMSIG(status));
            observer.line(format("  %-11s %s (%s seed %llu)%s%s", r.status.c_str(), r.run->run_id.c_str(),
                                 r.run->label.c_str(), static_cast<unsigned long long>(r.run->seed),
                                 r.message.empty() ? "" : ": ", r.message.c_str()));
            running.erase(running.begin() + static_cast<long>(i));
            reaped = true;
        }
        if (reaped) write_state(spec, dir, records);
        else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return g_sweep_signal.load() != 0;
}

}  // namespace gantry::sweep::detail
