// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Reader of IDX files (the MNIST / Fashion-MNIST format, gzipped or plain).
#include <cstdint>
#include <string>
#include <vector>

namespace gantry::datasets {

struct IdxArray {
    std::vector<int64_t> dims;   ///< e.g. (60000, 28, 28) for images, (60000) for labels
    std::vector<uint8_t> values; ///< row-major, unsigned bytes
};

/// Reads an IDX file of unsigned bytes (type code 0x08). Gzip is detected by its magic bytes.
/// Throws DataError naming the file for a bad magic, an unsupported type, dimensions that do not
/// match the file size, an absurd size, or truncation — before allocating anything large.
IdxArray read_idx(const std::string& path);

}  // namespace gantry::datasets
