// SPDX-License-Identifier: Apache-2.0
#include "io/array_export.hpp"

#include <bit>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "gantry/io/numbers.hpp"

namespace gantry::io {

static_assert(std::endian::native == std::endian::little, ".npy '<f4' data is written as in memory");

std::string encode_npy(const Tensor& tensor) {
    GANTRY_CHECK(tensor.defined(), "encode_npy: the tensor is undefined");
    std::string shape = "(";
    for (int a = 0; a < tensor.rank(); ++a) {
        shape += std::to_string(tensor.size(a));
        // A one-element Python tuple needs its trailing comma: "(5,)".
        if (a + 1 < tensor.rank() || tensor.rank() == 1) shape += a + 1 < tensor.rank() ? ", " : ",";
    }
    shape += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // numpy pads so that magic (6) + version (2) + length (2) + header ends on a 64-byte boundary,
    // the header ending in '\n'.
    const size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');
    std::string out = "\x93NUMPY";
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(header.size() & 0xFF));
    out.push_back(static_cast<char>((header.size() >> 8) & 0xFF));
    out += header;
    out.append(reinterpret_cast<const char*>(tensor.data()), static_cast<size_t>(tensor.numel()) * 4);
    return out;
}

void write_npy(const std::filesystem::path& path, const Tensor& tensor) {
    atomic_write(path, encode_npy(tensor));
}

std::string encode_csv(const Tensor& tensor, const std::vector<std::string>& header) {
    GANTRY_CHECK_AS(ShapeError, tensor.defined() && tensor.rank() >= 1,
                    "encode_csv: expected a (N) or (N, F...) tensor, got ",
                    tensor.defined() ? tensor.shape().str() : std::string("an undefined tensor"));
    const int64_t rows = tensor.size(0);
    const int64_t cols = rows > 0 ? tensor.numel() / rows : 0;
    GANTRY_CHECK_AS(ShapeError, header.empty() || static_cast<int64_t>(header.size()) == cols,
                    "encode_csv: expected ", cols, " column names, got ", header.size());
    std::string out;
    for (size_t i = 0; i < header.size(); ++i) {
        if (i) out.push_back(',');
        out += header[i];
    }
    if (!header.empty()) out.push_back('\n');
    const float* data = tensor.data();
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            if (c) out.push_back(',');
            out += format_float(data[r * cols + c]);
        }
        out.push_back('\n');
    }
    return out;
}

void write_csv(const std::filesystem::path& path, const Tensor& tensor,
               const std::vector<std::string>& header) {
    atomic_write(path, encode_csv(tensor, header));
}

}  // namespace gantry::io
