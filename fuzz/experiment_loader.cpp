// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: experiment YAML text -> parse_experiment (yaml-cpp, includes, schema checks,
// defaults). Only gantry::Error may come out; an accepted experiment must round-trip: its
// resolved YAML loads again to the same configuration hash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/experiment.hpp"
#include "gantry/error.hpp"

// The suite replays the corpora through the same function under another name
// (tests/reliability/fuzz_corpus_test.cpp).
#ifndef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GANTRY_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // A directory that does not exist: `include:` keys resolve there and never reach real files.
    const std::string file = "/nonexistent-gantry-fuzz/experiment.yaml";
    gantry::config::ExperimentSpec spec;
    try {
        spec = gantry::config::parse_experiment(text, file);
    } catch (const gantry::Error&) {
        return 0;  // rejected with a message: the expected outcome for almost every input
    }
    const gantry::config::ExperimentSpec again = gantry::config::parse_experiment(spec.resolved_yaml, file);
    if (again.config_hash != spec.config_hash) std::abort();
    return 0;
}
