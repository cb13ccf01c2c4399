// SPDX-License-Identifier: Apache-2.0
#include "support/process_pool.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "support/files.hpp"

extern char** environ;

namespace gantry::testing {

namespace {

pid_t start(const Command& c) {
    // Built before fork(): the child of a threaded process may only call async-signal-safe code.
    std::vector<char*> argv;
    for (const std::string& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e)
        if (std::strncmp(*e, "GANTRY_PLUGIN_PATH=", 19) != 0) envp.push_back(*e);
    for (const std::string& e : c.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int out = ::open(c.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) throw std::runtime_error("cannot create " + c.output.string());
    const std::string cwd = c.cwd.string();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, 0);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out);
    if (pid < 0) throw std::runtime_error("fork failed");
    return pid;
}

}  // namespace

std::vector<ProcessResult> run_all(const std::vector<Command>& commands, int parallel,
                                   std::chrono::seconds limit) {
    using clock = std::chrono::steady_clock;
    std::vector<ProcessResult> results(commands.size());
    struct Running {
        size_t index;
        clock::time_point started;
        bool killed = false;
    };
    std::map<pid_t, Running> running;
    size_t next = 0;
    while (next < commands.size() || !running.empty()) {
        while (next < commands.size() && static_cast<int>(running.size()) < parallel) {
            running[start(commands[next])] = Running{next, clock::now()};
            ++next;
        }
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0 && running.count(pid)) {
            const Running r = running[pid];
            running.erase(pid);
            ProcessResult& result = results[r.index];
            if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
            if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
            result.timed_out = r.killed;
            result.output = slurp(commands[r.index].output);
            continue;
        }
        for (auto& [p, r] : running)
            if (!r.killed && clock::now() - r.started > limit) {
                ::kill(p, SIGKILL);
                r.killed = true;
            }
        ::usleep(2000);
    }
    return results;
}

}  // namespace gantry::testing
