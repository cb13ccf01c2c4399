// SPDX-License-Identifier: Apache-2.0
#include "io/array_import.hpp"

#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

#include "gantry/error.hpp"
#include "io/posix_io.hpp"

namespace gantry::io {

namespace {

/// The text of `key`'s value in the header dict: "'<f4'", "False", "(2, 3)".
std::string header_value(const std::string& header, const std::string& key, const std::string& file) {
    const size_t at = header.find("'" + key + "'");
    GANTRY_CHECK_AS(DataError, at != std::string::npos, file, ": the .npy header has no '", key, "'");
    size_t i = header.find(':', at);
    GANTRY_CHECK_AS(DataError, i != std::string::npos, file, ": malformed .npy header");
    ++i;
    while (i < header.size() && header[i] == ' ') ++i;
    size_t end = i;
    if (end < header.size() && header[end] == '(') {
        end = header.find(')', end);
        GANTRY_CHECK_AS(DataError, end != std::string::npos, file, ": malformed .npy header (shape)");
        ++end;
    } else if (end < header.size() && header[end] == '\'') {
        end = header.find('\'', end + 1);
        GANTRY_CHECK_AS(DataError, end != std::string::npos, file, ": malformed .npy header");
        ++end;
    } else {
        while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
    }
    return header.substr(i, end - i);
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& file) {
    GANTRY_CHECK_AS(DataError, text.size() >= 2 && text.front() == '(' && text.back() == ')', file,
                    ": malformed .npy shape ", text);
    std::vector<int64_t> shape;
    size_t i = 1;
    while (i + 1 < text.size()) {
        while (i + 1 < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
        if (i + 1 >= text.size()) break;
        const size_t start = i;
        while (i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        GANTRY_CHECK_AS(DataError, i > start && i - start <= 12, file, ": malformed .npy shape ", text);
        shape.push_back(std::stoll(text.substr(start, i - start)));
        GANTRY_CHECK_AS(DataError, i + 1 >= text.size() || text[i] == ',' || text[i] == ' ', file,
                        ": malformed .npy shape ", text);
    }
    return shape;
}

}  // namespace

NpyArray read_npy(const std::filesystem::path& path, int64_t max_values) {
    const std::string name = path.string();
    const std::string bytes = detail::read_file_bytes(path, "sample array");
    GANTRY_CHECK_AS(DataError, bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, name,
                    ": not a .npy file (no \\x93NUMPY magic)");
    const int major = static_cast<unsigned char>(bytes[6]);
    size_t header_len = 0, offset = 0;
    if (major == 1) {
        header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        offset = 10;
    } else {
        GANTRY_CHECK_AS(DataError, (major == 2 || major == 3) && bytes.size() >= 12, name,
                        ": unsupported .npy version ", major);
        for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
        offset = 12;
    }
    GANTRY_CHECK_AS(DataError, header_len <= 65536 && offset + header_len <= bytes.size(), name,
                    ": truncated .npy header");
    const std::string header = bytes.substr(offset, header_len);
    NpyArray out;
    const std::string descr = header_value(header, "descr", name);
    out.dtype = descr.size() >= 2 && descr.front() == '\'' ? descr.substr(1, descr.size() - 2) : descr;
    if (out.dtype == "<u1") out.dtype = "|u1";
    size_t item = 0;
    if (out.dtype == "<f4") item = 4;
    else if (out.dtype == "<f8") item = 8;
    else if (out.dtype == "|u1") item = 1;
    GANTRY_CHECK_AS(DataError, item != 0, name, ": element type '", out.dtype,
                    "' is not one gantry reads; save the samples as float32 ('<f4'), float64 ('<f8') or uint8 "
                    "('|u1'), e.g. numpy.save(path, x.astype(numpy.float32))");
    GANTRY_CHECK_AS(DataError, header_value(header, "fortran_order", name) == "False", name,
                    ": the array is in Fortran order; save it in C order (numpy.ascontiguousarray)");
    out.shape = parse_shape(header_value(header, "shape", name), name);
    int64_t count = 1;
    for (int64_t d : out.shape) {
        GANTRY_CHECK_AS(DataError, d >= 0 && (d == 0 || count <= max_values / d), name, ": the shape ",
                        header_value(header, "shape", name), " is larger than ", max_values, " values");
        count *= d;
    }
    const size_t data = offset + header_len;
    GANTRY_CHECK_AS(DataError, bytes.size() - data == static_cast<size_t>(count) * item, name, ": the header's shape ",
                    header_value(header, "shape", name), " needs ", static_cast<size_t>(count) * item,
                    " bytes of data, the file holds ", bytes.size() - data);
    std::vector<int64_t> dims = out.shape.empty() ? std::vector<int64_t>{1} : out.shape;
    out.values = Tensor::empty(Shape(dims));
    float* dst = out.values.data();
    const char* src = bytes.data() + data;
    for (int64_t i = 0; i < count; ++i) {
        if (item == 4) std::memcpy(dst + i, src + 4 * i, 4);
        else if (item == 8) {
            double v;
            std::memcpy(&v, src + 8 * i, 8);
            dst[i] = static_cast<float>(v);
        } else {
            dst[i] = static_cast<float>(static_cast<unsigned char>(src[i]));
        }
        GANTRY_CHECK_AS(DataError, std::isfinite(dst[i]), name, ": value ", i, " is not finite");
    }
    return out;
}

}  // namespace gantry::io
