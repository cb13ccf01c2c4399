// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The run directory `<out>/<experiment>/<run-id>/` and the lock that makes it single-writer.
#include <filesystem>
#include <string>
#include <string_view>

namespace gantry::io {

/// Exclusive ownership of a run directory for the lifetime of this object: flock(LOCK_EX|LOCK_NB)
/// on `<run>/.lock`, which holds "pid host start-time" of the owner. The kernel drops the lock when
/// the process dies (even by kill -9), so a crashed run never leaves a stale lock behind.
///
/// The lock belongs to the open file description: a fork()ed child shares it, and a second RunLock
/// on the same directory, even in the same process, is refused.
class RunLock {
public:
    /// Takes the lock. Throws OutputError "run directory X is in use by pid N on host H since T"
    /// when another owner holds it, or OutputError when `.lock` cannot be created.
    explicit RunLock(const std::filesystem::path& run_dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&& other) noexcept;

    const std::filesystem::path& run_dir() const { return run_dir_; }

private:
    std::filesystem::path run_dir_;
    int fd_ = -1;
};

/// A freshly created, locked run directory.
struct RunDir {
    std::filesystem::path path;
    RunLock lock;
};

/// Creates `<out>/<experiment>/<run_id>/`: the parents as with `mkdir -p`, the run directory itself
/// with a single mkdir, so two runs racing for one id cannot both succeed. Then locks it. Throws
/// OutputError when the run directory already exists ("use --resume or another run id"), when a
/// name is not a safe path component, or when a directory cannot be created.
RunDir create_run_dir(const std::filesystem::path& out, std::string_view experiment,
                      std::string_view run_id);

/// Locks an existing run directory (for --resume). Throws OutputError when it is missing, not a
/// directory, or in use.
RunDir open_run_dir(const std::filesystem::path& run_dir);

/// A run id from the current UTC time, "20261125-163501" (second resolution, sortable).
std::string make_run_id();

}  // namespace gantry::io
