// SPDX-License-Identifier: Apache-2.0
// `gantry run FILE [--set k=v]... [--out DIR] [--resume RUN_DIR]`
#include <unistd.h>

#include <memory>

#include "command.hpp"
#include "gantry/error.hpp"
#include "train/run.hpp"
#include "progress.hpp"

namespace gantry::cli {

GANTRY_COMMAND("run", "train one experiment (a live progress line on a terminal)", [](CLI::App& app) {
    auto request = std::make_shared<train::RunRequest>();
    app.add_option("file", request->experiment_file, "the experiment YAML file");
    app.add_option("--set", request->overrides, "override a key: key.path=value (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--out", request->out_dir, "where runs go (default: runs)");
    app.add_option("--run-id", request->run_id, "name of the new run directory (default: the UTC start time)");
    app.add_option("--resume", request->resume_dir, "continue this run directory from its newest checkpoint");
    app.add_flag("--allow-inexact-resume", request->allow_inexact_resume,
                 "continue a resume whose threads or CPU ISA differ (no longer bit for bit)");
    return [request] {
        GANTRY_CHECK_AS(ConfigError, !request->experiment_file.empty() || !request->resume_dir.empty(),
                        "gantry run: give an experiment FILE, or --resume RUN_DIR");
        Progress progress(/*live=*/isatty(STDERR_FILENO) != 0);
        request->observer = &progress;
        return train::run_experiment(*request);
    };
});

}  // namespace gantry::cli
