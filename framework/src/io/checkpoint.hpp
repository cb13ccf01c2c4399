// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A run's checkpoint file (.gck) is a tensor file (gantry/serialize.hpp; layout and reader
/// there, docs/run-directory.md): the parameters, optimizer moments, EMA weights and RNG states
/// as named tensors, and the run's position as JSON metadata. These two functions only name it
/// "checkpoint" in messages: "checkpoint <path> is corrupt: <what>" (a DataError, exit code 4);
/// a checkpoint is never partly loaded. Checkpoints written before tensor files (GANTRYCK
/// version 1) are still read.
#include <filesystem>

#include "gantry/serialize.hpp"

namespace gantry::io {

/// The metadata holds the iteration, config hash, thread count, ISA, ... (a JSON object, stored
/// byte for byte); the tensors everything else.
using CheckpointData = TensorFile;

/// write_tensor_file: atomic and durable. Throws OutputError when the file cannot be written (the
/// previous file at `path` stays intact).
void write_checkpoint(const std::filesystem::path& path, const CheckpointData& data);
/// read_tensor_file(path, "checkpoint"). Throws DataError when it is missing, unreadable or
/// corrupt.
CheckpointData read_checkpoint(const std::filesystem::path& path);

}  // namespace gantry::io
