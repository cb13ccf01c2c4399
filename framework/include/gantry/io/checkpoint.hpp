// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Gantry's checkpoint file (.gck): named f32 tensors plus a JSON metadata document, every part
/// checksummed, written with atomic_write. Layout (all integers little-endian):
///
///     "GANTRYCK"  u32 format version  u32 tensor count
///     u64 metadata length  u32 metadata CRC32C  u32 table CRC32C  u64 table length
///     metadata (JSON text, as the caller gave it)
///     tensor table: per tensor u32 name length, name, u32 rank, rank x u64 dims,
///                   u64 data offset (from file start), u64 data length, u32 data CRC32C
///     tensor data, each starting on a 64-byte boundary (zero padding)
///     "GCKTRAIL"  u64 total file length  u32 CRC32C of every byte before this field
///
/// A reader checks every length and offset against the file size with overflow-checked arithmetic
/// before allocating anything, then every CRC. Any inconsistency is a DataError (exit code 4)
/// "checkpoint <path> is corrupt: <what>"; a checkpoint is never partly loaded.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "gantry/tensor.hpp"

namespace gantry::io {

/// The format version written; readers refuse newer versions.
inline constexpr uint32_t kCheckpointFormatVersion = 1;

struct CheckpointData {
    /// A JSON object (iteration, config hash, thread count, ISA, RNG states, schedule position,
    /// plugin identities, ...). Stored byte for byte; must parse as a JSON object.
    std::string metadata_json = "{}";
    /// Parameters, optimizer moments, EMA weights, ... by unique non-empty name.
    std::map<std::string, Tensor> tensors;
};

/// The checkpoint file's bytes. Throws gantry::Error when the metadata is not a JSON object or a
/// tensor is undefined or unnamed.
std::string encode_checkpoint(const CheckpointData& data);
/// Parses and verifies a whole checkpoint held in memory; `source` names it in errors.
/// Throws DataError.
CheckpointData decode_checkpoint(std::string_view bytes, const std::string& source);

/// encode_checkpoint then atomic_write. Throws OutputError when the file cannot be written (the
/// previous file at `path` stays intact).
void write_checkpoint(const std::filesystem::path& path, const CheckpointData& data);
/// Reads and verifies `path`. Throws DataError when it is missing, unreadable or corrupt.
CheckpointData read_checkpoint(const std::filesystem::path& path);

}  // namespace gantry::io
