// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A run's `checkpoints/` directory: `ckpt-<iteration, 9 digits>.gck` files, a `latest` pointer
/// naming the newest durable one, and retention of the newest `keep`.
///
/// Commit order (each step durable before the next): checkpoint file, then `latest` (also written
/// atomically), then retention. A crash at any point leaves `latest` naming a complete checkpoint,
/// and the previous checkpoint is deleted only once the new one is durable.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"

namespace gantry::io {

/// "ckpt-000002000.gck" (more digits past 999,999,999).
std::string checkpoint_file_name(uint64_t iteration);
/// The iteration of a file name made by checkpoint_file_name, or nullopt for any other name
/// (temps, user files, "latest").
std::optional<uint64_t> parse_checkpoint_file_name(const std::string& file_name);

struct SavedCheckpoint {
    std::filesystem::path path;
    /// Older checkpoints deleted by retention.
    std::vector<std::filesystem::path> removed;
    /// Retention problems (a file that could not be deleted): reported, never fatal.
    std::vector<std::string> warnings;
};

/// Writes checkpoint `iteration` into `dir` (created if needed), points `latest` at it, then keeps
/// the newest `keep` checkpoints (0 keeps all). Retention deletes only files named like
/// checkpoint_file_name, never the new one. Throws OutputError; the previous checkpoint and
/// pointer then stay intact and newest.
SavedCheckpoint save_checkpoint(const std::filesystem::path& dir, uint64_t iteration,
                                const CheckpointData& data, int keep);

/// Every checkpoint file in `dir` by iteration, oldest first (unverified).
std::vector<std::pair<uint64_t, std::filesystem::path>> list_checkpoints(
    const std::filesystem::path& dir);

struct FoundCheckpoint {
    std::filesystem::path path;
    uint64_t iteration = 0;
    CheckpointData data;
    /// True when `latest` was missing, unreadable or named a bad file and an older good
    /// checkpoint was chosen instead; `note` then says what was wrong and what was used.
    bool fell_back = false;
    std::string note;
};

/// The checkpoint to resume from: the one `latest` names if it verifies, else the newest
/// checkpoint file that verifies (fell_back set). nullopt when `dir` holds no checkpoint at all.
/// Throws DataError listing each problem when checkpoints exist but none verifies.
std::optional<FoundCheckpoint> find_latest_good(const std::filesystem::path& dir);

}  // namespace gantry::io
