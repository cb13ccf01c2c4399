// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The real `gantry` binary as a child process for CLI tests: stdout and stderr in one pipe,
/// extra environment variables, reading until a line appears, waiting with a time limit (a hung
/// child is killed, so a test fails instead of hanging).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "support/process_result.hpp"

namespace gantry::testing {

class GantryProcess {
public:
    /// `env` entries ("NAME=value") are added; GANTRY_PLUGIN_PATH is dropped so that only the
    /// built plugins are seen.
    explicit GantryProcess(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
        // Everything the child needs is built before fork(): between fork and exec only
        // async-signal-safe calls (no malloc) are allowed in a process that may have threads.
        static char cli[] = GANTRY_CLI;
        std::vector<char*> argv = {cli};
        for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (char** e = environ; *e != nullptr; ++e)
            if (std::strncmp(*e, "GANTRY_PLUGIN_PATH=", 19) != 0) envp.push_back(*e);
        for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(fds[1], 1);
            ::dup2(fds[1], 2);
            ::execve(cli, argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        if (pid_ < 0) {
            ::close(fds[0]);
            return;
        }
        fd_ = fds[0];
    }
    ~GantryProcess() {
        if (fd_ >= 0) ::close(fd_);
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    GantryProcess(const GantryProcess&) = delete;
    GantryProcess& operator=(const GantryProcess&) = delete;

    pid_t pid() const { return pid_; }
    const std::string& output() const { return output_; }

    /// Reads until `needle` has appeared in the output (true) or the child closed it / the time
    /// ran out (false).
    bool read_until(const std::string& needle, std::chrono::seconds limit = std::chrono::seconds(60)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (output_.find(needle) == std::string::npos) {
            const auto left = until(deadline);
            if (left <= 0 || read_some(left) == Read::end) return false;
        }
        return true;
    }

    /// Reads everything and waits for the exit.
    ProcessResult finish(std::chrono::seconds limit = std::chrono::seconds(120)) {
        ProcessResult result;
        if (pid_ < 0) {
            result.output = "[test: could not start " GANTRY_CLI "]";
            return result;
        }
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (true) {
            const auto left = until(deadline);
            if (left <= 0) {
                ::kill(pid_, SIGKILL);
                output_ += "\n[test: killed after the time limit]";
                result.timed_out = true;
                break;
            }
            if (read_some(left) == Read::end) break;
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        result.output = output_;
        if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
        return result;
    }

private:
    static int until(std::chrono::steady_clock::time_point deadline) {
        return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now()).count());
    }

    enum class Read { data, nothing, end };
    // `nothing` when no byte came within `ms`: the callers then look at their deadline again.
    Read read_some(int ms) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0) return Read::nothing;
        char buffer[4096];
        const ssize_t n = ::read(fd_, buffer, sizeof buffer);
        if (n <= 0) return Read::end;
        output_.append(buffer, static_cast<size_t>(n));
        return Read::data;
    }

    pid_t pid_ = -1;
    int fd_ = -1;
    bool reaped_ = false;
    std::string output_;
};

inline ProcessResult run_gantry(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                                std::chrono::seconds limit = std::chrono::seconds(120)) {
    return GantryProcess(args, env).finish(limit);
}

}  // namespace gantry::testing
