// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: sweep YAML text -> parse_sweep (grid, runs, random, seeds, set, report; every
// run resolved against a small ring experiment, up to 100 runs per input). Only gantry::Error may
// come out. An accepted sweep must be consistent: at least one run, each in a listed
// configuration, run ids unique and 12 hex digits, and a second load gives the same runs (a
// relaunch must find the same directories).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>

#include "config/experiment.hpp"
#include "gantry/error.hpp"
#include "sweep/sweep.hpp"

namespace {

constexpr std::string_view kFuzzBase =
    "experiment: ring\nseed: 0\nthreads: 1\n"
    "data: {plugin: gaussian_mixture, layout: ring}\n"
    "generator: {plugin: mlp, latent: 4, hidden: [16]}\n"
    "discriminator: {plugin: mlp, hidden: [16]}\n"
    "loss: {plugin: nonsaturating}\n"
    "optimizers:\n  generator: {type: adam}\n  discriminator: {type: adam}\n"
    "schedule: {iterations: 10, batch: 64}\n";

// `base:` is checked to be a file next to the sweep: one real directory holds base.yaml, made once
// per process. Every run is resolved from the text above, whatever base: names, so no input can
// make the harness read another file.
struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() : path(std::filesystem::temp_directory_path() / ("gantry-fuzz-sweep-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path);
        std::ofstream(path / "base.yaml") << kFuzzBase;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

const std::filesystem::path& fuzz_sweep_dir() {
    static const ScratchDir dir;
    return dir.path;
}

bool is_run_id(const std::string& id) {
    return id.size() == 12 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

// The suite replays the corpora through the same function under another name
// (tests/reliability/fuzz_corpus_test.cpp).
#ifndef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GANTRY_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string file = (fuzz_sweep_dir() / "sweep.yaml").string();
    // Work per input is bounded to what libFuzzer's 10-second timeout allows under ASan: a sweep
    // of up to 10,000 runs is valid (the cap is unit-tested in sweep_file_test.cpp) but resolving
    // thousands of runs twice takes longer than that. Past kMaxResolved the harness gives up on
    // the input; everything up to the expansion has been exercised by then.
    constexpr int kMaxResolved = 100;
    int resolved = 0;
    const auto resolve = [&resolved](const std::string& base, const std::vector<std::string>& overrides) {
        if (++resolved > kMaxResolved) throw gantry::ConfigError("fuzz harness: more runs than it resolves");
        return gantry::config::parse_experiment(kFuzzBase, base, overrides);
    };
    gantry::sweep::SweepSpec spec;
    try {
        spec = gantry::sweep::parse_sweep(text, file, resolve);
    } catch (const gantry::Error&) {
        return 0;  // rejected with a message: the expected outcome for almost every input
    }
    resolved = 0;
    if (spec.runs.empty() || spec.configurations.empty() || spec.parallel < 1) std::abort();
    std::set<std::string> ids;
    for (const gantry::sweep::SweepRun& run : spec.runs) {
        if (run.configuration >= spec.configurations.size() || !is_run_id(run.run_id)) std::abort();
        if (!ids.insert(run.run_id).second) std::abort();
    }
    const gantry::sweep::SweepSpec again = gantry::sweep::parse_sweep(text, file, resolve);
    if (again.runs.size() != spec.runs.size()) std::abort();
    for (size_t i = 0; i < spec.runs.size(); ++i)
        if (again.runs[i].run_id != spec.runs[i].run_id || again.runs[i].label != spec.runs[i].label) std::abort();
    return 0;
}
