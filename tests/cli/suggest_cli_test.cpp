// SPDX-License-Identifier: Apache-2.0
// "Did you mean" on the command line itself (issue 17 item 3.6), through the real binary: a
// misspelt subcommand and a misspelt `gantry plugins --kind`.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "support/gantry_process.hpp"

using Catch::Contains;

namespace {

gantry::testing::ProcessResult gantry_cli(const std::vector<std::string>& args) {
    return gantry::testing::run_gantry(args, {}, std::chrono::seconds(60));
}

}  // namespace

TEST_CASE("gantry rn suggests run - exit 2", "[cli]") {
    const auto r = gantry_cli({"rn", "experiments/quickstart.yaml"});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("gantry: error: unknown command 'rn'; did you mean 'run'?"));
    CHECK_THAT(r.output, Contains("gantry --help"));
}

TEST_CASE("gantry: a misspelt subcommand gets the closest name and a far one none", "[cli]") {
    for (const auto& [typo, meant] : std::vector<std::pair<std::string, std::string>>{
             {"valdiate", "validate"}, {"plugin", "plugins"}, {"smaple", "sample"}, {"new-plugins", "new-plugin"}}) {
        const auto r = gantry_cli({typo});
        INFO(typo << ": " << r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Contains("unknown command '" + typo + "'; did you mean '" + meant + "'?"));
    }
    const auto far = gantry_cli({"zzzzzz"});
    INFO(far.output);
    CHECK(far.exit_code == 2);
    CHECK_THAT(far.output, Contains("unknown command 'zzzzzz'\n"));
    CHECK_THAT(far.output, !Contains("did you mean"));
}

TEST_CASE("gantry: real subcommands and --help still parse", "[cli]") {
    const auto help = gantry_cli({"--help"});
    CHECK(help.exit_code == 0);
    const auto version = gantry_cli({"--version"});
    CHECK(version.exit_code == 0);
    const auto none = gantry_cli({});
    CHECK(none.exit_code == 2);
    const auto sub_help = gantry_cli({"run", "--help"});
    INFO(sub_help.output);
    CHECK(sub_help.exit_code == 0);
    CHECK_THAT(sub_help.output, Contains("--resume"));
}

TEST_CASE("gantry plugins --kind los suggests loss - exit 2", "[cli]") {
    const auto r = gantry_cli({"plugins", "--kind", "los"});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("unknown kind 'los'; valid kinds: architecture, loss, dataset, metric; did you mean 'loss'?"));
    const auto far = gantry_cli({"plugins", "--kind", "qqqqqq"});
    INFO(far.output);
    CHECK(far.exit_code == 2);
    CHECK_THAT(far.output, Contains("unknown kind 'qqqqqq'; valid kinds: architecture, loss, dataset, metric\n"));
    const auto good = gantry_cli({"plugins", "--kind", "loss"});
    CHECK(good.exit_code == 0);
    CHECK_THAT(good.output, Contains("wgan_gp"));
}
