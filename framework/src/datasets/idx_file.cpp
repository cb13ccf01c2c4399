// SPDX-License-Identifier: Apache-2.0
#include "gantry/datasets/idx_file.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "gantry/error.hpp"

namespace gantry::datasets {

namespace {
// Far above any real IDX data set (MNIST's images are 47 MB), far below what would hurt.
constexpr uint64_t kMaxValues = uint64_t{1} << 32;

struct GzCloser {
    void operator()(gzFile f) const { gzclose(f); }
};

/// Reads exactly `n` bytes, or returns the number read before the end.
size_t read_some(gzFile f, uint8_t* dst, size_t n) {
    size_t done = 0;
    while (done < n) {
        const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
        const int got = gzread(f, dst + done, chunk);
        if (got <= 0) break;
        done += static_cast<size_t>(got);
    }
    return done;
}
}  // namespace

IdxArray read_idx(const std::string& path) {
    // gzopen reads plain files transparently, so one path serves .gz and raw IDX.
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
    GANTRY_CHECK_AS(DataError, file != nullptr, "IDX file ", path, ": cannot open (",
                    std::strerror(errno), ")");
    uint8_t header[4];
    GANTRY_CHECK_AS(DataError, read_some(file.get(), header, 4) == 4, "IDX file ", path,
                    ": truncated before its 4-byte magic");
    GANTRY_CHECK_AS(DataError, header[0] == 0 && header[1] == 0, "IDX file ", path,
                    ": bad magic (expected 00 00 <type> <rank>); is it an IDX file?");
    GANTRY_CHECK_AS(DataError, header[2] == 0x08, "IDX file ", path, ": element type 0x",
                    std::hex, int(header[2]), " is not supported; expected 0x08 (unsigned byte)");
    const int rank = header[3];
    GANTRY_CHECK_AS(DataError, rank >= 1 && rank <= 4, "IDX file ", path, ": rank ", rank,
                    " is not supported; expected 1 to 4");
    IdxArray array;
    uint64_t count = 1;
    for (int i = 0; i < rank; ++i) {
        uint8_t b[4];
        GANTRY_CHECK_AS(DataError, read_some(file.get(), b, 4) == 4, "IDX file ", path,
                        ": truncated inside its dimensions");
        const uint64_t d = (uint64_t{b[0]} << 24) | (uint64_t{b[1]} << 16) | (uint64_t{b[2]} << 8) | b[3];
        count *= d;
        GANTRY_CHECK_AS(DataError, d > 0 && count <= kMaxValues, "IDX file ", path,
                        ": dimension ", i, " = ", d, " gives an absurd size");
        array.dims.push_back(static_cast<int64_t>(d));
    }
    // Read in chunks: a header that lies about the size fails at the end of the data, having
    // allocated no more than the file really holds.
    constexpr size_t kChunk = size_t{1} << 20;
    while (array.values.size() < count) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, count - array.values.size()));
        const size_t at = array.values.size();
        array.values.resize(at + want);
        const size_t got = read_some(file.get(), array.values.data() + at, want);
        GANTRY_CHECK_AS(DataError, got == want, "IDX file ", path, ": the header declares ", count,
                        " values but the file holds only ", at + got);
    }
    uint8_t extra;
    GANTRY_CHECK_AS(DataError, read_some(file.get(), &extra, 1) == 0, "IDX file ", path,
                    ": more data than the header's dimensions declare");
    return array;
}

}  // namespace gantry::datasets
