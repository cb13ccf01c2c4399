// SPDX-License-Identifier: Apache-2.0
// Every committed fuzz input (fuzz/corpus/<target>/, seeds and every input a fuzzer once found
// failing) replayed through the fuzz harnesses themselves, in the ordinary suite: a regression
// shows up in every build, the ASan one included, not only in the clang fuzz build.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#define GANTRY_FUZZ_ENTRY fuzz_experiment_loader
#include "../../fuzz/experiment_loader.cpp"
#undef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY fuzz_sweep_loader
#include "../../fuzz/sweep_loader.cpp"
#undef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY fuzz_idx_reader
#include "../../fuzz/idx_reader.cpp"
#undef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY fuzz_png_reader
#include "../../fuzz/png_reader.cpp"
#undef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY fuzz_tensor_file_reader
#include "../../fuzz/tensor_file_reader.cpp"
#undef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY fuzz_plugin_descriptor
#include "../../fuzz/plugin_descriptor.cpp"
#undef GANTRY_FUZZ_ENTRY

namespace {

size_t replay(const std::string& target, int (*entry)(const uint8_t*, size_t)) {
    const std::filesystem::path dir = std::filesystem::path(GANTRY_SOURCE_DIR) / "fuzz" / "corpus" / target;
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        const std::string bytes = s.str();
        INFO(e.path());
        // A harness aborts on a broken invariant and lets any exception but the expected one
        // through: either fails this test.
        CHECK(entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == 0);
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("reliability: the committed fuzz corpora replay without a finding", "[reliability][fuzz]") {
    CHECK(replay("experiment_loader", fuzz_experiment_loader) > 0);
    CHECK(replay("sweep_loader", fuzz_sweep_loader) > 0);
    CHECK(replay("idx_reader", fuzz_idx_reader) > 0);
    CHECK(replay("png_reader", fuzz_png_reader) > 0);
    CHECK(replay("tensor_file_reader", fuzz_tensor_file_reader) > 0);
    CHECK(replay("plugin_descriptor", fuzz_plugin_descriptor) > 0);
}
