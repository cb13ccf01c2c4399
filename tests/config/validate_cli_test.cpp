// SPDX-License-Identifier: Apache-2.0
// `gantry validate` as a user runs it: the real binary, its stdout, stderr and exit code.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

using gantry::testing::slurp;

namespace {

namespace fs = std::filesystem;

struct Result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string data_path(const std::string& name) {
    return std::string(GANTRY_SOURCE_DIR) + "/tests/config/data/" + name;
}

// Arguments are single-quoted for the shell; none of ours contain a quote.
Result validate(const std::vector<std::string>& args) {
    const gantry::testing::TempDir tmp;
    const fs::path& dir = tmp.path;
    std::string cmd = std::string("'") + GANTRY_BUILD_DIR + "/bin/gantry' validate";
    for (const std::string& a : args) cmd += " '" + a + "'";
    cmd += " >'" + (dir / "out").string() + "' 2>'" + (dir / "err").string() + "'";
    const int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir / "out");
    r.err = slurp(dir / "err");
    return r;
}

}  // namespace

TEST_CASE("gantry validate: a good file prints the resolved experiment - exit 0", "[config]") {
    const Result r = validate({data_path("ring.yaml")});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("config_hash "));
    CHECK_THAT(r.out, Catch::Contains("experiment: wgan-gp-ring\nseed: 0\nthreads: 2\n"));
    CHECK_THAT(r.out, Catch::Contains("    - {train: discriminator, repeat: 5}\n"));
    CHECK_THAT(r.out, Catch::Contains("checkpoint: {every: 2000, keep: 2}\n"));
}

TEST_CASE("gantry validate: its output validates again to the same hash", "[config]") {
    const Result first = validate({data_path("derived.yaml"), "--set", "seed=7"});
    REQUIRE(first.exit_code == 0);
    const gantry::testing::TempDir tmp;
    const fs::path copy = tmp.path / "resolved.yaml";
    std::ofstream(copy) << first.out;
    const Result again = validate({copy.string()});
    REQUIRE(again.exit_code == 0);
    auto hash_of = [](const std::string& out) {
        const size_t at = out.find("config_hash ");
        return at == std::string::npos ? std::string() : out.substr(at + 12, 16);
    };
    CHECK(hash_of(first.out).size() == 16);
    CHECK(hash_of(again.out) == hash_of(first.out));
    CHECK_THAT(again.out, Catch::Contains("seed: 7\n"));
}

TEST_CASE("gantry validate: every problem on stderr - exit 2", "[config]") {
    const Result r = validate({data_path("several_errors.yaml"), "--set", "schedule.batch=abc"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("several_errors.yaml:8:15: schedule.iterations: expected an "
                                      "integer >= 1, got '0'\n"));
    CHECK_THAT(r.err, Catch::Contains("several_errors.yaml:9:3: schedule.bacth: unknown key "
                                      "'bacth'; did you mean 'batch'?\n"));
    CHECK_THAT(r.err, Catch::Contains("error: --set schedule.batch=abc: schedule.batch: expected "
                                      "an integer >= 1, got 'abc'\n"));
    // The real plugins are in the catalogue: their options are checked too.
    CHECK_THAT(r.err, Catch::Contains("data.mode: unknown option 'mode' of dataset plugin "
                                      "'gaussian_mixture'; did you mean 'modes'?"));
    CHECK_THAT(r.err, Catch::Contains("4 problems in"));
}

TEST_CASE("gantry validate: missing file and bad command line - exit 2", "[config]") {
    const Result missing = validate({data_path("nope.yaml")});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains("nope.yaml: cannot read"));

    const Result no_file = validate({});
    CHECK(no_file.exit_code == 2);

    const Result bad_set = validate({data_path("ring.yaml"), "--set", "seed"});
    CHECK(bad_set.exit_code == 2);
    CHECK_THAT(bad_set.err, Catch::Contains("--set seed: expected key.path=value"));
}
