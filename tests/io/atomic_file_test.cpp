// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gantry/error.hpp"
#include "io/append_file.hpp"
#include "io/atomic_file.hpp"
#include "io/faults.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

using gantry::testing::slurp;

namespace {
using gantry::testing::TempDir;

int count_temps(const fs::path& dir) {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        if (is_atomic_temp_name(e.path().filename().string())) ++n;
    return n;
}
}  // namespace

TEST_CASE("atomic_write: creates and replaces a file - leaving no temp", "[io]") {
    TempDir dir;
    const auto target = dir.path / "summary.json";
    atomic_write(target, std::string_view("first"));
    CHECK(slurp(target) == "first");
    atomic_write(target, std::string_view("second, longer"));
    CHECK(slurp(target) == "second, longer");
    const std::vector<uint8_t> bytes = {0, 1, 2, 255};
    atomic_write(target, std::span<const uint8_t>(bytes));
    CHECK(slurp(target) == std::string("\0\1\2\xff", 4));
    CHECK(count_temps(dir.path) == 0);
}

TEST_CASE("atomic_write: a missing parent directory is an OutputError naming the path", "[io]") {
    TempDir dir;
    const auto target = dir.path / "no-such-dir" / "x.png";
    REQUIRE_THROWS_AS(atomic_write(target, std::string_view("x")), OutputError);
    REQUIRE_THROWS_WITH(atomic_write(target, std::string_view("x")),
                        Catch::Contains(target.string()) && Catch::Contains("No such file or directory"));
}

TEST_CASE("atomic_write: a read-only directory is an OutputError and keeps the old file", "[io]") {
    TempDir dir;
    const auto target = dir.path / "x.txt";
    atomic_write(target, std::string_view("old"));
    // Root ignores permissions, so as root the attempt runs in a child that drops to nobody.
    const bool as_root = ::geteuid() == 0;
    ::chmod(dir.path.c_str(), as_root ? 0755 : 0555);
    const pid_t child = as_root ? ::fork() : 0;
    REQUIRE(child >= 0);
    if (child == 0) {
        if (as_root) ::alarm(60);  // fail rather than hang if the forked child gets stuck
        int outcome = 1;
        if (!as_root || (::setgid(65534) == 0 && ::setuid(65534) == 0)) {
            try {
                atomic_write(target, std::string_view("new"));
            } catch (const OutputError& e) {
                const std::string message = e.what();
                outcome = message.find(target.string()) != std::string::npos &&
                                  message.find("Permission denied") != std::string::npos
                              ? 0
                              : 2;
            }
        }
        if (as_root) ::_exit(outcome);
        CHECK(outcome == 0);
    } else {
        int status = 0;
        ::waitpid(child, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    ::chmod(dir.path.c_str(), 0755);
    CHECK(slurp(target) == "old");
    CHECK(count_temps(dir.path) == 0);
}

TEST_CASE("atomic_write: renaming over a non-empty directory fails and removes the temp", "[io]") {
    TempDir dir;
    const auto target = dir.path / "taken";
    fs::create_directories(target / "inside");
    REQUIRE_THROWS_WITH(atomic_write(target, std::string_view("x")),
                        Catch::Contains(target.string()) && Catch::Contains("rename failed"));
    CHECK(fs::is_directory(target / "inside"));
    CHECK(count_temps(dir.path) == 0);
}

TEST_CASE("atomic_write: a fault at any step before the rename keeps the old file intact", "[io]") {
    using io::testing::IoStep;
    TempDir dir;
    const auto target = dir.path / "ckpt.bin";
    atomic_write(target, std::string_view("old content"));
    const std::string big(3 << 20, 'n');  // several write calls are possible for large data
    for (const IoStep step : {IoStep::open, IoStep::write, IoStep::fsync, IoStep::close, IoStep::rename}) {
        for (const int err : {ENOSPC, EIO}) {
            INFO("step " << static_cast<int>(step) << " errno " << err);
            io::testing::inject_failure(step, 1, err);
            std::string message;
            try {
                atomic_write(target, big);
            } catch (const OutputError& e) {
                message = e.what();
            }
            CHECK(io::testing::clear_failure());
            CHECK_THAT(message, Catch::Contains(target.string()));
            CHECK_THAT(message, Catch::Contains(std::strerror(err)));
            if (err == ENOSPC) CHECK_THAT(message, Catch::Contains("disk full"));
            CHECK(slurp(target) == "old content");
            CHECK(count_temps(dir.path) == 0);
        }
    }
}

TEST_CASE("atomic_write: a failing directory fsync is reported after the rename", "[io]") {
    TempDir dir;
    const auto target = dir.path / "x";
    atomic_write(target, std::string_view("old"));
    io::testing::inject_failure(io::testing::IoStep::dir_fsync, 1, EIO);
    CHECK_THROWS_WITH(atomic_write(target, std::string_view("new")),
                      Catch::Contains("fsync of the directory failed"));
    CHECK(io::testing::clear_failure());
    CHECK(slurp(target) == "new");
    CHECK(count_temps(dir.path) == 0);
}

TEST_CASE("AtomicFile: nothing is visible before commit and an abandoned file leaves nothing", "[io]") {
    TempDir dir;
    const auto target = dir.path / "metrics.csv";
    {
        AtomicFile file(target);
        file.write("a,b\n");
        CHECK(fs::exists(file.temp_path()));
        CHECK_FALSE(fs::exists(target));
        CHECK(is_atomic_temp_name(file.temp_path().filename().string()));
    }
    CHECK_FALSE(fs::exists(target));
    CHECK(count_temps(dir.path) == 0);
    AtomicFile file(target);
    file.write("a,b\n");
    file.write("1,2\n");
    file.commit();
    CHECK(slurp(target) == "a,b\n1,2\n");
    CHECK_THROWS_AS(file.write("late"), Error);
}

TEST_CASE("atomic temps: only Gantry's own temp names are recognised and cleaned", "[io]") {
    CHECK(is_atomic_temp_name(".ckpt-000000010.gck.gantry-tmp.1234.0"));
    CHECK_FALSE(is_atomic_temp_name("ckpt-000000010.gck"));
    CHECK_FALSE(is_atomic_temp_name(".ckpt.gantry-tmp.12x.0"));
    CHECK_FALSE(is_atomic_temp_name(".ckpt.gantry-tmp.12"));
    CHECK_FALSE(is_atomic_temp_name("notes.gantry-tmp.1.2"));
    TempDir dir;
    std::ofstream(dir.path / ".a.gantry-tmp.99999.3") << "partial";
    std::ofstream(dir.path / "a.tmp") << "user file";
    CHECK(remove_stale_temps(dir.path) == 1);
    CHECK(fs::exists(dir.path / "a.tmp"));
}

TEST_CASE("AppendFile: whole lines and a failed append leaves the file at the last line", "[io]") {
    TempDir dir;
    const auto path = dir.path / "metrics.jsonl";
    {
        AppendFile file(path);
        file.append_line(R"({"iteration":1})");
        file.append_line(R"({"iteration":2})", true);
        CHECK_THROWS_AS(file.append_line("two\nlines"), Error);
        io::testing::inject_failure(io::testing::IoStep::write, 1, ENOSPC);
        CHECK_THROWS_WITH(file.append_line(R"({"iteration":3})"),
                          Catch::Contains(path.string()) && Catch::Contains("disk full"));
        CHECK(io::testing::clear_failure());
    }
    CHECK(slurp(path) == "{\"iteration\":1}\n{\"iteration\":2}\n");
    AppendFile again(path);  // reopening appends
    again.append_line("x");
    CHECK(slurp(path) == "{\"iteration\":1}\n{\"iteration\":2}\nx\n");
}

TEST_CASE("truncate_to_last_line: drops a torn last line after a crash", "[io]") {
    TempDir dir;
    const auto path = dir.path / "eval.jsonl";
    CHECK(truncate_to_last_line(path) == 0);
    std::ofstream(path, std::ios::binary) << "{\"a\":1}\n{\"a\":2}\n{\"a\":";
    CHECK(truncate_to_last_line(path) == 5);
    CHECK(slurp(path) == "{\"a\":1}\n{\"a\":2}\n");
    CHECK(truncate_to_last_line(path) == 0);
    // A line longer than the scan block.
    std::ofstream(path, std::ios::binary) << std::string(10000, 'x') << "\n" << std::string(9000, 'y');
    CHECK(truncate_to_last_line(path) == 9000);
    CHECK(fs::file_size(path) == 10001);
    std::ofstream(path, std::ios::binary) << "no newline at all";
    CHECK(truncate_to_last_line(path) == 17);
    CHECK(fs::file_size(path) == 0);
}
