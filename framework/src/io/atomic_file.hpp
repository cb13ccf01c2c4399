// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Crash-safe replacement of a whole file: a reader sees either the previous content or the new
/// one, never a torn mix, and after return the new content survives power loss.
///
/// Protocol: write a temp file in the target's directory (".<name>.gantry-tmp.<pid>.<n>"), fsync
/// it, close it (checked), rename it over the target, fsync the directory. On any failure before
/// the rename the temp is unlinked, the previous file is untouched and OutputError is thrown
/// naming the path and the system's reason ("disk full" for ENOSPC). A failed fsync is never
/// retried: the kernel may have dropped the dirty pages (PostgreSQL's "fsyncgate").
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace gantry::io {

/// Replaces `path` with `bytes` atomically and durably. Throws OutputError.
void atomic_write(const std::filesystem::path& path, std::string_view bytes);
void atomic_write(const std::filesystem::path& path, std::span<const uint8_t> bytes);

/// The streaming form of atomic_write, for outputs built piece by piece.
/// Nothing is visible at `path` until commit(); destroying an uncommitted AtomicFile removes the
/// temp file. Example:
///     AtomicFile file(dir / "summary.json");
///     file.write(header);
///     file.write(body);
///     file.commit();
class AtomicFile {
public:
    /// Creates the temp file next to `path`. Throws OutputError (e.g. the directory is missing).
    explicit AtomicFile(std::filesystem::path path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// Appends to the temp file. Throws OutputError; the temp is removed on failure.
    void write(std::string_view bytes);
    /// fsync, close, rename over the target, fsync the directory. Throws OutputError.
    void commit();

    const std::filesystem::path& path() const { return path_; }
    /// The temp file's path (for diagnostics and tests).
    const std::filesystem::path& temp_path() const { return temp_; }

private:
    void abandon() noexcept;

    std::filesystem::path path_;
    std::filesystem::path temp_;
    int fd_ = -1;
};

/// True for names that Gantry's atomic writer uses for its temp files, so a clean-up pass removes
/// only what Gantry created (never "anything unknown", the Orbax #394 trap).
bool is_atomic_temp_name(std::string_view file_name);

/// Removes leftover atomic-write temp files in `dir` (from a crash), returning how many. Call it only
/// while holding the run's RunLock: another live writer's temp would be removed too.
int remove_stale_temps(const std::filesystem::path& dir);

}  // namespace gantry::io
