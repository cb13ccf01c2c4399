// SPDX-License-Identifier: Apache-2.0
#include "io/posix_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "gantry/error.hpp"

namespace gantry::io {

namespace {
// One armed fault for the whole process: tests are single-threaded around it, but the counters are
// atomic so that an armed fault in a multi-threaded test cannot fire twice.
std::atomic<int> g_fault_step{-1};
std::atomic<int> g_fault_countdown{0};
std::atomic<int> g_fault_errno{0};
std::atomic<bool> g_fault_fired{false};
}  // namespace

namespace testing {
void inject_failure(IoStep step, int nth, int error_number) {
    g_fault_fired = false;
    g_fault_errno = error_number;
    g_fault_countdown = nth;
    g_fault_step = static_cast<int>(step);
}

bool clear_failure() {
    g_fault_step = -1;
    return g_fault_fired.exchange(false);
}
}  // namespace testing

namespace detail {

int injected_failure(IoStep step) {
    if (g_fault_step.load(std::memory_order_relaxed) != static_cast<int>(step)) return 0;
    if (g_fault_countdown.fetch_sub(1) != 1) return 0;
    g_fault_step = -1;
    g_fault_fired = true;
    return g_fault_errno.load();
}

int open_file(const std::filesystem::path& path, int flags, mode_t mode) {
    if (const int err = injected_failure(IoStep::open)) {
        errno = err;
        return -1;
    }
    int fd;
    do {
        fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

int write_all(int fd, const void* data, size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        if (const int err = injected_failure(IoStep::write)) return err;
        // Linux writes at most 0x7ffff000 bytes per call; larger requests come back short anyway.
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return 0;
}

int sync_fd(int fd) {
    if (const int err = injected_failure(IoStep::fsync)) return err;
    return ::fsync(fd) == 0 ? 0 : errno;
}

int close_fd(int fd) {
    if (const int err = injected_failure(IoStep::close)) {
        ::close(fd);
        return err;
    }
    // No retry on EINTR: on Linux the descriptor is released either way.
    return ::close(fd) == 0 ? 0 : errno;
}

int rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (const int err = injected_failure(IoStep::rename)) return err;
    return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

int sync_dir(const std::filesystem::path& dir) {
    if (const int err = injected_failure(IoStep::dir_fsync)) return err;
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = ::fsync(fd) == 0 ? 0 : errno;
    // Some file systems cannot fsync a directory; they give EINVAL and have nothing to flush.
    if (err == EINVAL) err = 0;
    ::close(fd);
    return err;
}

std::string os_error_message(const std::filesystem::path& path, std::string_view op,
                             int error_number) {
    std::string message = path.string() + ": " + std::string(op) + " failed: " +
                          std::strerror(error_number);
    if (error_number == ENOSPC || error_number == EDQUOT)
        message += "; disk full: free space, then resume from the last checkpoint";
    return message;
}

void throw_output_error(const std::filesystem::path& path, std::string_view op, int error_number) {
    throw OutputError(os_error_message(path, op, error_number));
}

std::string read_file_bytes(const std::filesystem::path& path, std::string_view what) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw DataError(gantry::detail::concat(what, " ", path.string(), ": cannot open: ",
                                       std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const std::string got = S_ISDIR(st.st_mode) ? "a directory"
                                : S_ISREG(st.st_mode) ? std::strerror(errno)
                                                      : "a special file";
        ::close(fd);
        throw DataError(gantry::detail::concat(what, " ", path.string(), ": expected a regular file, got ",
                                       got));
    }
    // The size comes from the file system, not from the file's content, so it bounds the
    // allocation by what is really on disk.
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw DataError(gantry::detail::concat(what, " ", path.string(), ": read failed: ",
                                           std::strerror(err)));
        }
        if (n == 0) break;  // shrank while reading: decode what is there, the checks catch it
        done += static_cast<size_t>(n);
    }
    bytes.resize(done);
    ::close(fd);
    return bytes;
}

}  // namespace detail
}  // namespace gantry::io
