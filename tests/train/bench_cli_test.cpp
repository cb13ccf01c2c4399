// SPDX-License-Identifier: Apache-2.0
// `gantry bench` through the real binary: each named workload (experiments/bench/*.yaml, built by
// train::assemble with the real plugins) and --experiment on the quickstart, 2 timed iterations on
// 1 thread; the JSON line's keys and values.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "support/gantry_process.hpp"

namespace {

using gantry::testing::run_gantry;
using nlohmann::json;

/// The one JSON line of a bench run that exited 0.
json bench(const std::vector<std::string>& args) {
    const gantry::testing::ProcessResult r = run_gantry(args, {"OMP_NUM_THREADS=1"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(r.output);
    std::vector<json> objects;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.front() == '{') objects.push_back(json::parse(line));
    REQUIRE(objects.size() == 1);
    return objects.front();
}

/// The keys every bench line has, with sane values for a 2-iteration run on 1 thread.
void check_common(const json& j, int64_t batch) {
    INFO(j.dump());
    for (const char* key : {"workload", "experiment", "threads", "batch", "iters", "warmup", "it_per_s_median",
                            "it_per_s_min", "it_per_s_max", "ms_median", "gflop_per_iter",
                            "gflops_achieved_median", "cpu_isa", "precision", "peak_rss_mb", "startup_s"})
        CHECK(j.contains(key));
    CHECK(j["threads"] == 1);
    CHECK(j["batch"] == batch);
    CHECK(j["iters"] == 2);
    CHECK(j["warmup"] == 0);
    const double med = j["it_per_s_median"], lo = j["it_per_s_min"], hi = j["it_per_s_max"];
    CHECK(lo > 0);
    CHECK(lo <= med * 1.0001);
    CHECK(med <= hi * 1.0001);
    CHECK(j["ms_median"].get<double>() == Approx(1000.0 / med).epsilon(1e-3));
    CHECK(!j["cpu_isa"].get<std::string>().empty());
    CHECK(j["precision"] == "fp32");
    CHECK(j["peak_rss_mb"].get<double>() > 10);
    CHECK(j["peak_rss_mb"].get<double>() < 8192);
    CHECK(j["startup_s"].get<double>() > 0);
    CHECK(j["startup_s"].get<double>() < 120);
}

}  // namespace

TEST_CASE("bench: each workload runs the experiment through the trainer and prints one JSON line",
          "[cli][bench]") {
    struct Case {
        std::string workload;
        int64_t batch;
        double gflop;  ///< torch_gan_bench.py --flops
    };
    for (const Case& c : {Case{"mlp2d", 512, 0.4736}, Case{"dcgan28", 64, 17.477}, Case{"dcgan64", 64, 158.86}}) {
        SECTION(c.workload) {
            const json j = bench({"bench", c.workload, "--threads", "1", "--iters", "2", "--warmup", "0"});
            INFO(j.dump());
            check_common(j, c.batch);
            CHECK(j["workload"] == c.workload);
            CHECK(j["experiment"].get<std::string>().find("bench/" + c.workload + ".yaml") != std::string::npos);
            // The FLOP count is the script's, from the layers the plugins built: the same nets.
            CHECK(j["gflop_per_iter"].get<double>() == Approx(c.gflop).epsilon(1e-3));
            CHECK(j["gflops_achieved_median"].get<double>() ==
                  Approx(c.gflop * j["it_per_s_median"].get<double>()).epsilon(1e-2));
        }
    }
}

TEST_CASE("bench: --experiment times any experiment's training iteration", "[cli][bench]") {
    const json j = bench({"bench", "--experiment", std::string(GANTRY_SOURCE_DIR) + "/experiments/quickstart.yaml",
                          "--threads", "1", "--iters", "2", "--warmup", "0"});
    INFO(j.dump());
    check_common(j, 256);
    CHECK(j["workload"] == "quickstart");
    // R1's gradient penalty is not in the script's count: no FLOP figure rather than a wrong one.
    CHECK(j["gflop_per_iter"].is_null());
    CHECK(j["gflops_achieved_median"].is_null());
}

TEST_CASE("bench: an unknown workload - or a workload and --experiment together - is exit 2", "[cli][bench]") {
    const gantry::testing::ProcessResult unknown = run_gantry({"bench", "dcgan32", "--iters", "1"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.output, Catch::Contains("unknown workload 'dcgan32'"));
    const gantry::testing::ProcessResult both =
        run_gantry({"bench", "mlp2d", "--experiment", std::string(GANTRY_SOURCE_DIR) + "/experiments/quickstart.yaml"});
    CHECK(both.exit_code == 2);
    CHECK_THAT(both.output, Catch::Contains("not both"));
}
