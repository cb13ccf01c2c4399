// SPDX-License-Identifier: Apache-2.0
#include "io/run_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>
#include <utility>

#include "gantry/error.hpp"
#include "io/paths.hpp"
#include "io/posix_io.hpp"

namespace gantry::io {

namespace {
std::string utc_now(const char* format) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[64];
    std::strftime(text, sizeof text, format, &tm);
    return text;
}

std::string host_name() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) return "unknown-host";
    return host;
}

// "pid 123 on host h since 2026-...", from the lock file's "pid=..\nhost=..\nstart=..\n".
std::string describe_holder(int fd) {
    char buffer[512] = {};
    // The holder writes its details right after taking the lock: a racer that lost by a hair may
    // read before they are there, so it looks again for up to ~50 ms before saying so.
    ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    for (int attempt = 0; n <= 0 && attempt < 10; ++attempt) {
        ::usleep(5000);
        n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    }
    if (n <= 0) return "another process (its details are not written yet)";
    std::string pid = "?", host = "?", start = "?";
    std::string_view text(buffer, static_cast<size_t>(n));
    while (!text.empty()) {
        const size_t eol = text.find('\n');
        const std::string_view line = text.substr(0, eol);
        const size_t eq = line.find('=');
        if (eq != std::string_view::npos) {
            const std::string_view key = line.substr(0, eq);
            const std::string value(line.substr(eq + 1));
            if (key == "pid") pid = value;
            if (key == "host") host = value;
            if (key == "start") start = value;
        }
        if (eol == std::string_view::npos) break;
        text.remove_prefix(eol + 1);
    }
    return "pid " + pid + " on host " + host + " since " + start;
}
}  // namespace

RunLock::RunLock(const std::filesystem::path& run_dir) : run_dir_(run_dir) {
    const auto lock_path = run_dir_ / ".lock";
    // Never O_TRUNC here: the file may be the live holder's, whose details we are about to report.
    fd_ = detail::open_file(lock_path, O_RDWR | O_CREAT, 0644);
    if (fd_ < 0) detail::throw_output_error(lock_path, "creating the run lock", errno);
    int rc;
    do {
        rc = ::flock(fd_, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        const int err = errno;
        std::string message;
        if (err == EWOULDBLOCK)
            message = "run directory " + run_dir_.string() + " is in use by " + describe_holder(fd_) +
                      "; wait for that run to finish or choose another run directory";
        else
            message = detail::os_error_message(lock_path, "flock", err);
        ::close(fd_);
        fd_ = -1;
        throw OutputError(message);
    }
    const std::string info = "pid=" + std::to_string(::getpid()) + "\nhost=" + host_name() +
                             "\nstart=" + utc_now("%Y-%m-%dT%H:%M:%SZ") + "\n";
    int err = ::ftruncate(fd_, 0) == 0 ? 0 : errno;
    if (err == 0) {
        const ssize_t n = ::pwrite(fd_, info.data(), info.size(), 0);
        err = n == static_cast<ssize_t>(info.size()) ? 0 : (n < 0 ? errno : ENOSPC);
    }
    if (err != 0) {
        ::close(fd_);
        fd_ = -1;
        detail::throw_output_error(lock_path, "writing the run lock", err);
    }
}

RunLock::~RunLock() {
    // The lock file stays: removing it would let a third process lock a fresh inode while a
    // second one still waits on the old one.
    if (fd_ >= 0) ::close(fd_);
}

RunLock::RunLock(RunLock&& other) noexcept
    : run_dir_(std::move(other.run_dir_)), fd_(std::exchange(other.fd_, -1)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        run_dir_ = std::move(other.run_dir_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

RunDir create_run_dir(const std::filesystem::path& out, std::string_view experiment,
                      std::string_view run_id) {
    check_path_component(experiment, "experiment name");
    check_path_component(run_id, "run id");
    const auto parent = out / std::string(experiment);
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) detail::throw_output_error(parent, "creating the directory", ec.value());
    const auto run = parent / std::string(run_id);
    // One mkdir, no exists() check before it: of two racing runs exactly one gets past here.
    if (::mkdir(run.c_str(), 0755) != 0) {
        const int err = errno;
        if (err == EEXIST)
            throw OutputError("run directory " + run.string() +
                              ": expected a new directory, got an existing one; use --resume " +
                              run.string() + " or another run id");
        detail::throw_output_error(run, "creating the run directory", err);
    }
    if (const int err = detail::sync_dir(parent))
        detail::throw_output_error(parent, "fsync of the directory", err);
    return RunDir{run, RunLock(run)};
}

RunDir open_run_dir(const std::filesystem::path& run_dir) {
    struct stat st {};
    if (::stat(run_dir.c_str(), &st) != 0)
        detail::throw_output_error(run_dir, "opening the run directory", errno);
    if (!S_ISDIR(st.st_mode))
        throw OutputError("run directory " + run_dir.string() + ": expected a directory, got a file");
    return RunDir{run_dir, RunLock(run_dir)};
}

std::string make_run_id() { return utc_now("%Y%m%d-%H%M%S"); }

}  // namespace gantry::io
