// SPDX-License-Identifier: Apache-2.0
#include "gantry/io/checkpoint.hpp"

#include <bit>
#include <cstring>
#include <set>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/io/atomic_file.hpp"
#include "gantry/io/crc32c.hpp"
#include "gantry/io/json.hpp"
#include "io/posix_io.hpp"

namespace gantry::io {

// Tensor data is stored as the in-memory floats; a big-endian port must byte-swap here.
static_assert(std::endian::native == std::endian::little, "checkpoints assume a little-endian host");

namespace {
constexpr char kMagic[8] = {'G', 'A', 'N', 'T', 'R', 'Y', 'C', 'K'};
constexpr char kTrailerMagic[8] = {'G', 'C', 'K', 'T', 'R', 'A', 'I', 'L'};
constexpr size_t kFixedHeader = 40;  // magic, version, count, metadata len/CRC, table CRC/len
constexpr size_t kTrailer = 20;      // magic, total length, file CRC
constexpr size_t kAlign = 64;
constexpr size_t kMaxNameBytes = 4096;
// The smallest table entry (empty name, rank 0) bounds how many entries a table can hold.
constexpr uint64_t kMinEntryBytes = 4 + 4 + 8 + 8 + 4;

void put_u32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void set_u32(std::string& out, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void set_u64(std::string& out, size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
uint32_t get_u32(std::string_view in, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
    return v;
}
uint64_t get_u64(std::string_view in, size_t at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
    return v;
}

std::string hex32(uint32_t v) {
    char text[11];
    std::snprintf(text, sizeof text, "0x%08x", v);
    return text;
}

// Bounds-checked little-endian reads over the tensor table; every overrun is a corruption.
class Cursor {
public:
    Cursor(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}
    void need(uint64_t n, const char* what) const {
        if (n > bytes_.size() - pos_)
            corrupt(gantry::detail::concat("tensor table: ", what, " needs ", n, " bytes at table offset ",
                                   pos_, ", only ", bytes_.size() - pos_, " left"));
    }
    uint32_t u32(const char* what) {
        need(4, what);
        pos_ += 4;
        return get_u32(bytes_, pos_ - 4);
    }
    uint64_t u64(const char* what) {
        need(8, what);
        pos_ += 8;
        return get_u64(bytes_, pos_ - 8);
    }
    std::string_view take(uint64_t n, const char* what) {
        need(n, what);
        pos_ += n;
        return bytes_.substr(pos_ - n, n);
    }
    bool done() const { return pos_ == bytes_.size(); }
    [[noreturn]] void corrupt(const std::string& what) const {
        throw DataError("checkpoint " + source_ + " is corrupt: " + what);
    }

private:
    std::string_view bytes_;
    const std::string& source_;
    size_t pos_ = 0;
};

struct Entry {
    std::string name;
    std::vector<int64_t> dims;
    uint64_t offset = 0, length = 0;
    uint32_t crc = 0;
};
}  // namespace

std::string encode_checkpoint(const CheckpointData& data) {
    GANTRY_CHECK(is_json_object(data.metadata_json),
                 "encode_checkpoint: metadata must be a JSON object, got '",
                 data.metadata_json.substr(0, 60), "'");
    std::string table;
    std::vector<const Tensor*> order;
    uint64_t data_start = 0;  // relative to the first aligned byte after the table
    std::vector<uint64_t> offsets;
    for (const auto& [name, tensor] : data.tensors) {
        GANTRY_CHECK(!name.empty() && name.size() <= kMaxNameBytes,
                     "encode_checkpoint: tensor names must have 1 to 4096 bytes, got ", name.size());
        GANTRY_CHECK(tensor.defined(), "encode_checkpoint: tensor '", name, "' is undefined");
        offsets.push_back(data_start);
        data_start += (static_cast<uint64_t>(tensor.numel()) * 4 + kAlign - 1) / kAlign * kAlign;
        order.push_back(&tensor);
    }
    // The table's size does not depend on offsets, so compute it first with placeholders.
    for (const auto& [name, tensor] : data.tensors) {
        put_u32(table, static_cast<uint32_t>(name.size()));
        table += name;
        put_u32(table, static_cast<uint32_t>(tensor.rank()));
        for (const int64_t d : tensor.shape().dims()) put_u64(table, static_cast<uint64_t>(d));
        put_u64(table, 0);
        put_u64(table, 0);
        put_u32(table, 0);
    }
    const uint64_t header_end = kFixedHeader + data.metadata_json.size() + table.size();
    const uint64_t first = (header_end + kAlign - 1) / kAlign * kAlign;
    // Fill offsets, lengths and CRCs in place: each entry ends with offset, length, CRC.
    size_t at = 0;
    size_t i = 0;
    for (const auto& [name, tensor] : data.tensors) {
        at += 4 + name.size() + 4 + 8 * static_cast<size_t>(tensor.rank());
        const uint64_t length = static_cast<uint64_t>(tensor.numel()) * 4;
        set_u64(table, at, first + offsets[i]);
        set_u64(table, at + 8, length);
        set_u32(table, at + 16, crc32c(tensor.data(), length));
        at += 20;
        ++i;
    }
    std::string out;
    out.reserve(first + data_start + kTrailer);
    out.append(kMagic, 8);
    put_u32(out, kCheckpointFormatVersion);
    put_u32(out, static_cast<uint32_t>(data.tensors.size()));
    put_u64(out, data.metadata_json.size());
    put_u32(out, crc32c(data.metadata_json));
    put_u32(out, crc32c(table));
    put_u64(out, table.size());
    out += data.metadata_json;
    out += table;
    i = 0;
    for (const Tensor* tensor : order) {
        out.resize(first + offsets[i], '\0');
        out.append(reinterpret_cast<const char*>(tensor->data()), static_cast<size_t>(tensor->numel()) * 4);
        ++i;
    }
    out.resize((out.size() + kAlign - 1) / kAlign * kAlign, '\0');
    out.append(kTrailerMagic, 8);
    put_u64(out, out.size() + 12);
    put_u32(out, crc32c(out));
    return out;
}

CheckpointData decode_checkpoint(std::string_view bytes, const std::string& source) {
    const auto corrupt = [&](const std::string& what) -> DataError {
        return DataError("checkpoint " + source + " is corrupt: " + what);
    };
    const uint64_t size = bytes.size();
    if (size < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
        throw DataError("checkpoint " + source + ": expected a Gantry checkpoint (magic GANTRYCK), got " +
                        (size < 8 ? "a " + std::to_string(size) + "-byte file" : "other data") +
                        " (corrupt, or not a checkpoint)");
    if (size < kFixedHeader + kTrailer)
        throw corrupt(gantry::detail::concat("truncated: ", size, " bytes, expected at least ",
                                     kFixedHeader + kTrailer));
    const uint32_t version = get_u32(bytes, 8);
    if (version == 0 || version > kCheckpointFormatVersion)
        throw DataError(gantry::detail::concat("checkpoint ", source, ": expected format version 1 to ",
                                       kCheckpointFormatVersion, ", got ", version,
                                       "; a newer Gantry wrote it, or it is corrupt"));
    const size_t trailer = size - kTrailer;
    if (std::memcmp(bytes.data() + trailer, kTrailerMagic, 8) != 0)
        throw corrupt(gantry::detail::concat("no trailer at byte ", trailer, " (", size,
                                     " bytes): truncated or overwritten"));
    if (get_u64(bytes, trailer + 8) != size)
        throw corrupt(gantry::detail::concat("trailer says ", get_u64(bytes, trailer + 8),
                                     " bytes, the file has ", size));

    const uint32_t count = get_u32(bytes, 12);
    const uint64_t metadata_length = get_u64(bytes, 16);
    const uint64_t table_length = get_u64(bytes, 32);
    // Both lengths are checked against what is left, one at a time, so no sum can overflow.
    const uint64_t body = trailer - kFixedHeader;
    if (metadata_length > body)
        throw corrupt(gantry::detail::concat("metadata length ", metadata_length, " exceeds the ", body,
                                     " bytes available"));
    if (table_length > body - metadata_length)
        throw corrupt(gantry::detail::concat("tensor table length ", table_length, " exceeds the ",
                                     body - metadata_length, " bytes available"));
    const std::string_view metadata = bytes.substr(kFixedHeader, metadata_length);
    if (crc32c(metadata) != get_u32(bytes, 24))
        throw corrupt("metadata CRC mismatch (stored " + hex32(get_u32(bytes, 24)) + ", computed " +
                      hex32(crc32c(metadata)) + ")");
    const std::string_view table = bytes.substr(kFixedHeader + metadata_length, table_length);
    if (crc32c(table) != get_u32(bytes, 28)) throw corrupt("tensor table CRC mismatch");
    if (!is_json_object(metadata)) throw corrupt("metadata is not a JSON object");
    if (count > table_length / kMinEntryBytes)
        throw corrupt(gantry::detail::concat(count, " tensors cannot fit in a ", table_length, "-byte table"));

    const uint64_t data_start = kFixedHeader + metadata_length + table_length;
    std::vector<Entry> entries;
    entries.reserve(count);
    std::set<std::string, std::less<>> names;
    Cursor cursor(table, source);
    for (uint32_t t = 0; t < count; ++t) {
        Entry e;
        const uint32_t name_length = cursor.u32("a name length");
        if (name_length == 0 || name_length > kMaxNameBytes)
            cursor.corrupt(gantry::detail::concat("tensor ", t, ": name length ", name_length,
                                          ", expected 1 to ", kMaxNameBytes));
        e.name = std::string(cursor.take(name_length, "a name"));
        if (!names.insert(e.name).second) cursor.corrupt("tensor '" + e.name + "' appears twice");
        const uint32_t rank = cursor.u32("a rank");
        if (rank > static_cast<uint32_t>(Shape::kMaxRank))
            cursor.corrupt(gantry::detail::concat("tensor '", e.name, "': rank ", rank, ", expected at most ",
                                          Shape::kMaxRank));
        uint64_t numel = 1;
        for (uint32_t a = 0; a < rank; ++a) {
            const uint64_t d = cursor.u64("a dimension");
            if (d > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, d, &numel))
                cursor.corrupt("tensor '" + e.name + "': dimensions overflow");
            e.dims.push_back(static_cast<int64_t>(d));
        }
        e.offset = cursor.u64("an offset");
        e.length = cursor.u64("a length");
        e.crc = cursor.u32("a CRC");
        uint64_t expected_length = 0;
        if (__builtin_mul_overflow(numel, uint64_t{4}, &expected_length) || expected_length != e.length)
            cursor.corrupt(gantry::detail::concat("tensor '", e.name, "': length ", e.length,
                                          " bytes does not match its shape (", numel, " floats)"));
        if (e.offset < data_start || e.offset > trailer || e.length > trailer - e.offset)
            cursor.corrupt(gantry::detail::concat("tensor '", e.name, "': bytes ", e.offset, " + ", e.length,
                                          " lie outside the data section [", data_start, ", ",
                                          trailer, ")"));
        entries.push_back(std::move(e));
    }
    if (!cursor.done()) throw corrupt("tensor table has trailing bytes");
    for (const Entry& e : entries) {
        const uint32_t crc = crc32c(bytes.data() + e.offset, e.length);
        if (crc != e.crc)
            throw corrupt(gantry::detail::concat("tensor '", e.name, "' CRC mismatch (offset ", e.offset,
                                         ", stored ", hex32(e.crc), ", computed ", hex32(crc), ")"));
    }
    // Last: the whole-file CRC also covers padding and the fixed header's spare bits.
    if (crc32c(bytes.data(), size - 4) != get_u32(bytes, size - 4)) throw corrupt("file CRC mismatch");

    CheckpointData out;
    out.metadata_json = std::string(metadata);
    for (const Entry& e : entries) {
        Tensor t = Tensor::empty(Shape(e.dims));
        if (e.length > 0) std::memcpy(t.data(), bytes.data() + e.offset, e.length);
        out.tensors.emplace(e.name, std::move(t));
    }
    return out;
}

void write_checkpoint(const std::filesystem::path& path, const CheckpointData& data) {
    atomic_write(path, encode_checkpoint(data));
}

CheckpointData read_checkpoint(const std::filesystem::path& path) {
    return decode_checkpoint(detail::read_file_bytes(path, "checkpoint"), path.string());
}

}  // namespace gantry::io
