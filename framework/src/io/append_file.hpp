// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Line-oriented append-only output (metrics.jsonl, eval.jsonl): each line is written whole with a
/// single O_APPEND write, so a crash or a full disk leaves the file ending at the last complete line.
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace gantry::io {

class AppendFile {
public:
    /// Opens (creating if needed) `path` for appending. Throws OutputError.
    explicit AppendFile(std::filesystem::path path);
    ~AppendFile();
    AppendFile(const AppendFile&) = delete;
    AppendFile& operator=(const AppendFile&) = delete;
    AppendFile(AppendFile&& other) noexcept;
    AppendFile& operator=(AppendFile&& other) noexcept;

    /// Appends `line` and a '\n'. `line` must not contain '\n' (gantry::Error otherwise). With
    /// `durable` the data is fsync'ed before return. On failure (disk full, I/O error) any partial
    /// line is cut off again and OutputError is thrown naming the path.
    void append_line(std::string_view line, bool durable = false);
    /// fsync. Throws OutputError.
    void sync();

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

/// After a crash: cuts `path` back to its last '\n' (dropping a torn last line). Returns how many
/// bytes were removed; a missing file is 0. Throws OutputError.
int64_t truncate_to_last_line(const std::filesystem::path& path);

}  // namespace gantry::io
