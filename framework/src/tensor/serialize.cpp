// SPDX-License-Identifier: Apache-2.0
// The tensor file (gantry/serialize.hpp): one writer, one bounded reader, CRC-32C throughout.
#include "gantry/serialize.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "io/crc32c.hpp"
#include "io/json.hpp"
#include "io/posix_io.hpp"

namespace gantry {

// Tensor data is stored as the in-memory floats; a big-endian port must byte-swap here.
static_assert(std::endian::native == std::endian::little, "tensor files assume a little-endian host");

namespace {

/// What differs between the layouts a reader accepts: the current one and the checkpoint format
/// it replaced (GANTRYCK version 1: no dtype field, another trailer magic).
struct Layout {
    std::string_view magic;
    std::string_view trailer_magic;
    uint32_t version;
    bool has_dtype;
};
constexpr Layout kCurrent{"GANTRYTF", "GTFTRAIL", kTensorFileVersion, true};
constexpr Layout kCheckpointV1{"GANTRYCK", "GCKTRAIL", 1, false};

constexpr uint32_t kDtypeF32 = 1;
constexpr uint64_t kFixedHeader = 40;  // magic, version, count, metadata length/CRC, table CRC/length
constexpr uint64_t kTrailer = 20;      // magic, file length, file CRC
constexpr uint64_t kAlign = 64;

// 64-bit values as four 16-bit limbs (serialize.hpp).
Tensor limbs_tensor(uint64_t bits) {
    Tensor t = Tensor::empty(Shape{4});
    for (int i = 0; i < 4; ++i) t.data()[i] = static_cast<float>((bits >> (16 * i)) & 0xFFFFu);
    return t;
}

uint64_t limbs_value(const StateDict& dict, const std::string& key, const char* where) {
    const Tensor& t = state_dict_at(dict, key, where);
    GANTRY_CHECK(t.defined() && t.shape() == Shape{4}, where, ": entry '", key,
                 "' should hold a 64-bit value as shape (4), got ",
                 t.defined() ? t.shape().str() : std::string("an undefined tensor"));
    uint64_t bits = 0;
    for (int i = 0; i < 4; ++i) {
        const float limb = t.data()[i];
        GANTRY_CHECK(limb >= 0.f && limb <= 65535.f && std::floor(limb) == limb, where,
                     ": entry '", key, "' should hold 16-bit integer limbs, got ", limb,
                     " at index ", i, "; it was not written by put_u64/put_f64");
        bits |= static_cast<uint64_t>(limb) << (16 * i);
    }
    return bits;
}

uint64_t align_up(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

void append_u32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void append_u64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t load_u32(std::string_view in, uint64_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
    return v;
}
uint64_t load_u64(std::string_view in, uint64_t at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
    return v;
}

std::string hex32(uint32_t v) {
    char text[11];
    std::snprintf(text, sizeof text, "0x%08x", v);
    return text;
}

/// The size in bytes of one table entry.
uint64_t entry_bytes(const std::string& name, const Tensor& tensor) {
    return 4 + name.size() + 4 + 4 + 8 * static_cast<uint64_t>(tensor.rank()) + 8 + 8 + 4;
}
// The smallest entry (1-byte name, rank 0) bounds how many entries a table can hold.
constexpr uint64_t kMinEntryBytes = 4 + 1 + 4 + 4 + 8 + 8 + 4;
constexpr uint64_t kMinLegacyEntryBytes = 4 + 1 + 4 + 8 + 8 + 4;

struct Entry {
    std::string name;
    std::vector<int64_t> dims;
    uint64_t offset = 0, length = 0;
    uint32_t crc = 0;
};

/// Bounds-checked little-endian reads over the tensor table; every overrun is a corruption.
class Cursor {
public:
    Cursor(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}
    uint32_t u32(const char* what) { return load_u32(take(4, what), 0); }
    uint64_t u64(const char* what) { return load_u64(take(8, what), 0); }
    std::string_view take(uint64_t n, const char* what) {
        if (n > bytes_.size() - pos_)
            corrupt(detail::concat("tensor table: ", what, " needs ", n, " bytes at table offset ", pos_,
                                   ", only ", bytes_.size() - pos_, " left"));
        pos_ += n;
        return bytes_.substr(pos_ - n, n);
    }
    bool done() const { return pos_ == bytes_.size(); }
    [[noreturn]] void corrupt(const std::string& what) const {
        throw DataError(source_ + " is corrupt: " + what);
    }

private:
    std::string_view bytes_;
    const std::string& source_;
    uint64_t pos_ = 0;
};

/// The layout `bytes` claims, or a DataError for other formats and versions.
const Layout& identify(std::string_view bytes, const std::string& source) {
    const auto starts = [&](std::string_view magic) { return bytes.substr(0, magic.size()) == magic; };
    if (starts("GTSD"))
        throw DataError(source +
                        ": a GTSD state dict, the weights format of Gantry before tensor files "
                        "(GANTRYTF); this Gantry cannot read it: re-create the file with it (for "
                        "classifier weights: `gantry train-classifier`)");
    const Layout* layout = starts(kCurrent.magic) ? &kCurrent : starts(kCheckpointV1.magic) ? &kCheckpointV1 : nullptr;
    if (!layout)
        throw DataError(detail::concat(source, ": expected a Gantry tensor file (magic GANTRYTF), got ",
                                       bytes.size() < 8 ? "a " + std::to_string(bytes.size()) + "-byte file"
                                                        : std::string("other data"),
                                       " (corrupt, or not a tensor file)"));
    if (bytes.size() < kFixedHeader + kTrailer)
        throw DataError(detail::concat(source, " is corrupt: truncated: ", bytes.size(),
                                       " bytes, expected at least ", kFixedHeader + kTrailer));
    const uint32_t version = load_u32(bytes, 8);
    if (version != layout->version) {
        if (layout == &kCurrent)
            throw DataError(detail::concat(source, ": expected tensor file format version ", kCurrent.version,
                                           ", got ", version, "; a newer Gantry wrote it, or it is corrupt"));
        throw DataError(detail::concat(source, ": a GANTRYCK checkpoint of version ", version,
                                       "; only version 1 was ever written, so it is corrupt"));
    }
    return *layout;
}

}  // namespace

std::string encode_tensor_file(const TensorFile& file) {
    GANTRY_CHECK(io::is_json_object(file.metadata_json),
                 "encode_tensor_file: metadata must be a JSON object, got '", file.metadata_json.substr(0, 60), "'");
    GANTRY_CHECK(file.metadata_json.size() <= kMaxTensorFileMetadata, "encode_tensor_file: metadata of ",
                 file.metadata_json.size(), " bytes, at most ", kMaxTensorFileMetadata);
    GANTRY_CHECK(file.tensors.size() <= kMaxTensorCount, "encode_tensor_file: ", file.tensors.size(),
                 " tensors, at most ", kMaxTensorCount);
    uint64_t table_length = 0;
    for (const auto& [name, tensor] : file.tensors) {
        GANTRY_CHECK(!name.empty() && name.size() <= kMaxTensorNameLength,
                     "encode_tensor_file: tensor names must have 1 to ", kMaxTensorNameLength, " bytes, got ",
                     name.size(), name.empty() ? "" : " for '" + name.substr(0, 64) + "...'");
        GANTRY_CHECK(tensor.defined(), "encode_tensor_file: tensor '", name,
                     "' is undefined; only defined tensors can be saved");
        table_length += entry_bytes(name, tensor);
    }
    // Offsets: the data starts on the first 64-byte boundary after the table; each tensor on the
    // next boundary after the previous one.
    const uint64_t header_end = kFixedHeader + file.metadata_json.size() + table_length;
    std::string table;
    table.reserve(table_length);
    uint64_t position = header_end;
    for (const auto& [name, tensor] : file.tensors) {
        const uint64_t offset = align_up(position);
        const uint64_t length = static_cast<uint64_t>(tensor.numel()) * sizeof(float);
        append_u32(table, static_cast<uint32_t>(name.size()));
        table += name;
        append_u32(table, kDtypeF32);
        append_u32(table, static_cast<uint32_t>(tensor.rank()));
        for (const int64_t d : tensor.shape().dims()) append_u64(table, static_cast<uint64_t>(d));
        append_u64(table, offset);
        append_u64(table, length);
        append_u32(table, io::crc32c(tensor.data(), length));
        position = offset + length;
    }
    const uint64_t trailer_at = align_up(position);
    std::string out;
    out.reserve(trailer_at + kTrailer);
    out += kCurrent.magic;
    append_u32(out, kCurrent.version);
    append_u32(out, static_cast<uint32_t>(file.tensors.size()));
    append_u64(out, file.metadata_json.size());
    append_u32(out, io::crc32c(file.metadata_json));
    append_u32(out, io::crc32c(table));
    append_u64(out, table.size());
    out += file.metadata_json;
    out += table;
    for (const auto& [name, tensor] : file.tensors) {
        out.resize(align_up(out.size()), '\0');
        if (tensor.numel() > 0)
            out.append(reinterpret_cast<const char*>(tensor.data()), static_cast<size_t>(tensor.numel()) * sizeof(float));
    }
    out.resize(trailer_at, '\0');
    out += kCurrent.trailer_magic;
    append_u64(out, trailer_at + kTrailer);
    append_u32(out, io::crc32c(out));
    return out;
}

TensorFile decode_tensor_file(std::string_view bytes, const std::string& source) {
    const auto corrupt = [&](const std::string& what) { return DataError(source + " is corrupt: " + what); };
    const Layout& layout = identify(bytes, source);
    const uint64_t size = bytes.size();
    const uint64_t trailer_at = size - kTrailer;
    if (bytes.substr(trailer_at, 8) != layout.trailer_magic)
        throw corrupt(detail::concat("no trailer at byte ", trailer_at, " (", size, " bytes): truncated or overwritten"));
    if (load_u64(bytes, trailer_at + 8) != size)
        throw corrupt(detail::concat("the trailer says ", load_u64(bytes, trailer_at + 8), " bytes, the file has ", size));

    const uint32_t count = load_u32(bytes, 12);
    const uint64_t metadata_length = load_u64(bytes, 16);
    const uint64_t table_length = load_u64(bytes, 32);
    // Each length is checked against what is left, one at a time, so no sum can overflow.
    const uint64_t body = trailer_at - kFixedHeader;
    if (metadata_length > body || metadata_length > kMaxTensorFileMetadata)
        throw corrupt(detail::concat("metadata length ", metadata_length, " exceeds the ", body,
                                     " bytes available or the cap of ", kMaxTensorFileMetadata));
    if (table_length > body - metadata_length)
        throw corrupt(detail::concat("tensor table length ", table_length, " exceeds the ", body - metadata_length,
                                     " bytes available"));
    const std::string_view metadata = bytes.substr(kFixedHeader, metadata_length);
    if (io::crc32c(metadata) != load_u32(bytes, 24))
        throw corrupt("metadata CRC mismatch (stored " + hex32(load_u32(bytes, 24)) + ", computed " +
                      hex32(io::crc32c(metadata)) + ")");
    const std::string_view table = bytes.substr(kFixedHeader + metadata_length, table_length);
    if (io::crc32c(table) != load_u32(bytes, 28))
        throw corrupt("tensor table CRC mismatch (stored " + hex32(load_u32(bytes, 28)) + ", computed " +
                      hex32(io::crc32c(table)) + ")");
    if (!io::is_json_object(metadata)) throw corrupt("the metadata is not a JSON object");
    const uint64_t min_entry = layout.has_dtype ? kMinEntryBytes : kMinLegacyEntryBytes;
    if (count > kMaxTensorCount || count > table_length / min_entry)
        throw corrupt(detail::concat(count, " tensors cannot fit in a ", table_length, "-byte table (or exceed the cap of ",
                                     kMaxTensorCount, ")"));

    // The table, checked field by field; the data section is laid out from it as the writer does.
    std::vector<Entry> entries;
    entries.reserve(count);
    Cursor cursor(table, source);
    uint64_t position = kFixedHeader + metadata_length + table_length;
    for (uint32_t t = 0; t < count; ++t) {
        Entry e;
        const uint32_t name_length = cursor.u32("a name length");
        if (name_length == 0 || name_length > kMaxTensorNameLength)
            cursor.corrupt(detail::concat("tensor ", t, ": name length ", name_length, ", expected 1 to ",
                                          kMaxTensorNameLength));
        e.name = std::string(cursor.take(name_length, "a name"));
        if (t > 0 && !(entries.back().name < e.name))
            cursor.corrupt("tensor '" + e.name + "' is out of order or repeated after '" + entries.back().name + "'");
        if (layout.has_dtype) {
            const uint32_t dtype = cursor.u32("a dtype");
            if (dtype != kDtypeF32)
                cursor.corrupt(detail::concat("tensor '", e.name, "': dtype ", dtype, ", expected 1 (f32)"));
        }
        const uint32_t rank = cursor.u32("a rank");
        if (rank > static_cast<uint32_t>(Shape::kMaxRank))
            cursor.corrupt(detail::concat("tensor '", e.name, "': rank ", rank, ", expected at most ", Shape::kMaxRank));
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
        if (__builtin_mul_overflow(numel, uint64_t{sizeof(float)}, &expected_length) || expected_length != e.length)
            cursor.corrupt(detail::concat("tensor '", e.name, "': length ", e.length, " bytes does not match its shape (",
                                          numel, " floats)"));
        if (e.offset != align_up(position))
            cursor.corrupt(detail::concat("tensor '", e.name, "': data offset ", e.offset, ", expected ",
                                          align_up(position), " (the next 64-byte boundary)"));
        if (e.offset > trailer_at || e.length > trailer_at - e.offset)
            cursor.corrupt(detail::concat("tensor '", e.name, "': bytes ", e.offset, " + ", e.length,
                                          " lie outside the data section, which ends at ", trailer_at));
        position = e.offset + e.length;
        entries.push_back(std::move(e));
    }
    if (!cursor.done()) throw corrupt("the tensor table has trailing bytes");
    if (align_up(position) != trailer_at)
        throw corrupt(detail::concat("the data ends at byte ", position, " but the trailer starts at ", trailer_at));
    // Padding is zeros, so a file has one encoding (and no hidden bytes).
    const auto zeros = [&](uint64_t from, uint64_t to) {
        for (uint64_t i = from; i < to; ++i)
            if (bytes[i] != '\0') throw corrupt(detail::concat("nonzero padding at byte ", i));
    };
    position = kFixedHeader + metadata_length + table_length;
    for (const Entry& e : entries) {
        zeros(position, e.offset);
        const uint32_t crc = io::crc32c(bytes.data() + e.offset, e.length);
        if (crc != e.crc)
            throw corrupt("tensor '" + e.name + "' CRC mismatch (offset " + std::to_string(e.offset) + ", stored " +
                          hex32(e.crc) + ", computed " + hex32(crc) + ")");
        position = e.offset + e.length;
    }
    zeros(position, trailer_at);
    const uint32_t file_crc = io::crc32c(bytes.data(), size - 4);
    if (file_crc != load_u32(bytes, size - 4))
        throw corrupt("file CRC mismatch (stored " + hex32(load_u32(bytes, size - 4)) + ", computed " +
                      hex32(file_crc) + ")");

    // Verified: only now are tensors allocated.
    TensorFile file;
    file.metadata_json = std::string(metadata);
    for (Entry& e : entries) {
        Tensor t = Tensor::empty(Shape(e.dims));
        if (e.length > 0) std::memcpy(t.data(), bytes.data() + e.offset, e.length);
        file.tensors.emplace_hint(file.tensors.end(), std::move(e.name), std::move(t));
    }
    return file;
}

void write_tensor_file(const std::filesystem::path& path, const TensorFile& file) {
    io::atomic_write(path, encode_tensor_file(file));
}

TensorFile read_tensor_file(const std::filesystem::path& path, std::string_view what) {
    const std::string bytes = io::detail::read_file_bytes(path, what);
    return decode_tensor_file(bytes, std::string(what) + " " + path.string());
}

void save_state_dict(const std::filesystem::path& path, const StateDict& dict) {
    write_tensor_file(path, TensorFile{.metadata_json = "{}", .tensors = dict});
}

StateDict load_state_dict(const std::filesystem::path& path) {
    return read_tensor_file(path).tensors;
}

const Tensor& state_dict_at(const StateDict& dict, const std::string& key, const char* where) {
    const auto it = dict.find(key);
    GANTRY_CHECK(it != dict.end(), where, ": expected an entry '", key, "', got a state dict of ",
                 dict.size(), " entries without it");
    return it->second;
}

void put_u64(StateDict& dict, const std::string& key, uint64_t value) {
    dict.insert_or_assign(key, limbs_tensor(value));
}

void put_f64(StateDict& dict, const std::string& key, double value) {
    dict.insert_or_assign(key, limbs_tensor(std::bit_cast<uint64_t>(value)));
}

uint64_t get_u64(const StateDict& dict, const std::string& key, const char* where) {
    return limbs_value(dict, key, where);
}

double get_f64(const StateDict& dict, const std::string& key, const char* where) {
    return std::bit_cast<double>(limbs_value(dict, key, where));
}

void put_rng_state(StateDict& dict, const std::string& prefix, const RngState& state) {
    put_u64(dict, prefix + "seed", state.seed);
    put_u64(dict, prefix + "stream", state.stream);
    put_u64(dict, prefix + "counter", state.counter);
}

RngState get_rng_state(const StateDict& dict, const std::string& prefix, const char* where) {
    return {get_u64(dict, prefix + "seed", where), get_u64(dict, prefix + "stream", where),
            get_u64(dict, prefix + "counter", where)};
}

}  // namespace gantry
