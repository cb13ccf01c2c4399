// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Path safety for everything Gantry writes: user-given output roots, experiment names and run ids,
/// and relative names inside a run directory (CWE-22, "Zip Slip"). Every refusal throws OutputError
/// (exit code 74) naming what was refused and why.
#include <filesystem>
#include <string_view>

namespace gantry::io {

/// Longest accepted path component, in bytes (Linux NAME_MAX).
inline constexpr size_t kMaxComponentBytes = 255;
/// Longest accepted whole path, in bytes (Linux PATH_MAX minus the terminating NUL).
inline constexpr size_t kMaxPathBytes = 4095;

/// A user-given output path (`--out DIR`), made absolute against the working directory and
/// lexically normalised. Refuses an empty path, NUL bytes, components over kMaxComponentBytes and
/// paths over kMaxPathBytes. `what` names the source in errors ("--out").
std::filesystem::path resolve_output_path(std::string_view user_path, std::string_view what);

/// Checks that `name` can be one directory name (an experiment name, a run id): non-empty, not "."
/// or "..", no '/', no NUL or control characters, at most kMaxComponentBytes. Throws OutputError
/// naming `what`.
void check_path_component(std::string_view name, std::string_view what);

/// `root / relative`, refused when `relative` could leave `root`: empty, absolute, with a ".."
/// component, NUL or control bytes, an over-long component, or an existing component below `root`
/// that is a symbolic link (a link could point anywhere). "." components are dropped.
std::filesystem::path safe_join(const std::filesystem::path& root, std::string_view relative);

}  // namespace gantry::io
