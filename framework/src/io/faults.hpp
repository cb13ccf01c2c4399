// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A fault seam for tests: make the Nth file-system call of one kind fail with a chosen errno, the
/// way SQLite's I/O-error tests walk a fault over every step of a commit. Inert unless armed; every
/// writer of gantry::io goes through it.
namespace gantry::io::testing {

enum class IoStep { open, write, fsync, close, rename, dir_fsync };

/// The `nth` (1-based) next `step` anywhere in the process fails with `error_number` (an errno such
/// as ENOSPC or EIO), once. Arming again replaces the previous fault.
void inject_failure(IoStep step, int nth, int error_number);
/// Disarms the fault. Returns true when the armed fault fired.
bool clear_failure();

}  // namespace gantry::io::testing
