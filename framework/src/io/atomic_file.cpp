// SPDX-License-Identifier: Apache-2.0
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

#include "gantry/error.hpp"
#include "io/posix_io.hpp"

namespace gantry::io {

namespace {
constexpr std::string_view kTempTag = ".gantry-tmp.";

std::filesystem::path parent_dir(const std::filesystem::path& path) {
    const auto parent = path.parent_path();
    return parent.empty() ? std::filesystem::path(".") : parent;
}

// pid + a process-wide counter: unique among concurrent writers in this process and in others,
// and recognisable later by is_atomic_temp_name.
std::filesystem::path make_temp_path(const std::filesystem::path& path) {
    static std::atomic<uint64_t> counter{0};
    std::string name(1, '.');
    name += path.filename().string();
    name += kTempTag;
    name += std::to_string(::getpid());
    name += '.';
    name += std::to_string(counter++);
    return parent_dir(path) / name;
}
}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
    GANTRY_CHECK(!path_.filename().empty(), "AtomicFile: expected a file path, got '",
                 path_.string(), "'");
    temp_ = make_temp_path(path_);
    fd_ = detail::open_file(temp_, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd_ < 0) detail::throw_output_error(path_, "creating a temp file", errno);
}

AtomicFile::~AtomicFile() { abandon(); }

void AtomicFile::abandon() noexcept {
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
    fd_ = -1;
    temp_.clear();
}

void AtomicFile::write(std::string_view bytes) {
    GANTRY_CHECK(fd_ >= 0, "AtomicFile::write: ", path_.string(), " is already committed or failed");
    if (const int err = detail::write_all(fd_, bytes.data(), bytes.size())) {
        abandon();
        detail::throw_output_error(path_, "write", err);
    }
}

void AtomicFile::commit() {
    GANTRY_CHECK(fd_ >= 0, "AtomicFile::commit: ", path_.string(), " is already committed or failed");
    if (const int err = detail::sync_fd(fd_)) {
        abandon();
        detail::throw_output_error(path_, "fsync", err);
    }
    const int fd = fd_;
    fd_ = -1;
    // close() can report a deferred write error (NFS): that too means "not committed".
    if (const int err = detail::close_fd(fd)) {
        abandon();
        detail::throw_output_error(path_, "close", err);
    }
    if (const int err = detail::rename_file(temp_, path_)) {
        abandon();
        detail::throw_output_error(path_, "rename", err);
    }
    temp_.clear();
    // Past the rename the new content is in place; a failing directory fsync only means it may
    // not survive a power loss, which the caller must still hear about.
    if (const int err = detail::sync_dir(parent_dir(path_)))
        detail::throw_output_error(path_, "fsync of the directory", err);
}

void atomic_write(const std::filesystem::path& path, std::string_view bytes) {
    AtomicFile file(path);
    file.write(bytes);
    file.commit();
}

void atomic_write(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
    atomic_write(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool is_atomic_temp_name(std::string_view name) {
    // ".<target>.gantry-tmp.<pid>.<counter>"
    if (name.size() < 2 || name[0] != '.') return false;
    const size_t tag = name.rfind(kTempTag);
    if (tag == std::string_view::npos || tag < 2) return false;
    const std::string_view rest = name.substr(tag + kTempTag.size());
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return false;
    for (size_t i = 0; i < rest.size(); ++i)
        if (i != dot && (rest[i] < '0' || rest[i] > '9')) return false;
    return true;
}

int remove_stale_temps(const std::filesystem::path& dir) {
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!is_atomic_temp_name(name) || !entry.is_regular_file(ec)) continue;
        if (::unlink(entry.path().c_str()) == 0) ++removed;
    }
    return removed;
}

}  // namespace gantry::io
