// SPDX-License-Identifier: Apache-2.0
// `gantry sample RUN_DIR [-n N] [--out FILE] [--format png|csv|npy] [--seed S] [--interpolate]
//                [--condition test|FILE.png [--compare RUN_DIR...]]`
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "train/run.hpp"

namespace gantry::cli {

GANTRY_COMMAND("sample", "draw from a run's newest checkpoint (EMA generator when the run has one)",
               [](CLI::App& app) {
                   auto request = std::make_shared<train::SampleRequest>();
                   auto seed = std::make_shared<uint64_t>(0);
                   app.add_option("run_dir", request->run_dir, "the run directory")->required();
                   app.add_option("-n", request->count, "number of samples (default 64)");
                   app.add_option("--out", request->out, "output file (default: RUN_DIR/samples/...)");
                   app.add_option("--format", request->format, "png, csv or npy (default png)");
                   CLI::Option* seed_option = app.add_option("--seed", *seed, "noise seed (default: the run's)");
                   app.add_flag("--interpolate", request->interpolate,
                                "rows of 8 samples walking between two latent points");
                   CLI::Option* condition = app.add_option(
                       "--condition", request->condition,
                       "conditional runs: 'test' (rows of held-out pairs: condition | baseline | output | target) "
                       "or a PNG condition (one row of -n outputs)");
                   app.add_option("--compare", request->compare,
                                  "with --condition: further runs of the same data whose outputs join each row")
                       ->take_all();
                   CLI::Option* count = app.get_option("-n");
                   return [=] {
                       // With a condition, -n counts rows (test) or outputs (a PNG): 8 unless given.
                       if (condition->count() > 0 && count->count() == 0) request->count = 8;
                       if (seed_option->count() > 0) request->seed = *seed;
                       const train::SampleResult result = train::sample_from_run(*request);
                       for (const std::string& warning : result.warnings)
                           std::fprintf(stderr, "gantry sample: warning: %s\n", warning.c_str());
                       std::printf("%s\n", result.file.c_str());
                       return 0;
                   };
               });

}  // namespace gantry::cli
