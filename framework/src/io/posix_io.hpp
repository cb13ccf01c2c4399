// SPDX-License-Identifier: Apache-2.0
#pragma once
// The system calls of gantry::io behind the test fault seam (gantry/io/faults.hpp), with the
// shared error wording: "<path>: <op> failed: <strerror>[; disk full]".
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "io/faults.hpp"

namespace gantry::io::detail {

using testing::IoStep;

// Returns 0 when the step may proceed, or the injected errno.
int injected_failure(IoStep step);

int open_file(const std::filesystem::path& path, int flags, mode_t mode = 0644);
// Writes every byte, retrying short writes and EINTR; returns 0 or the errno.
int write_all(int fd, const void* data, size_t size);
int sync_fd(int fd);
int close_fd(int fd);
int rename_file(const std::filesystem::path& from, const std::filesystem::path& to);
// fsync of a directory, so that a rename or create in it survives power loss.
int sync_dir(const std::filesystem::path& dir);

// The OutputError message for `op` on `path` failing with `error_number`.
std::string os_error_message(const std::filesystem::path& path, std::string_view op,
                             int error_number);
[[noreturn]] void throw_output_error(const std::filesystem::path& path, std::string_view op,
                                     int error_number);

// The whole content of a file, or throws DataError naming it (inputs are data, not outputs).
std::string read_file_bytes(const std::filesystem::path& path, std::string_view what);

}  // namespace gantry::io::detail
