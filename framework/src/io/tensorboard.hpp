// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A TensorBoard event file writer (an export format: JSONL metrics stay the source of truth).
/// Records are TFRecords, `u64 length | u32 masked CRC32C(length) | Event protobuf | u32 masked
/// CRC32C(Event)`, the first one holding file_version "brain.Event:2". Each record is handed to
/// the kernel before add_* returns, so a crashed run still leaves a readable file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace gantry::io {

class EventWriter {
public:
    /// Creates `dir` if needed and `dir/events.out.tfevents.<unix time>.<host>` (a numeric
    /// suffix is added if that name exists). Throws OutputError.
    explicit EventWriter(const std::filesystem::path& dir);
    ~EventWriter();
    EventWriter(const EventWriter&) = delete;
    EventWriter& operator=(const EventWriter&) = delete;

    /// Summary.Value{tag, simple_value} at `step`. Throws OutputError.
    void add_scalar(std::string_view tag, int64_t step, float value);
    /// Summary.Value{tag, image{height, width, colorspace (1 gray, 3 RGB), PNG bytes}}.
    void add_image(std::string_view tag, int64_t step, std::string_view png, int height,
                   int width, int channels);
    /// fsync. Throws OutputError.
    void sync();

    const std::filesystem::path& path() const { return path_; }

private:
    void write_record(const std::string& event);

    std::filesystem::path path_;
    int fd_ = -1;
};

/// Cuts an event file written by EventWriter back to the events of steps <= `last_step` (the
/// file_version record, which has no step, stays), and drops a torn or corrupt tail. A resumed run
/// calls it with its checkpoint's iteration: the events logged after that checkpoint and before
/// the crash are logged again by the resumed run, and TensorBoard would show both. The file is
/// replaced atomically, and only if something goes. Returns the number of records dropped.
/// Throws OutputError.
size_t drop_events_after(const std::filesystem::path& file, int64_t last_step);

/// One TFRecord around `data` (exposed for tests and other record writers).
std::string tf_record(std::string_view data);

}  // namespace gantry::io
