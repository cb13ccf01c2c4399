// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Raw sample export (`gantry sample --format npy|csv`), both written with atomic_write.
#include <filesystem>
#include <string>
#include <vector>

#include "gantry/tensor.hpp"

namespace gantry::io {

/// NumPy .npy v1.0 bytes: magic "\x93NUMPY", version 1.0, u16 header length, the header dict
/// {'descr': '<f4', 'fortran_order': False, 'shape': (...), } padded with spaces and '\n' so the
/// data starts on a 64-byte boundary, then the values little-endian in C order.
std::string encode_npy(const Tensor& tensor);
/// encode_npy then atomic_write. Throws OutputError.
void write_npy(const std::filesystem::path& path, const Tensor& tensor);

/// CSV text of a (N) or (N, F...) tensor: one row per sample (trailing axes flattened), values
/// comma-separated with format_float, '\n' line ends; an optional first row of column names.
std::string encode_csv(const Tensor& tensor, const std::vector<std::string>& header = {});
/// encode_csv then atomic_write. Throws OutputError.
void write_csv(const std::filesystem::path& path, const Tensor& tensor,
               const std::vector<std::string>& header = {});

}  // namespace gantry::io
