// SPDX-License-Identifier: Apache-2.0
#include "io/checkpoint.hpp"

namespace gantry::io {

void write_checkpoint(const std::filesystem::path& path, const CheckpointData& data) { write_tensor_file(path, data); }

CheckpointData read_checkpoint(const std::filesystem::path& path) { return read_tensor_file(path, "checkpoint"); }

}  // namespace gantry::io
