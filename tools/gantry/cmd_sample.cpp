// SPDX-License-Identifier: Apache-2.0
// `gantry sample RUN_DIR [-n N] [--out FILE] [--format png|csv|npy] [--seed S] [--interpolate]
//  [--class K] [--truncation T] [--slerp] [--from A.npy --to B.npy]
//  [--condition test|FILE.png [--compare RUN_DIR...]] [--rollout K] [--text "A" ["B"...]]
//  [--interpolate-text "A" "B"]`
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "gantry/error.hpp"
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
                   app.add_flag("--eval-noise", request->eval_noise,
                                "the run's evaluation batch (evaluate.samples of its fixed evaluation noise): the "
                                "samples its evaluations scored, for gantry eval");
                   // Latent tools (issue 15).
                   auto label = std::make_shared<int64_t>(0);
                   auto truncation = std::make_shared<double>(0);
                   CLI::Option* class_option =
                       app.add_option("--class", *label, "conditional runs: draw this class only");
                   CLI::Option* truncation_option = app.add_option(
                       "--truncation", *truncation, "redraw noise components with |z| > T (T > 0)");
                   app.add_flag("--slerp", request->slerp, "interpolate on the great circle, not the chord");
                   app.add_option("--from", request->from, "z.npy to start a row from (with --to)");
                   CLI::Option* count_option = app.get_option("-n");
                   app.add_option("--to", request->to, "z.npy to end the row at; -n: its length (default 8)");
                   CLI::Option* condition = app.add_option(
                       "--condition", request->condition,
                       "conditional runs: 'test' (rows of held-out pairs: condition | baseline | output | target) "
                       "or a PNG condition (one row of -n outputs)");
                   app.add_option("--compare", request->compare,
                                  "with --condition: further runs of the same data whose outputs join each row")
                       ->take_all();
                   CLI::Option* rollout = app.add_option(
                       "--rollout", request->rollout,
                       "sequence runs: predict K frames ahead from -n held-out sequences (default 8), each "
                       "prediction fed back; writes a strip and each step's metrics (.jsonl)");
                   CLI::Option* text = app.add_option(
                       "--text", request->text,
                       "text runs: one row of -n samples (default 8) per caption, e.g. --text \"a dark pullover\"")
                       ->take_all();
                   CLI::Option* interpolate_text = app.add_option(
                       "--interpolate-text", request->interpolate_text,
                       "text runs: one row of -n samples (default 8) at one noise vector, walking from caption A "
                       "to caption B")
                       ->take_all();
                   return [=] {
                       // With a condition or captions, -n counts rows (test), outputs (a PNG) or samples
                       // per caption: 8 unless given.
                       if ((condition->count() > 0 || rollout->count() > 0 || text->count() > 0 ||
                            interpolate_text->count() > 0) &&
                           count_option->count() == 0)
                           request->count = 8;
                       if (seed_option->count() > 0) request->seed = *seed;
                       if (request->eval_noise && count_option->count() > 0)
                           throw ConfigError("gantry sample: --eval-noise draws the run's evaluate.samples; "
                                             "it takes no -n");
                       if (class_option->count() > 0) request->label = *label;
                       if (truncation_option->count() > 0) request->truncation = *truncation;
                       if (!request->from.empty() && count_option->count() == 0) request->count = 8;
                       const train::SampleResult result = train::sample_from_run(*request);
                       for (const std::string& warning : result.warnings)
                           std::fprintf(stderr, "gantry sample: warning: %s\n", warning.c_str());
                       std::printf("%s\n", result.file.c_str());
                       if (!result.film_file.empty()) std::printf("%s\n", result.film_file.c_str());
                       if (!result.metrics_file.empty()) std::printf("%s\n", result.metrics_file.c_str());
                       return 0;
                   };
               });

}  // namespace gantry::cli
