// SPDX-License-Identifier: Apache-2.0
#include "io/tensorboard.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "io/crc32c.hpp"
#include "io/posix_io.hpp"

// Field numbers from tensorboard/compat/proto/event.proto and summary.proto:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; Image image = 4; }
//   Image   { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }

namespace gantry::io {

namespace {
enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

void varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
void key(std::string& out, uint32_t field, Wire wire) { varint(out, (field << 3) | wire); }
void fixed(std::string& out, const void* value, size_t size) {
    // Protobuf fixed-width fields are little-endian, as is every host Gantry supports.
    out.append(static_cast<const char*>(value), size);
}
void bytes_field(std::string& out, uint32_t field, std::string_view bytes) {
    key(out, field, kBytes);
    varint(out, bytes.size());
    out.append(bytes);
}

double now_seconds() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string event_prefix(double wall_time) {
    std::string e;
    key(e, 1, kFixed64);
    fixed(e, &wall_time, 8);
    return e;
}

std::string summary_event(int64_t step, const std::string& value) {
    std::string summary;
    bytes_field(summary, 1, value);
    std::string e = event_prefix(now_seconds());
    key(e, 2, kVarint);
    varint(e, static_cast<uint64_t>(step));  // negative steps: ten-byte two's complement, as protobuf
    bytes_field(e, 5, summary);
    return e;
}

void append_u32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t read_le(std::string_view bytes, size_t at, int size) {
    uint64_t v = 0;
    for (int i = 0; i < size; ++i) v |= uint64_t{static_cast<uint8_t>(bytes[at + i])} << (8 * i);
    return v;
}

std::optional<uint64_t> read_varint(std::string_view bytes, size_t& at) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
        const auto b = static_cast<uint8_t>(bytes[at++]);
        v |= uint64_t{b & 0x7Fu} << shift;
        if ((b & 0x80) == 0) return v;
    }
    return std::nullopt;
}

// The Event's step (field 2); 0 when it has none (the file_version record). nullopt: not an
// Event this writer could have written.
std::optional<int64_t> event_step(std::string_view event) {
    int64_t step = 0;
    size_t at = 0;
    while (at < event.size()) {
        const std::optional<uint64_t> k = read_varint(event, at);
        if (!k) return std::nullopt;
        const uint32_t field = static_cast<uint32_t>(*k >> 3);
        switch (static_cast<Wire>(*k & 7)) {
            case kVarint: {
                const std::optional<uint64_t> v = read_varint(event, at);
                if (!v) return std::nullopt;
                if (field == 2) step = static_cast<int64_t>(*v);
                break;
            }
            case kFixed64: at += 8; break;
            case kFixed32: at += 4; break;
            case kBytes: {
                const std::optional<uint64_t> n = read_varint(event, at);
                if (!n || *n > event.size() - std::min(at, event.size())) return std::nullopt;
                at += static_cast<size_t>(*n);
                break;
            }
            default: return std::nullopt;
        }
    }
    if (at != event.size()) return std::nullopt;
    return step;
}
}  // namespace

size_t drop_events_after(const std::filesystem::path& file, int64_t last_step) {
    std::ifstream in(file, std::ios::binary);
    if (!in) detail::throw_output_error(file, "opening the event file", errno);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    const std::string_view all(bytes);
    std::string kept;
    size_t at = 0, dropped = 0;
    // Whole records only: a record whose length, checksums or Event do not parse ends the file
    // (a crash can tear the last write, and nothing valid can follow a torn record).
    while (at + 12 <= all.size()) {
        const uint64_t length = read_le(all, at, 8);
        if (static_cast<uint32_t>(read_le(all, at + 8, 4)) != masked_crc32c(crc32c(all.data() + at, 8)) ||
            all.size() - at < 16 || length > all.size() - at - 16)
            break;
        const std::string_view event = all.substr(at + 12, static_cast<size_t>(length));
        if (static_cast<uint32_t>(read_le(all, at + 12 + length, 4)) != masked_crc32c(crc32c(event)))
            break;
        const std::optional<int64_t> step = event_step(event);
        if (!step) break;
        const size_t size = 16 + static_cast<size_t>(length);
        if (*step <= last_step) kept.append(all.substr(at, size));
        else ++dropped;
        at += size;
    }
    if (at < all.size()) ++dropped;  // the torn or unreadable tail
    if (kept.size() != bytes.size()) atomic_write(file, kept);
    return dropped;
}

std::string tf_record(std::string_view data) {
    std::string record;
    const uint64_t length = data.size();
    for (int i = 0; i < 8; ++i) record.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
    append_u32(record, masked_crc32c(crc32c(record.data(), 8)));
    record.append(data);
    append_u32(record, masked_crc32c(crc32c(data)));
    return record;
}

EventWriter::EventWriter(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) detail::throw_output_error(dir, "creating the event directory", ec.value());
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
    const auto unix_time = static_cast<long long>(now_seconds());
    const std::string base = "events.out.tfevents." + std::to_string(unix_time) + "." + host;
    // Two writers started in the same second on one host must not share a file.
    for (int attempt = 0; fd_ < 0; ++attempt) {
        path_ = dir / (attempt == 0 ? base : base + "." + std::to_string(attempt));
        fd_ = detail::open_file(path_, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644);
        if (fd_ < 0 && (errno != EEXIST || attempt >= 100))
            detail::throw_output_error(path_, "creating the event file", errno);
    }
    std::string e = event_prefix(now_seconds());
    bytes_field(e, 3, "brain.Event:2");
    write_record(e);
}

EventWriter::~EventWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void EventWriter::add_scalar(std::string_view tag, int64_t step, float value) {
    std::string v;
    bytes_field(v, 1, tag);
    key(v, 2, kFixed32);
    fixed(v, &value, 4);
    write_record(summary_event(step, v));
}

void EventWriter::add_image(std::string_view tag, int64_t step, std::string_view png, int height,
                            int width, int channels) {
    GANTRY_CHECK(height > 0 && width > 0 && (channels == 1 || channels == 3 || channels == 4),
                 "EventWriter::add_image: expected a positive size and 1, 3 or 4 channels, got ",
                 width, "x", height, "x", channels);
    std::string image;
    key(image, 1, kVarint);
    varint(image, static_cast<uint64_t>(height));
    key(image, 2, kVarint);
    varint(image, static_cast<uint64_t>(width));
    key(image, 3, kVarint);
    varint(image, static_cast<uint64_t>(channels));
    bytes_field(image, 4, png);
    std::string v;
    bytes_field(v, 1, tag);
    bytes_field(v, 4, image);
    write_record(summary_event(step, v));
}

void EventWriter::sync() {
    if (const int err = detail::sync_fd(fd_)) detail::throw_output_error(path_, "fsync", err);
}

void EventWriter::write_record(const std::string& event) {
    const std::string record = tf_record(event);
    // One write per record: a reader (or a crash) sees whole records, at worst minus the last.
    if (const int err = detail::write_all(fd_, record.data(), record.size()))
        detail::throw_output_error(path_, "write", err);
}

}  // namespace gantry::io
