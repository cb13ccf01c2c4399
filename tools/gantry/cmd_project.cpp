// SPDX-License-Identifier: Apache-2.0
// `gantry project RUN_DIR --image F.png [--image G.png ...] [--mask M.png] [--restarts K]
//  [--steps S] [--lr R] [--prior W] [--realism W] [--class K] [--seed S] [--out DIR]`
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "gantry/error.hpp"
#include "train/projection.hpp"

namespace gantry::cli {

GANTRY_COMMAND("project", "find the latent point (and class) whose sample matches an image",
               [](CLI::App& app) {
                   auto request = std::make_shared<train::ProjectRequest>();
                   auto seed = std::make_shared<uint64_t>(0);
                   auto label = std::make_shared<int64_t>(-1);
                   train::ProjectionOptions& o = request->options;
                   app.add_option("run_dir", request->run_dir, "the run directory")->required();
                   app.add_option("--image", request->images,
                                  "PNG of the run's sample size (repeat: projected together)")
                       ->required();
                   app.add_option("--mask", request->mask,
                                  "PNG of the same size: white = match here, black = free (inpainting)");
                   app.add_option("--restarts", o.restarts, "starting points per image (default 4)");
                   app.add_option("--steps", o.steps, "Adam steps (default 200)");
                   app.add_option("--lr", o.learning_rate, "Adam learning rate on z (default 0.05)");
                   app.add_option("--prior", o.prior_weight, "weight of the prior term mean(z^2) (default 0.01)");
                   app.add_option("--realism", o.realism_weight,
                                  "weight of D's realism term softplus(-D(G(z))) (default 0: off)");
                   CLI::Option* class_option =
                       app.add_option("--class", *label, "conditional runs: hold the class fixed (default: search)");
                   CLI::Option* seed_option = app.add_option("--seed", *seed, "seed of the starts (default: the run's)");
                   app.add_option("--out", request->out, "output directory (default RUN_DIR/projections)");
                   return [=] {
                       if (seed_option->count() > 0) request->seed = *seed;
                       if (class_option->count() > 0) {
                           GANTRY_CHECK_AS(ConfigError, *label >= 0, "gantry project: --class must be >= 0, got ",
                                           *label);
                           request->options.label = *label;
                       }
                       const train::ProjectResult result = train::project_images(*request);
                       for (const std::string& warning : result.warnings)
                           std::fprintf(stderr, "gantry project: warning: %s\n", warning.c_str());
                       for (const train::ProjectedImage& p : result.projected) {
                           std::printf("%s -> %s  L1 %.4f  loss %.4f", p.image.c_str(), p.directory.c_str(),
                                       p.distance, p.loss);
                           if (p.label >= 0) std::printf("  class %ld", static_cast<long>(p.label));
                           std::printf("\n");
                       }
                       return 0;
                   };
               });

}  // namespace gantry::cli
