// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The real `gantry` binary as a child process for CLI tests: stdout and stderr in one pipe,
/// extra environment variables, waiting with a time limit (a hung child is killed, so a test
/// fails instead of hanging).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace gantry::testing {

struct ProcessResult {
    int exit_code = -1;  // -1: killed by a signal
    std::string output;
};

class GantryProcess {
public:
    /// `env` entries ("NAME=value") are added; GANTRY_PLUGIN_PATH is dropped so that only the
    /// built plugins are seen.
    explicit GantryProcess(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
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

    ProcessResult finish(std::chrono::seconds limit = std::chrono::seconds(120)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                ::kill(pid_, SIGKILL);
                output_ += "\n[test: killed after the time limit]";
                break;
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buffer[4096];
            const ssize_t n = ::read(fd_, buffer, sizeof buffer);
            if (n <= 0) break;
            output_.append(buffer, static_cast<size_t>(n));
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output_};
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    bool reaped_ = false;
    std::string output_;
};

inline ProcessResult run_gantry(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    return GantryProcess(args, env).finish();
}

}  // namespace gantry::testing
