// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/faults.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

using gantry::testing::slurp;

namespace {
using gantry::testing::TempDir;

CheckpointData at_iteration(uint64_t iteration) {
    CheckpointData data;
    data.metadata_json = "{\"iteration\":" + std::to_string(iteration) + "}";
    data.tensors["w"] = Tensor::full({8}, static_cast<float>(iteration));
    return data;
}

void flip_byte(const fs::path& path, size_t from_end) {
    std::string bytes = slurp(path);
    bytes[bytes.size() - from_end] ^= 0x10;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}
}  // namespace

TEST_CASE("checkpoint names: nine-digit iteration - only the canonical spelling is ours", "[io]") {
    CHECK(checkpoint_file_name(2000) == "ckpt-000002000.gck");
    CHECK(checkpoint_file_name(1234567890) == "ckpt-1234567890.gck");
    CHECK(parse_checkpoint_file_name("ckpt-000002000.gck") == 2000u);
    CHECK(parse_checkpoint_file_name("ckpt-1234567890.gck") == 1234567890u);
    for (const char* other : {"ckpt-2000.gck", "ckpt-0000002000.gck", "ckpt-000002000.gck.bak",
                              ".ckpt-000002000.gck.gantry-tmp.1.0", "latest", "ckpt-00000200x.gck",
                              "ckpt-best.gck", "ckpt-99999999999999999999999.gck"}) {
        INFO(other);
        CHECK_FALSE(parse_checkpoint_file_name(other).has_value());
    }
}

TEST_CASE("save_checkpoint: latest names the newest - retention keeps the newest `keep`", "[io]") {
    TempDir dir;
    const auto ckpts = dir.path / "checkpoints";
    fs::create_directories(ckpts);
    std::ofstream(ckpts / "notes.txt") << "mine";
    std::ofstream(ckpts / "ckpt-best.gck") << "also mine";
    for (uint64_t it = 1000; it <= 5000; it += 1000) {
        const SavedCheckpoint saved = save_checkpoint(ckpts, it, at_iteration(it), 2);
        CHECK(saved.path == ckpts / checkpoint_file_name(it));
        CHECK(saved.warnings.empty());
        CHECK(slurp(ckpts / "latest") == checkpoint_file_name(it) + "\n");
    }
    CHECK(names_in(ckpts) == std::vector<std::string>{"ckpt-000004000.gck", "ckpt-000005000.gck",
                                                      "ckpt-best.gck", "latest", "notes.txt"});
    const auto found = find_latest_good(ckpts);
    REQUIRE(found.has_value());
    CHECK(found->iteration == 5000);
    CHECK_FALSE(found->fell_back);
    CHECK(found->data.metadata_json == "{\"iteration\":5000}");
    // keep 0 keeps everything; keep 1 keeps only the new one.
    save_checkpoint(ckpts, 6000, at_iteration(6000), 0);
    CHECK(list_checkpoints(ckpts).size() == 3);
    const auto saved = save_checkpoint(ckpts, 7000, at_iteration(7000), 1);
    CHECK(saved.removed.size() == 3);
    CHECK(list_checkpoints(ckpts).size() == 1);
}

TEST_CASE("find_latest_good: falls back to the newest checkpoint that verifies", "[io]") {
    TempDir dir;
    const auto ckpts = dir.path;
    CHECK_FALSE(find_latest_good(ckpts).has_value());  // a fresh run
    for (uint64_t it : {100, 200, 300}) save_checkpoint(ckpts, it, at_iteration(it), 3);

    SECTION("latest names a corrupt checkpoint") {
        flip_byte(ckpts / checkpoint_file_name(300), 30);
        const auto found = find_latest_good(ckpts);
        REQUIRE(found.has_value());
        CHECK(found->iteration == 200);
        CHECK(found->fell_back);
        CHECK_THAT(found->note, Catch::Contains("latest names a bad checkpoint") &&
                                    Catch::Contains("ckpt-000000300.gck is corrupt") &&
                                    Catch::Contains("using " + (ckpts / checkpoint_file_name(200)).string()));
        CHECK(fs::exists(ckpts / checkpoint_file_name(300)));  // evidence is never deleted
    }
    SECTION("latest is missing") {
        fs::remove(ckpts / "latest");
        const auto found = find_latest_good(ckpts);
        REQUIRE(found.has_value());
        CHECK(found->iteration == 300);
        CHECK(found->fell_back);
        CHECK_THAT(found->note, Catch::Contains("is missing"));
    }
    SECTION("latest holds garbage or a path") {
        atomic_write(ckpts / "latest", std::string_view("../../etc/passwd\n"));
        const auto found = find_latest_good(ckpts);
        REQUIRE(found.has_value());
        CHECK(found->iteration == 300);
        CHECK_THAT(found->note, Catch::Contains("expected a checkpoint file name"));
    }
    SECTION("latest names a deleted checkpoint") {
        fs::remove(ckpts / checkpoint_file_name(300));
        const auto found = find_latest_good(ckpts);
        REQUIRE(found.has_value());
        CHECK(found->iteration == 200);
        CHECK_THAT(found->note, Catch::Contains("No such file"));
    }
    SECTION("nothing verifies") {
        for (uint64_t it : {100, 200, 300}) flip_byte(ckpts / checkpoint_file_name(it), 30);
        CHECK_THROWS_AS(find_latest_good(ckpts), DataError);
        CHECK_THROWS_WITH(find_latest_good(ckpts), Catch::Contains("expected one that verifies") &&
                                                       Catch::Contains("ckpt-000000100.gck is corrupt"));
    }
}

TEST_CASE("save_checkpoint: a fault at any I/O step of the commit keeps the previous checkpoint newest",
          "[io]") {
    using io::testing::IoStep;
    TempDir dir;
    const auto ckpts = dir.path;
    save_checkpoint(ckpts, 1000, at_iteration(1000), 1);
    int faults = 0;
    for (const IoStep step : {IoStep::open, IoStep::write, IoStep::fsync, IoStep::close, IoStep::rename,
                              IoStep::dir_fsync}) {
        // Walk the fault over every occurrence of `step` in one commit until one commit passes.
        for (int nth = 1;; ++nth) {
            INFO("step " << static_cast<int>(step) << " occurrence " << nth);
            io::testing::inject_failure(step, nth, ENOSPC);
            bool threw = false;
            try {
                save_checkpoint(ckpts, 2000, at_iteration(2000), 1);
            } catch (const OutputError& e) {
                threw = true;
                CHECK_THAT(e.what(), Catch::Contains("disk full"));
            }
            const bool fired = io::testing::clear_failure();
            CHECK(threw == fired);
            if (!fired) break;
            ++faults;
            // The old checkpoint still exists and `latest` names a checkpoint that verifies.
            CHECK(fs::exists(ckpts / checkpoint_file_name(1000)));
            const auto found = find_latest_good(ckpts);
            REQUIRE(found.has_value());
            CHECK_FALSE(found->fell_back);
            CHECK((found->iteration == 1000 || found->iteration == 2000));
            for (const auto& name : names_in(ckpts)) CHECK_FALSE(is_atomic_temp_name(name));
            // Undo a half-done commit so the next occurrence starts from the same state.
            fs::remove(ckpts / checkpoint_file_name(2000));
            save_checkpoint(ckpts, 1000, at_iteration(1000), 1);
        }
        // The commit that passed: only the new checkpoint is left (keep 1).
        CHECK(list_checkpoints(ckpts).size() == 1);
        CHECK(find_latest_good(ckpts)->iteration == 2000);
        fs::remove(ckpts / checkpoint_file_name(2000));
        save_checkpoint(ckpts, 1000, at_iteration(1000), 1);
    }
    CHECK(faults >= 10);  // two atomic writes: 2 x (open, write, fsync, close, rename, dir fsync)
}

TEST_CASE("save_checkpoint: kill -9 at random times never leaves a bad checkpoint chosen", "[io]") {
    std::mt19937 gen(20261125);  // fixed seed: the kill delays are reproducible
    std::uniform_int_distribution<int> delay_us(5000, 300000);  // commits take ms: fsyncs
    int with_checkpoint = 0;
    for (int trial = 0; trial < 20; ++trial) {
        TempDir dir;
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            try {
                for (uint64_t it = 1;; ++it) save_checkpoint(dir.path, it, at_iteration(it), 2);
            } catch (...) {
            }
            ::_exit(1);
        }
        const timespec pause{0, static_cast<long>(delay_us(gen)) * 1000L};
        ::nanosleep(&pause, nullptr);
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        INFO("trial " << trial);
        REQUIRE(WIFSIGNALED(status));
        // Every checkpoint file that exists is complete: partial data only ever lives in temps.
        for (const auto& [iteration, path] : list_checkpoints(dir.path))
            CHECK(read_checkpoint(path).metadata_json == "{\"iteration\":" + std::to_string(iteration) + "}");
        const auto found = find_latest_good(dir.path);
        if (!found) continue;  // killed before the first commit finished
        ++with_checkpoint;
        // `latest` may lag one checkpoint behind (killed between the two renames), never ahead;
        // killed there during the very first commit, there is no `latest` yet.
        INFO(found->note);
        if (found->fell_back) {
            CHECK(found->iteration == 1);
            CHECK_THAT(found->note, Catch::Contains("latest is missing"));
        }
        CHECK(found->iteration + 1 >= list_checkpoints(dir.path).back().first);
        remove_stale_temps(dir.path);
        for (const auto& name : names_in(dir.path)) CHECK_FALSE(is_atomic_temp_name(name));
    }
    CHECK(with_checkpoint >= 10);  // most kills landed after some commits, at varied points
}
