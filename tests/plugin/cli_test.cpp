// SPDX-License-Identifier: Apache-2.0
// `gantry plugins` run as a user runs it: the real binary, its output and its exit code.
#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#include "support/gantry_process.hpp"

using Catch::Contains;

namespace {

using Result = gantry::testing::ProcessResult;
using gantry::testing::run_gantry;

std::string fixture(const std::string& name) { return std::string(GANTRY_TEST_PLUGIN_DIR) + "/" + name; }

}  // namespace

TEST_CASE("gantry plugins: lists every plugin with its options", "[plugin][cli]") {
    const Result r = run_gantry({"plugins", "--path", fixture("good")});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    // The built-in plugins are listed too; only the test plugins' lines are checked here.
    CHECK_THAT(r.output, Contains("loss plugins:\n"));
    CHECK_THAT(r.output, Contains("\n  good_loss 1.2.3 - a constant loss for the host tests\n"));
    CHECK_THAT(r.output, Contains("dataset plugins:\n"));
    CHECK_THAT(r.output, Contains("\n  good_dataset 0.1.0 - zeros, for the host tests\n"));
    CHECK_THAT(r.output, Contains("file: " GANTRY_TEST_PLUGIN_DIR "/good/libgantry_good_loss.so"));
    // Columns are aligned: name, type, default, range or choices, doc.
    CHECK_THAT(r.output,
               Contains("      scale   number            default 1.5     [0, 100]          multiplies every term\n"
                        "      steps   integer           default 3       >= 1              inner steps\n"
                        "      mode    string            required        one of fast|slow  how hard to try\n"
                        "      hidden  list of integers  default [8, 8]  [1, 4096]         layer widths\n"));
    CHECK_THAT(r.output, Contains("options: none"));
}

TEST_CASE("gantry plugins: --kind filters - an unknown kind is exit 2", "[plugin][cli]") {
    const Result loss = run_gantry({"plugins", "--kind", "loss", "--path", fixture("good")});
    CHECK(loss.exit_code == 0);
    CHECK_THAT(loss.output, Contains("good_loss"));
    CHECK_THAT(loss.output, !Contains("good_dataset"));

    const Result bad = run_gantry({"plugins", "--kind", "losses", "--path", fixture("good")});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Contains("unknown kind 'losses'") &&
                               Contains("architecture, loss, dataset, metric"));
}

TEST_CASE("gantry plugins: a bad plugin is exit 3 with the message", "[plugin][cli]") {
    const Result r = run_gantry({"plugins", "--path", fixture("good"), "--path", fixture("bad_api_major")});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.output, Contains("gantry: error: plugin 'bad_api_major'") &&
                             Contains("API 3.0 but this gantry supports 2.x") &&
                             Contains("rebuild the plugin against this Gantry SDK"));

    const Result fake = run_gantry({"plugins", "--path", fixture("not_a_library/libgantry_fake.so")});
    CHECK(fake.exit_code == 3);
    CHECK_THAT(fake.output, Contains("libgantry_fake.so: not a plugin library"));
}

TEST_CASE("gantry plugins: non-plugins are skipped and listed with --verbose", "[plugin][cli]") {
    const Result quiet = run_gantry({"plugins", "--path", fixture("not_a_library")});
    CHECK(quiet.exit_code == 0);
    CHECK_THAT(quiet.output, !Contains("libgantry_fake.so"));

    const Result verbose = run_gantry({"plugins", "-v", "--path", fixture("not_a_library")});
    CHECK(verbose.exit_code == 0);
    CHECK_THAT(verbose.output, Contains("search path (in order):") &&
                                   Contains("libgantry_fake.so: not a shared library"));
}

TEST_CASE("gantry plugins: a throwing static initializer stops the process loudly (documented limit)",
          "[plugin][cli]") {
    // dlopen() runs static initializers. Whether their exception can leave the loader depends
    // on unwind tables: usually std::terminate (SIGABRT); when it does get
    // out, the host reports it as a plugin error (exit 3). Either way the process stops loudly
    // and names the culprit; it never carries on or exits 0.
    const Result r = run_gantry({"plugins", "--path", fixture("static_init_throws")});
    INFO(r.output);
    CHECK((r.signal == SIGABRT || r.exit_code == 3));
    CHECK_THAT(r.output, Contains("static initializer of static_init_throws"));
    if (r.exit_code == 3)
        CHECK_THAT(r.output, Contains("libgantry_static_init_throws.so: a static initializer threw"));
}
