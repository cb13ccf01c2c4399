// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/crc32c.hpp"
#include "gantry/io/png.hpp"
#include "io/tensorboard.hpp"

#include "support/temp_dir.hpp"

using namespace gantry::io;
namespace fs = std::filesystem;

namespace {
uint64_t le(const std::string& bytes, size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(uint8_t(bytes[at + i])) << (8 * i);
    return v;
}

// Splits a TFRecord file, checking both masked CRCs of every record.
std::vector<std::string> read_records(const std::string& file) {
    std::vector<std::string> records;
    size_t at = 0;
    while (at < file.size()) {
        REQUIRE(file.size() - at >= 12);
        const uint64_t length = le(file, at, 8);
        CHECK(le(file, at + 8, 4) == masked_crc32c(crc32c(file.data() + at, 8)));
        REQUIRE(file.size() - at - 12 >= length + 4);
        const std::string data = file.substr(at + 12, length);
        CHECK(le(file, at + 12 + length, 4) == masked_crc32c(crc32c(data)));
        records.push_back(data);
        at += 12 + length + 4;
    }
    return records;
}

// A minimal protobuf reader: (field, wire type, varint value or byte string).
struct Field {
    uint32_t number;
    uint32_t wire;
    uint64_t value = 0;
    std::string bytes;
};

uint64_t read_varint(const std::string& s, size_t& at) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        REQUIRE(at < s.size());
        const uint8_t b = static_cast<uint8_t>(s[at++]);
        v |= uint64_t(b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
}

std::vector<Field> parse_message(const std::string& s) {
    std::vector<Field> fields;
    size_t at = 0;
    while (at < s.size()) {
        const uint64_t key = read_varint(s, at);
        Field f{static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7), 0, {}};
        if (f.wire == 0) {
            f.value = read_varint(s, at);
        } else if (f.wire == 1) {
            f.value = le(s, at, 8);
            at += 8;
        } else if (f.wire == 5) {
            f.value = le(s, at, 4);
            at += 4;
        } else {
            REQUIRE(f.wire == 2);
            const uint64_t n = read_varint(s, at);
            f.bytes = s.substr(at, n);
            at += n;
        }
        REQUIRE(at <= s.size());
        fields.push_back(f);
    }
    return fields;
}
}  // namespace

TEST_CASE("crc32c: standard check values", "[io]") {
    CHECK(crc32c(std::string_view("123456789")) == 0xE3069283u);
    CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);      // RFC 3720 B.4
    CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
    std::string ascending(32, 0);
    for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
    CHECK(crc32c(ascending) == 0x46DD794Eu);
    CHECK(crc32c(std::string_view("")) == 0u);
    // Continuation over pieces equals the whole.
    CHECK(crc32c(std::string_view("6789"), crc32c(std::string_view("12345"))) == 0xE3069283u);
    CHECK(masked_crc32c(0) == 0xa282ead8u);
}

TEST_CASE("EventWriter: TFRecord framing and hand-decoded scalar and image events", "[io]") {
    const gantry::testing::TempDir tmp;
    const fs::path& dir = tmp.path;
    const auto before = std::time(nullptr);
    fs::path path;
    const uint8_t gray[4] = {0, 64, 128, 255};
    const std::string png = encode_png(2, 2, 1, gray);
    {
        EventWriter writer(dir / "tb");
        path = writer.path();
        writer.add_scalar("loss/G", 7, 1.0f);
        writer.add_scalar("loss/D", -1, 0.5f);
        writer.add_image("samples", 1000, png, 2, 2, 1);
        // Flushed per record: readable before the writer closes.
        std::ifstream in(path, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        CHECK(read_records(s.str()).size() == 4);
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    CHECK(path.filename().string().rfind("events.out.tfevents.", 0) == 0);
    std::string host_suffix(1, '.');
    host_suffix += host;
    CHECK(path.filename().string().find(host_suffix) != std::string::npos);

    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    const auto records = read_records(s.str());
    REQUIRE(records.size() == 4);

    const auto header = parse_message(records[0]);
    REQUIRE(header.size() == 2);
    CHECK(header[1].number == 3);
    CHECK(header[1].bytes == "brain.Event:2");

    const auto event = parse_message(records[1]);
    REQUIRE(event.size() == 3);
    CHECK((event[0].number == 1 && event[0].wire == 1));
    double wall_time;
    std::memcpy(&wall_time, &event[0].value, 8);
    CHECK(wall_time >= static_cast<double>(before));
    CHECK(wall_time < static_cast<double>(before) + 60);
    CHECK((event[1].number == 2 && event[1].wire == 0 && event[1].value == 7));
    CHECK((event[2].number == 5 && event[2].wire == 2));
    const auto summary = parse_message(event[2].bytes);
    REQUIRE(summary.size() == 1);
    CHECK(summary[0].number == 1);
    const auto value = parse_message(summary[0].bytes);
    REQUIRE(value.size() == 2);
    CHECK((value[0].number == 1 && value[0].bytes == "loss/G"));
    CHECK((value[1].number == 2 && value[1].wire == 5 && value[1].value == 0x3f800000u));

    CHECK(parse_message(records[2])[1].value == ~uint64_t{0});  // step -1, ten-byte varint

    const auto image_value = parse_message(parse_message(parse_message(records[3])[2].bytes)[0].bytes);
    REQUIRE(image_value.size() == 2);
    CHECK(image_value[1].number == 4);
    const auto image = parse_message(image_value[1].bytes);
    REQUIRE(image.size() == 4);
    CHECK(image[0].value == 2);
    CHECK(image[1].value == 2);
    CHECK(image[2].value == 1);
    CHECK(image[3].bytes == png);
}

TEST_CASE("EventWriter: two writers started in the same second get their own files", "[io]") {
    const gantry::testing::TempDir tmp;
    const fs::path& dir = tmp.path;
    {
        EventWriter a(dir);
        EventWriter b(dir);
        CHECK(a.path() != b.path());
        a.add_scalar("x", 1, 1.f);
        b.add_scalar("x", 1, 2.f);
        b.sync();
    }
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        (void)e;
        ++files;
    }
    CHECK(files == 2);
}

TEST_CASE("tf_record: length and data CRCs are masked", "[io]") {
    const std::string record = tf_record("abc");
    REQUIRE(record.size() == 8 + 4 + 3 + 4);
    CHECK(le(record, 0, 8) == 3);
    CHECK(le(record, 12 + 3, 4) == masked_crc32c(crc32c(std::string_view("abc"))));
}

TEST_CASE("drop_events_after: keeps the header and the steps up to the checkpoint and drops a torn tail",
          "[io][resume]") {
    const gantry::testing::TempDir tmp;
    const fs::path& dir = tmp.path;
    const uint8_t gray[4] = {0, 64, 128, 255};
    fs::path path;
    {
        EventWriter writer(dir / "tb");
        path = writer.path();
        for (int64_t step : {5, 10, 15, 20}) writer.add_scalar("train/d/real", step, 0.25f * step);
        writer.add_image("samples", 20, encode_png(2, 2, 1, gray), 2, 2, 1);
    }
    // A crash in the middle of the next record's write.
    std::ofstream(path, std::ios::binary | std::ios::app) << std::string("\x30\x00\x00\x00\x00", 5);
    auto steps_in = [&] {
        std::ifstream in(path, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        std::vector<int64_t> steps;
        for (const std::string& record : read_records(s.str())) {
            int64_t step = -1;  // the header has none
            for (const Field& f : parse_message(record))
                if (f.number == 2) step = static_cast<int64_t>(f.value);
            steps.push_back(step);
        }
        return steps;
    };
    // 15, 20, the image at 20 and the torn tail.
    CHECK(drop_events_after(path, 10) == 4);
    CHECK(steps_in() == std::vector<int64_t>{-1, 5, 10});
    const auto size = fs::file_size(path);
    CHECK(drop_events_after(path, 10) == 0);
    CHECK(fs::file_size(path) == size);
    CHECK(drop_events_after(path, 4) == 2);  // 5 and 10
    CHECK(steps_in() == std::vector<int64_t>{-1});
}
