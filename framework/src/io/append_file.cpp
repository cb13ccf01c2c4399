// SPDX-License-Identifier: Apache-2.0
#include "io/append_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "gantry/error.hpp"
#include "io/posix_io.hpp"

namespace gantry::io {

AppendFile::AppendFile(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = detail::open_file(path_, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd_ < 0) detail::throw_output_error(path_, "open for appending", errno);
}

AppendFile::~AppendFile() {
    if (fd_ >= 0) ::close(fd_);
}

AppendFile::AppendFile(AppendFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

void AppendFile::append_line(std::string_view line, bool durable) {
    GANTRY_CHECK(fd_ >= 0, "AppendFile::append_line: ", path_.string(), " is closed");
    GANTRY_CHECK(line.find('\n') == std::string_view::npos, "AppendFile::append_line: ",
                 path_.string(), ": expected one line, got text with a newline");
    // The end before the write: on failure the file is cut back here, so it always ends at a
    // complete line (we are its only writer while the run lock is held).
    struct stat st {};
    const off_t before = ::fstat(fd_, &st) == 0 ? st.st_size : -1;
    std::string buffer;
    buffer.reserve(line.size() + 1);
    buffer.append(line).push_back('\n');
    if (const int err = detail::write_all(fd_, buffer.data(), buffer.size())) {
        if (before >= 0) (void)::ftruncate(fd_, before);
        detail::throw_output_error(path_, "append", err);
    }
    if (durable) sync();
}

void AppendFile::sync() {
    if (const int err = detail::sync_fd(fd_)) detail::throw_output_error(path_, "fsync", err);
}

int64_t truncate_to_last_line(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        detail::throw_output_error(path, "open", errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        detail::throw_output_error(path, "stat", err);
    }
    // Scan backwards in blocks for the last '\n'.
    off_t keep = 0;
    char block[4096];
    for (off_t end = st.st_size; end > 0 && keep == 0;) {
        const off_t start = end > static_cast<off_t>(sizeof block) ? end - static_cast<off_t>(sizeof block) : 0;
        const ssize_t n = ::pread(fd, block, static_cast<size_t>(end - start), start);
        if (n != end - start) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            detail::throw_output_error(path, "read", err);
        }
        for (ssize_t i = n - 1; i >= 0; --i)
            if (block[i] == '\n') {
                keep = start + i + 1;
                break;
            }
        end = start;
    }
    const int64_t removed = st.st_size - keep;
    if (removed > 0 && (::ftruncate(fd, keep) != 0 || ::fsync(fd) != 0)) {
        const int err = errno;
        ::close(fd);
        detail::throw_output_error(path, "truncate", err);
    }
    ::close(fd);
    return removed;
}

}  // namespace gantry::io
