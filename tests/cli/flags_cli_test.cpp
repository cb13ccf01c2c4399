// SPDX-License-Identifier: Apache-2.0
// Documented flags no other test exercised, and the small things of issue 17 item 3.6, through
// the real binary: `sample --format npy|csv`, `run --allow-inexact-resume`, `sweep --parallel`
// and `--backend` as flags over the sweep file's keys, and the line `gantry plugins` prints about
// files it skipped.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
namespace fs = std::filesystem;
using gantry::testing::lines_of;
using gantry::testing::run_gantry;
using gantry::testing::slurp;
using gantry::testing::TempDir;

namespace {

const std::string kTiny = std::string(GANTRY_SOURCE_DIR) + "/tests/train/data/tiny.yaml";

/// The run directory a finished `gantry run` announced ("done: DIR").
fs::path done_dir(const std::string& output) {
    const size_t at = output.rfind("done: ");
    REQUIRE(at != std::string::npos);
    return output.substr(at + 6, output.find('\n', at) - at - 6);
}

/// A float32 .npy file: its shape (from the header's tuple) and values.
struct Npy {
    std::vector<int64_t> shape;
    std::vector<float> values;
};

Npy read_npy(const fs::path& file) {
    const std::string bytes = slurp(file);
    REQUIRE(bytes.size() >= 10);
    REQUIRE(bytes.compare(0, 6, "\x93NUMPY") == 0);
    const size_t header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    const std::string header = bytes.substr(10, header_len);
    CHECK((10 + header_len) % 64 == 0);
    CHECK_THAT(header, Contains("'descr': '<f4'"));
    CHECK_THAT(header, Contains("'fortran_order': False"));
    Npy npy;
    const size_t open = header.find("'shape': (") + 10, close = header.find(')', open);
    std::string dims = header.substr(open, close - open);
    for (char& c : dims)
        if (c == ',') c = ' ';
    std::istringstream in(dims);
    int64_t count = 1;
    for (int64_t d; in >> d;) {
        npy.shape.push_back(d);
        count *= d;
    }
    REQUIRE(bytes.size() == 10 + header_len + static_cast<size_t>(count) * 4);
    npy.values.resize(static_cast<size_t>(count));
    std::memcpy(npy.values.data(), bytes.data() + 10 + header_len, npy.values.size() * 4);
    return npy;
}

void write_sweep_base(const fs::path& dir) {
    std::ofstream(dir / "base.yaml") << "experiment: flags\nseed: 0\nthreads: 1\n"
        "data: {plugin: gaussian_mixture, layout: ring}\n"
        "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
        "discriminator: {plugin: mlp, hidden: [16]}\nloss: {plugin: nonsaturating}\n"
        "schedule: {iterations: 20, batch: 64}\n"
        "evaluate: {every: 10, samples: 256, metrics: [modes]}\n"
        "log: {every: 10}\nsamples: {every: 10, grid: 16}\ncheckpoint: {every: 10, keep: 2}\n";
}

}  // namespace

TEST_CASE("gantry sample --format npy and csv write the same values - npy with its shape and csv with a header - png with a legend",
          "[cli][sample]") {
    TempDir out;
    const auto trained = run_gantry({"run", kTiny, "--out", out.path.string()});
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    const fs::path run = done_dir(trained.output);

    const fs::path npy_file = out.path / "s.npy", csv_file = out.path / "s.csv";
    const auto npy = run_gantry({"sample", run.string(), "-n", "12", "--format", "npy", "--out", npy_file.string()});
    INFO(npy.output);
    REQUIRE(npy.exit_code == 0);
    REQUIRE(run_gantry({"sample", run.string(), "-n", "12", "--format", "csv", "--out", csv_file.string()}).exit_code == 0);

    const Npy a = read_npy(npy_file);
    CHECK(a.shape == std::vector<int64_t>{12, 2});
    const std::vector<std::string> rows = lines_of(csv_file);
    REQUIRE(rows.size() == 13);
    CHECK(rows[0] == "x,y");
    for (size_t i = 0; i < 12; ++i) {
        float x = 0, y = 0;
        REQUIRE(std::sscanf(rows[i + 1].c_str(), "%g,%g", &x, &y) == 2);
        // Shortest round-trip text: the CSV holds the .npy's floats exactly.
        CHECK(x == a.values[2 * i]);
        CHECK(y == a.values[2 * i + 1]);
    }
    // The PNG of points: a 512 px scatter plot with its legend strip below (real in blue,
    // generated in orange), as the run's own sample frames.
    const fs::path png_file = out.path / "s.png";
    REQUIRE(run_gantry({"sample", run.string(), "-n", "100", "--out", png_file.string()}).exit_code == 0);
    for (const fs::path& png : {png_file, run / "samples" / "iter-000000040.png"}) {
        INFO(png);
        const gantry::io::Image image = gantry::io::read_png_image(png);
        CHECK(image.width == 512);
        CHECK(image.height == 512 + 24);
        int blue = 0, orange = 0;
        for (int y = 512; y < image.height; ++y)
            for (int x = 0; x < image.width; ++x) {
                const uint8_t* p = image.pixels.data() + (static_cast<size_t>(y) * image.width + x) * 3;
                blue += p[0] == 31 && p[1] == 119 && p[2] == 180;
                orange += p[0] == 255 && p[1] == 127 && p[2] == 14;
            }
        CHECK(blue > 10);
        CHECK(orange > 10);
    }
    // Without --out: <run>/samples/sample-<iteration>.npy.
    const auto default_out = run_gantry({"sample", run.string(), "-n", "3", "--format", "npy"});
    CHECK(default_out.exit_code == 0);
    CHECK(read_npy(run / "samples" / "sample-000000040.npy").shape == std::vector<int64_t>{3, 2});
}

TEST_CASE("gantry run --allow-inexact-resume continues a run that cannot continue bit for bit", "[cli][resume]") {
    TempDir out;
    // oneDNN's ISA cap makes the checkpoint's cpu_isa differ from this machine's uncapped one.
    const auto first = run_gantry({"run", kTiny, "--out", out.path.string()}, {"ONEDNN_MAX_CPU_ISA=SSE41"});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    const fs::path run = done_dir(first.output);
    const std::string manifest = slurp(run / "manifest.json");
    REQUIRE_THAT(manifest, Contains("\"cpu_isa\":\"sse41\""));
    const auto refused = run_gantry({"run", "--resume", run.string(), "--set", "schedule.iterations=60"});
    if (refused.exit_code == 0) {
        WARN("SKIPPED: this machine's best ISA is SSE4.1: capping it changes nothing");
        return;
    }
    INFO(refused.output);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Contains("cpu_isa = sse41"));
    CHECK_THAT(refused.output, Contains("--allow-inexact-resume"));
    CHECK(lines_of(run / "metrics.jsonl").size() == 4);  // nothing was appended

    const auto resumed =
        run_gantry({"run", "--resume", run.string(), "--set", "schedule.iterations=60", "--allow-inexact-resume"});
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
    CHECK_THAT(resumed.output, Contains("resuming " + run.string() + " from iteration 40"));
    CHECK_THAT(resumed.output, Contains("warning: --allow-inexact-resume (cpu_isa sse41 -> "));
    const std::vector<std::string> rows = lines_of(run / "metrics.jsonl");
    REQUIRE(rows.size() == 6);
    CHECK(rows.back().rfind("{\"iteration\":60,", 0) == 0);
    CHECK_THAT(slurp(run / "summary.json"), Contains("\"iterations\":60"));
    // The run keeps the mark: in summary.json, and in the checkpoint a later resume starts from,
    // which carries it on even when that resume is exact.
    CHECK_THAT(slurp(run / "summary.json"), Contains("\"inexact_since\":40"));
    const auto again = run_gantry({"run", "--resume", run.string(), "--set", "schedule.iterations=80"});
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.output, !Contains("warning: --allow-inexact-resume"));
    CHECK_THAT(slurp(run / "summary.json"), Contains("\"iterations\":80"));
    CHECK_THAT(slurp(run / "summary.json"), Contains("\"inexact_since\":40"));
}

TEST_CASE("gantry sweep --parallel and --backend override the sweep file's keys", "[cli][sweep]") {
    TempDir tmp;
    write_sweep_base(tmp.path);
    // The file says one at a time on Slurm; the flags say three at once here.
    std::ofstream(tmp.path / "sweep.yaml") << "sweep: flags\nbase: base.yaml\nseeds: 3\nparallel: 1\nbackend: slurm\n";
    const std::string file = (tmp.path / "sweep.yaml").string(), out = (tmp.path / "out").string();

    const auto plan = run_gantry({"sweep", file, "--out", out, "--dry-run"});
    INFO(plan.output);
    CHECK(plan.exit_code == 0);
    CHECK_THAT(plan.output, Contains("backend slurm, 1 at once"));
    const auto flagged_plan = run_gantry({"sweep", file, "--out", out, "--dry-run", "--parallel", "3", "--backend", "local"});
    INFO(flagged_plan.output);
    CHECK(flagged_plan.exit_code == 0);
    CHECK_THAT(flagged_plan.output, Contains("backend local, 3 at once"));

    const auto ran = run_gantry({"sweep", file, "--out", out, "--parallel", "3", "--backend", "local"});
    INFO(ran.output);
    REQUIRE(ran.exit_code == 0);
    CHECK_THAT(ran.output, Contains("backend local, 3 at once"));
    CHECK_FALSE(fs::exists(fs::path(out) / "flags" / "slurm"));
    int done = 0;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(out) / "flags"))
        if (e.path().filename() == "summary.json") done += slurp(e.path()).find("\"status\":\"done\"") != std::string::npos;
    CHECK(done == 3);

    // Bad values are usage errors naming the flag.
    for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
             {"--parallel", "0"}, {"--parallel", "x"}, {"--backend", "pbs"}}) {
        const auto bad = run_gantry({"sweep", file, "--out", out, "--dry-run", flag, value});
        INFO(flag << " " << value << ": " << bad.output);
        CHECK(bad.exit_code == 2);
        CHECK_THAT(bad.output, Contains(flag));
    }
}

TEST_CASE("gantry plugins says in one line how many files it skipped and that -v shows why", "[cli][plugin]") {
    TempDir tmp;
    std::ofstream(tmp.path / "libgantry_notes.so") << "not a library\n";
    std::ofstream(tmp.path / "libgantry_other.so") << "nor this\n";
    const auto plain = run_gantry({"plugins", "--path", tmp.path.string(), "--kind", "loss"});
    INFO(plain.output);
    CHECK(plain.exit_code == 0);
    CHECK_THAT(plain.output, Contains("skipped 2 files on the plugin path; gantry plugins -v shows which and why\n"));
    CHECK_THAT(plain.output, !Contains("libgantry_notes.so"));
    const auto missing = run_gantry({"plugins", "--path", tmp.path.string(), "--kind", "loss"},
                                    {"GANTRY_PLUGIN_PATH=" + (tmp.path / "nowhere").string()});
    INFO(missing.output);
    // GANTRY_PLUGIN_PATH is dropped by the test harness unless given: here it is.
    CHECK_THAT(missing.output, Contains("skipped 2 files on the plugin path and 1 search directory that does not exist"));
    const auto verbose = run_gantry({"plugins", "--path", tmp.path.string(), "--kind", "loss", "-v"});
    CHECK_THAT(verbose.output, Contains("libgantry_notes.so: not a shared library"));
    CHECK_THAT(verbose.output, !Contains("gantry plugins -v shows"));
    // Nothing skipped: no line.
    const auto clean = run_gantry({"plugins", "--kind", "loss"});
    CHECK(clean.exit_code == 0);
    CHECK_THAT(clean.output, !Contains("skipped"));
}

TEST_CASE("the resolved experiment shows the value in force of gaussian_mixture's default std - hash unchanged",
          "[cli][config]") {
    const std::string ring = std::string(GANTRY_SOURCE_DIR) + "/experiments/ring/minimax.yaml";
    const auto validated = run_gantry({"validate", ring});
    INFO(validated.output);
    REQUIRE(validated.exit_code == 0);
    CHECK_THAT(validated.output, Contains("\n  std: 0.0  # in force: 0.01\n"));
    // The pinned hash (tests/config/data/pinned_hashes.txt) is the hash of the text without notes.
    CHECK_THAT(validated.output, Contains("config_hash 0d072d08c06d6ba6"));
    const auto grid = run_gantry({"validate", std::string(GANTRY_SOURCE_DIR) + "/experiments/grid/hinge.yaml"});
    CHECK_THAT(grid.output, Contains("\n  std: 0.0  # in force: 0.05\n"));
    // A value the file sets is the value in force: no note.
    const auto set = run_gantry({"validate", ring, "--set", "data.std=0.03"});
    CHECK_THAT(set.output, Contains("\n  std: 0.03\n"));
    CHECK_THAT(set.output, !Contains("in force"));

    // A run's experiment.yaml carries the note and resolves to the run's own hash again.
    TempDir out;
    const auto trained = run_gantry({"run", kTiny, "--out", out.path.string()});
    REQUIRE(trained.exit_code == 0);
    const fs::path run = done_dir(trained.output);
    CHECK_THAT(slurp(run / "experiment.yaml"), Contains("\n  std: 0.0  # in force: 0.01\n"));
    const std::string manifest = slurp(run / "manifest.json");
    const size_t at = manifest.find("\"config_hash\":\"");
    REQUIRE(at != std::string::npos);
    const std::string hash = manifest.substr(at + 15, 16);
    const auto again = run_gantry({"validate", (run / "experiment.yaml").string()});
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.output, Contains("config_hash " + hash));
    CHECK_THAT(run_gantry({"validate", kTiny}).output, Contains("config_hash " + hash));
}
