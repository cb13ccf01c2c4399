// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Reading sample arrays made anywhere (`gantry eval --fake FILE.npy`): NumPy .npy files.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gantry/tensor.hpp"

namespace gantry::io {

/// A .npy array as f32, with what it was stored as.
struct NpyArray {
    std::vector<int64_t> shape;
    /// The stored element type: "<f4", "<f8" or "|u1" (values converted to f32 exactly as
    /// static_cast does; f8 values outside f32's range become inf and are refused).
    std::string dtype;
    Tensor values;  ///< shape `shape` (a scalar array is (1))
};

/// Reads a NumPy .npy file (versions 1.0, 2.0 and 3.0) in C order with element type
/// little-endian float32 ('<f4'), float64 ('<f8') or uint8 ('|u1'). Throws DataError naming the
/// file when it is missing, not a .npy file, truncated, of another element type (naming it and
/// the accepted ones), in Fortran order, holds more or fewer bytes than its shape says, holds a
/// non-finite value (naming its index), or is larger than `max_values` values.
NpyArray read_npy(const std::filesystem::path& path, int64_t max_values = int64_t{1} << 31);

}  // namespace gantry::io
