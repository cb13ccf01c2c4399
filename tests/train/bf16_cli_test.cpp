// SPDX-License-Identifier: Apache-2.0
// `precision: bf16` as a user runs it (tests/train/data/bf16.yaml, a tiny DCGAN under WGAN-GP):
// it trains with finite losses through the penalty's double backward, really in bf16, resumes bit
// for bit, and is refused at validation (exit 2, naming the ISA) where oneDNN has no bf16 kernels
// (forced with oneDNN's own cap, ONEDNN_MAX_CPU_ISA, on the child process).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gantry/precision.hpp"
#include "support/checkpoints.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using gantry::testing::checkpoint_difference;
using gantry::testing::lines_of;
using gantry::testing::only_run;
using gantry::testing::ProcessResult;
using gantry::testing::run_gantry;
using gantry::testing::slurp;
using gantry::testing::TempDir;

const std::string kBf16 = std::string(GANTRY_SOURCE_DIR) + "/tests/train/data/bf16.yaml";
const char* const kNoBf16 = "ONEDNN_MAX_CPU_ISA=AVX512_CORE";

/// True (and a SKIPPED warning, which CTest reports as skipped) when this CPU has no bf16.
bool skip_without_bf16() {
    const std::string missing = gantry::missing_cpu_isa(gantry::Precision::bf16);
    if (missing.empty()) return false;
    WARN("SKIPPED: oneDNN has no " << missing << " here");
    return true;
}

ProcessResult run(const fs::path& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", kBf16, "--out", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_gantry(args);
}

/// metrics.jsonl's rows as JSON, without the wall-clock rate.
std::vector<nlohmann::json> rows(const fs::path& run_dir) {
    std::vector<nlohmann::json> out;
    for (const std::string& line : lines_of(run_dir / "metrics.jsonl")) {
        nlohmann::json j = nlohmann::json::parse(line);
        j.erase("it_per_s");
        out.push_back(j);
    }
    return out;
}

}  // namespace

TEST_CASE("bf16: a DCGAN under WGAN-GP trains in bf16 through the penalty with finite losses",
          "[train][cli][bf16]") {
    if (skip_without_bf16()) return;
    TempDir bf16_out, fp32_out;
    const ProcessResult bf16 = run(bf16_out.path);
    INFO(bf16.output);
    REQUIRE(bf16.exit_code == 0);
    const fs::path a = only_run(bf16_out.path, "tiny-bf16");
    CHECK_THAT(slurp(a / "experiment.yaml"), Contains("\nprecision: bf16\n"));
    const std::vector<nlohmann::json> logged = rows(a);
    REQUIRE(logged.size() == 4);
    for (const nlohmann::json& row : logged) {
        INFO(row.dump());
        for (const char* key : {"d/real", "d/fake", "d/gp", "d/total", "d/grad_norm", "g/total", "g/grad_norm"}) {
            REQUIRE(row.contains(key));
            CHECK(std::isfinite(row[key].get<double>()));
        }
        CHECK(row["d/gp"].get<double>() > 0);  // the penalty's double backward ran
    }

    // The same file in fp32: another configuration (hash), other numbers (bf16 really ran), the
    // same checkpoint tensors (names, shapes: the weights stay fp32).
    const ProcessResult fp32 = run(fp32_out.path, {"--set", "precision=fp32"});
    INFO(fp32.output);
    REQUIRE(fp32.exit_code == 0);
    const fs::path b = only_run(fp32_out.path, "tiny-bf16");
    CHECK(slurp(b / "experiment.yaml").find("precision") == std::string::npos);
    const auto hash = [](const fs::path& dir) { return nlohmann::json::parse(slurp(dir / "manifest.json"))["config_hash"]; };
    CHECK(hash(a) != hash(b));
    CHECK(rows(a) != rows(b));
    const std::string difference = checkpoint_difference(a / "checkpoints" / "ckpt-000000008.gck",
                                                         b / "checkpoints" / "ckpt-000000008.gck");
    CHECK_THAT(difference, Contains("differs at flat index"));

    // Sampling runs in fp32 on the fp32 weights: a bf16 run opens on a CPU without bf16.
    const ProcessResult sampled = run_gantry({"sample", a.string(), "-n", "4", "--out", (bf16_out.path / "s.png").string()},
                                             {kNoBf16});
    INFO(sampled.output);
    CHECK(sampled.exit_code == 0);
    CHECK(fs::exists(bf16_out.path / "s.png"));
}

TEST_CASE("bf16: a resumed bf16 run continues bit for bit", "[train][cli][bf16][resume]") {
    if (skip_without_bf16()) return;
    TempDir straight_out, split_out;
    const ProcessResult straight = run(straight_out.path);
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    const fs::path a = only_run(straight_out.path, "tiny-bf16");

    const ProcessResult first = run(split_out.path, {"--set", "schedule.iterations=4"});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    const fs::path b = only_run(split_out.path, "tiny-bf16");
    const ProcessResult second = run(split_out.path, {"--set", "schedule.iterations=8", "--resume", b.string()});
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    CHECK_THAT(second.output, Contains("resuming " + b.string() + " from iteration 4"));

    for (const char* ck : {"ckpt-000000004.gck", "ckpt-000000008.gck"}) {
        INFO(ck);
        CHECK(checkpoint_difference(a / "checkpoints" / ck, b / "checkpoints" / ck).empty());
    }
    CHECK(rows(a) == rows(b));
    CHECK(slurp(a / "samples" / "iter-000000008.png") == slurp(b / "samples" / "iter-000000008.png"));
}

TEST_CASE("bf16: without avx512_core_bf16 validate and run are exit 2 naming the ISA and the key",
          "[train][cli][bf16][exit]") {
    // oneDNN's cap hides bf16 from the child whatever this CPU has: no skip.
    const ProcessResult validated = run_gantry({"validate", kBf16}, {kNoBf16});
    INFO(validated.output);
    CHECK(validated.exit_code == 2);
    CHECK_THAT(validated.output, Contains(kBf16 + ":9:12: precision: bf16 runs on oneDNN's avx512_core_bf16 kernels"));
    CHECK_THAT(validated.output, Contains("(oneDNN's instruction set here: "));
    CHECK_THAT(validated.output, Contains("use precision: fp32"));

    TempDir out;
    const ProcessResult capped = run_gantry({"run", kBf16, "--out", (out.path / "capped").string()}, {kNoBf16});
    INFO(capped.output);
    CHECK(capped.exit_code == 2);
    CHECK_THAT(capped.output, Contains("precision: bf16 runs on oneDNN's avx512_core_bf16 kernels"));
    CHECK(!fs::exists(out.path / "capped"));  // refused before a run directory exists

    // --set says where it came from; fp32 on the same capped machine runs.
    const ProcessResult set = run_gantry({"validate", kBf16, "--set", "precision=bf16"}, {kNoBf16});
    CHECK(set.exit_code == 2);
    CHECK_THAT(set.output, Contains("--set precision=bf16: precision: bf16 runs on"));
    const ProcessResult fp32 = run_gantry({"validate", kBf16, "--set", "precision=fp32"}, {kNoBf16});
    INFO(fp32.output);
    CHECK(fp32.exit_code == 0);
}

TEST_CASE("bf16: gantry bench --precision bf16 times the workload in bf16", "[cli][bench][bf16]") {
    if (skip_without_bf16()) return;
    const ProcessResult r = run_gantry({"bench", "dcgan28", "--threads", "1", "--iters", "2", "--warmup", "0",
                                        "--precision", "bf16"},
                                       {"OMP_NUM_THREADS=1"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const nlohmann::json j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    CHECK(j["precision"] == "bf16");
    CHECK(j["workload"] == "dcgan28");
    CHECK(j["iters"] == 2);
    CHECK(j["it_per_s_median"].get<double>() > 0);

    const ProcessResult bad = run_gantry({"bench", "dcgan28", "--iters", "1", "--precision", "fp16"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Contains("--set precision=fp16: precision: expected one of fp32|bf16"));
    const ProcessResult capped = run_gantry({"bench", "dcgan28", "--iters", "1", "--precision", "bf16"}, {kNoBf16});
    CHECK(capped.exit_code == 2);
    CHECK_THAT(capped.output, Contains("avx512_core_bf16"));
}
