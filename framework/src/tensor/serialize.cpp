// SPDX-License-Identifier: Apache-2.0
#include "gantry/serialize.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/io/atomic_file.hpp"

namespace gantry {

namespace {
constexpr char kMagic[4] = {'G', 'T', 'S', 'D'};
// Values travel in slices of this many floats when the stream cannot say how much it holds, so a
// damaged element count fails at the end of the data instead of in the allocator.
constexpr size_t kChunkFloats = size_t{1} << 18;

constexpr std::array<uint32_t, 256> make_crc_table() {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

// Running CRC-32 without the final inversion (applied by the callers' finish()).
uint32_t crc_update(uint32_t crc, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) crc = kCrcTable[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return crc;
}

template <typename UInt>
void store_le(unsigned char* dst, UInt v) {
    for (size_t i = 0; i < sizeof(UInt); ++i) dst[i] = static_cast<unsigned char>(v >> (8 * i));
}

template <typename UInt>
UInt load_le(const unsigned char* src) {
    UInt v = 0;
    for (size_t i = 0; i < sizeof(UInt); ++i) v |= static_cast<UInt>(src[i]) << (8 * i);
    return v;
}

class Writer {
public:
    explicit Writer(std::ostream& out) : out_(out) {}

    void bytes(const void* data, size_t n) {
        out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
        crc_ = crc_update(crc_, data, n);
    }
    template <typename UInt>
    void integer(UInt v) {
        unsigned char buf[sizeof(UInt)];
        store_le(buf, v);
        bytes(buf, sizeof buf);
    }
    void floats(const float* values, int64_t n) {
        if constexpr (std::endian::native == std::endian::little) {
            bytes(values, static_cast<size_t>(n) * sizeof(float));
        } else {
            for (int64_t i = 0; i < n; ++i) integer(std::bit_cast<uint32_t>(values[i]));
        }
    }
    uint32_t crc() const { return ~crc_; }

private:
    std::ostream& out_;
    uint32_t crc_ = 0xFFFFFFFFu;
};

class Reader {
public:
    explicit Reader(std::istream& in) : in_(in) {
        // The bytes left bound every size field; streams that cannot seek fall back to chunks.
        const std::istream::pos_type here = in_.tellg();
        if (here != std::istream::pos_type(-1) && in_.seekg(0, std::ios::end)) {
            const std::istream::pos_type end = in_.tellg();
            if (end != std::istream::pos_type(-1) && end >= here)
                remaining_ = static_cast<uint64_t>(end - here);
            in_.seekg(here);
        }
        if (!in_) {
            in_.clear();
            in_.seekg(here);
            remaining_.reset();
        }
    }

    void bytes(void* dst, size_t n, const char* what) {
        in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
        const auto got = static_cast<size_t>(in_.gcount());
        GANTRY_CHECK_AS(DataError, got == n, "read_state_dict: truncated input: expected ", n,
                     " bytes of ", what, " at byte offset ", offset_, ", got ", got);
        crc_ = crc_update(crc_, dst, n);
        offset_ += n;
        if (remaining_) *remaining_ -= std::min<uint64_t>(*remaining_, n);
    }
    template <typename UInt>
    UInt integer(const char* what) {
        unsigned char buf[sizeof(UInt)];
        bytes(buf, sizeof buf, what);
        return load_le<UInt>(buf);
    }
    void floats(float* dst, int64_t n, const char* what) {
        bytes(dst, static_cast<size_t>(n) * sizeof(float), what);
        if constexpr (std::endian::native != std::endian::little) {
            for (int64_t i = 0; i < n; ++i) {
                unsigned char buf[4];
                std::memcpy(buf, &dst[i], 4);
                dst[i] = std::bit_cast<float>(load_le<uint32_t>(buf));
            }
        }
    }
    /// Bytes left in the stream, when it can tell.
    std::optional<uint64_t> remaining() const { return remaining_; }
    uint64_t offset() const { return offset_; }
    uint32_t crc() const { return ~crc_; }

private:
    std::istream& in_;
    std::optional<uint64_t> remaining_;
    uint64_t offset_ = 0;
    uint32_t crc_ = 0xFFFFFFFFu;
};

std::string hex_bytes(const char* p, size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        const auto b = static_cast<unsigned char>(p[i]);
        s += i ? " " : "";
        s += kDigits[b >> 4];
        s += kDigits[b & 0xFu];
    }
    return s;
}

void check_name(const std::string& name, const char* where) {
    GANTRY_CHECK(!name.empty() && name.size() <= kMaxStateDictNameLength, where,
                 ": entry names must have 1 to ", kMaxStateDictNameLength, " bytes, got ",
                 name.size(), name.empty() ? "" : " for '", name.substr(0, 64),
                 name.empty() ? "" : "...'");
}

Tensor read_values(Reader& r, const Shape& shape, int64_t numel, const std::string& name) {
    const std::string what = "values of '" + name + "'";
    if (r.remaining()) {
        Tensor t = Tensor::empty(shape);
        r.floats(t.data(), numel, what.c_str());
        return t;
    }
    std::vector<float> values;
    for (int64_t done = 0; done < numel;) {
        const int64_t chunk = std::min<int64_t>(numel - done, static_cast<int64_t>(kChunkFloats));
        values.resize(static_cast<size_t>(done + chunk));
        r.floats(values.data() + done, chunk, what.c_str());
        done += chunk;
    }
    return Tensor::from_vector(shape, values);
}

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
}  // namespace

void write_state_dict(std::ostream& out, const StateDict& dict) {
    for (const auto& [name, tensor] : dict) {
        check_name(name, "write_state_dict");
        GANTRY_CHECK(tensor.defined(), "write_state_dict: entry '", name,
                     "' is an undefined tensor; only defined tensors can be saved");
    }
    Writer w(out);
    w.bytes(kMagic, sizeof kMagic);
    w.integer<uint32_t>(kStateDictFormatVersion);
    w.integer<uint64_t>(dict.size());
    for (const auto& [name, tensor] : dict) {
        w.integer<uint32_t>(static_cast<uint32_t>(name.size()));
        w.bytes(name.data(), name.size());
        w.integer<uint32_t>(static_cast<uint32_t>(tensor.rank()));
        for (int64_t d : tensor.shape().dims()) w.integer<uint64_t>(static_cast<uint64_t>(d));
        w.floats(tensor.data(), tensor.numel());
    }
    w.integer<uint32_t>(w.crc());
    GANTRY_CHECK_AS(OutputError, out.good(), "write_state_dict: the stream failed while writing ",
                    dict.size(), " entries (disk full or closed?)");
}

StateDict read_state_dict(std::istream& in) {
    Reader r(in);
    char magic[4];
    r.bytes(magic, sizeof magic, "magic");
    GANTRY_CHECK_AS(DataError, std::memcmp(magic, kMagic, sizeof magic) == 0,
                 "read_state_dict: expected the magic \"GTSD\" at the start, got bytes ",
                 hex_bytes(magic, sizeof magic), "; this is not a Gantry state dict");
    const auto version = r.integer<uint32_t>("format version");
    GANTRY_CHECK_AS(DataError, version == kStateDictFormatVersion, "read_state_dict: expected format version ",
                 kStateDictFormatVersion, ", got ", version,
                 version > kStateDictFormatVersion ? " (written by a newer Gantry)" : "");
    const auto count = r.integer<uint64_t>("entry count");
    // The smallest entry (1-byte name, rank 0, one value) takes 13 bytes.
    if (r.remaining())
        GANTRY_CHECK_AS(DataError, count <= *r.remaining() / 13, "read_state_dict: the header claims ", count,
                     " entries but only ", *r.remaining(),
                     " bytes follow; the input is truncated or damaged");

    StateDict dict;
    std::string previous;
    for (uint64_t e = 0; e < count; ++e) {
        const auto name_length = r.integer<uint32_t>("name length");
        GANTRY_CHECK_AS(DataError, name_length >= 1 && name_length <= kMaxStateDictNameLength,
                     "read_state_dict: entry ", e, ": expected a name of 1 to ",
                     kMaxStateDictNameLength, " bytes, got a length of ", name_length,
                     "; the file is damaged");
        std::string name(name_length, '\0');
        r.bytes(name.data(), name_length, "an entry name");
        GANTRY_CHECK_AS(DataError, e == 0 || previous < name, "read_state_dict: entry ", e, " '", name,
                     "' is out of order or repeated after '", previous, "'; the file is damaged");

        const auto rank = r.integer<uint32_t>("a rank");
        GANTRY_CHECK_AS(DataError, rank <= static_cast<uint32_t>(Shape::kMaxRank), "read_state_dict: entry '",
                     name, "': expected a rank of at most ", Shape::kMaxRank, ", got ", rank,
                     "; the file is damaged");
        // Bound the element count by the bytes left (when known) before anything is allocated.
        const uint64_t max_numel =
            r.remaining() ? *r.remaining() / sizeof(float)
                          : static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) /
                                sizeof(float);
        std::vector<int64_t> dims(rank);
        uint64_t numel = 1;
        for (uint32_t a = 0; a < rank; ++a) {
            const auto d = r.integer<uint64_t>("a dimension");
            GANTRY_CHECK_AS(DataError, d <= max_numel && (d == 0 || numel <= max_numel / d),
                         "read_state_dict: entry '", name, "': dimension ", a, " = ", d,
                         " makes more values than the ", max_numel,
                         " the rest of the input can hold; it is truncated or damaged");
            dims[a] = static_cast<int64_t>(d);
            numel *= d;
        }
        if (r.remaining())
            GANTRY_CHECK_AS(DataError, numel * sizeof(float) + sizeof(uint32_t) <= *r.remaining(),
                         "read_state_dict: truncated input: entry '", name, "' needs ",
                         numel * sizeof(float), " bytes of values plus a checksum, only ",
                         *r.remaining(), " bytes are left");
        const Shape shape(dims);
        dict.emplace(name, read_values(r, shape, static_cast<int64_t>(numel), name));
        previous = std::move(name);
    }
    const uint32_t expected = r.crc();
    const auto stored = r.integer<uint32_t>("the checksum");
    GANTRY_CHECK_AS(DataError, stored == expected, "read_state_dict: checksum mismatch (stored ", stored,
                 ", computed ", expected, ") over ", r.offset() - 4,
                 " bytes; the file is damaged");
    return dict;
}

void save_state_dict(const std::filesystem::path& path, const StateDict& dict) {
    std::ostringstream out(std::ios::binary);
    write_state_dict(out, dict);
    io::atomic_write(path, out.str());
}

StateDict load_state_dict(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    GANTRY_CHECK_AS(DataError, in.is_open(), "load_state_dict: cannot open ", path,
                    " for reading");
    try {
        StateDict dict = read_state_dict(in);
        GANTRY_CHECK_AS(DataError, in.peek() == std::ifstream::traits_type::eof(),
                        "read_state_dict: unexpected bytes after the checksum");
        return dict;
    } catch (const DataError& e) {
        throw DataError(detail::concat("load_state_dict: ", path, ": ", e.what()));
    }
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
