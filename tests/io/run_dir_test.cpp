// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gantry/error.hpp"
#include "io/run_dir.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

namespace {
using gantry::testing::TempDir;
}  // namespace

TEST_CASE("create_run_dir: creates parents - then refuses an existing run id", "[io]") {
    TempDir dir;
    const auto out = dir.path / "nested" / "out";
    {
        RunDir run = create_run_dir(out, "ring", "run-1");
        CHECK(run.path == out / "ring" / "run-1");
        CHECK(fs::is_directory(run.path));
        CHECK(fs::exists(run.path / ".lock"));
    }
    CHECK_THROWS_WITH(create_run_dir(out, "ring", "run-1"),
                      Catch::Contains("existing one") && Catch::Contains("--resume"));
    CHECK_THROWS_WITH(create_run_dir(out, "ring", "../escape"), Catch::Contains("run id"));
    CHECK_FALSE(fs::exists(out / "escape"));
    // A resume locks the existing directory.
    RunDir resumed = open_run_dir(out / "ring" / "run-1");
    CHECK(resumed.lock.run_dir() == out / "ring" / "run-1");
    CHECK_THROWS_AS(open_run_dir(out / "ring" / "missing"), OutputError);
}

TEST_CASE("RunLock: a second lock on the same directory names the holder", "[io]") {
    TempDir dir;
    std::string message;
    {
        RunLock first(dir.path);
        try {
            RunLock second(dir.path);  // its own open file description: flock conflicts
        } catch (const OutputError& e) {
            message = e.what();
        }
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        CHECK_THAT(message, Catch::Contains("run directory " + dir.path.string() + " is in use by pid " +
                                            std::to_string(::getpid()) + " on host " + host + " since 20"));
        RunLock moved = std::move(first);
        CHECK_THROWS_AS(RunLock(dir.path), OutputError);
    }
    CHECK_NOTHROW(RunLock(dir.path));  // released by the destructor
}

TEST_CASE("RunLock: held by another process - released by the kernel when it is killed", "[io]") {
    TempDir dir;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::alarm(60);  // a child stuck after fork() (another thread held a lock) fails, never hangs
        ::close(ready[0]);
        try {
            RunLock lock(dir.path);
            const char ok = 1;
            (void)::write(ready[1], &ok, 1);
            for (;;) ::pause();
        } catch (...) {
        }
        ::_exit(1);
    }
    ::close(ready[1]);
    pollfd wait_ready{ready[0], POLLIN, 0};
    REQUIRE(::poll(&wait_ready, 1, 30000) == 1);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    CHECK_THROWS_WITH(RunLock(dir.path), Catch::Contains("in use by pid " + std::to_string(child)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK_NOTHROW(RunLock(dir.path));  // no stale lock after kill -9
}

TEST_CASE("make_run_id: sortable UTC time stamp", "[io]") {
    const std::string id = make_run_id();
    REQUIRE(id.size() == 15);
    CHECK(id[8] == '-');
    CHECK(id.substr(0, 2) == "20");
}
