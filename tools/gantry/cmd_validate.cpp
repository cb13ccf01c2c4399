// SPDX-License-Identifier: Apache-2.0
// `gantry validate FILE [--set k=v]...`: checks an experiment and prints it resolved (exit 0),
// or prints every problem (exit 2; 3 for a plugin that cannot be loaded or refuses its options,
// 4 for data that cannot be read). The plugins are created and the networks built, as `gantry
// run` builds them, without a run directory.
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "config/experiment.hpp"
#include "train/assembly.hpp"
#include "train/in_force.hpp"
#include "train/plugin_session.hpp"
#include "train/run.hpp"

namespace gantry::cli {
namespace {

int run_validate(const std::string& file, const std::vector<std::string>& overrides) {
    try {
        // Plugin names and options are checked against the plugins this experiment would load.
        train::PluginSession plugins;
        const config::ExperimentSpec spec = train::resolve_experiment(file, overrides, plugins);
        // What the file alone does not show: `gantry run` refuses these before its first
        // iteration too (an architecture refusing its options, batch norm in a critic under a
        // gradient penalty). They throw, and main() maps them to their exit codes.
        const train::Assembly built = train::assemble(spec, plugins);
        // With the values in force that the file leaves to a plugin, as comments (in_force.hpp).
        std::printf("# %s resolved; config_hash %s\n%s", file.c_str(), spec.config_hash.c_str(),
                    train::annotate_in_force(spec.resolved_yaml, built.data).c_str());
        return 0;
    } catch (const config::ConfigErrors& e) {
        for (const config::Diagnostic& d : e.records())
            std::fprintf(stderr, "error: %s\n", d.format().c_str());
        std::fprintf(stderr, "gantry validate: %zu problem%s in %s\n", e.records().size(),
                     e.records().size() == 1 ? "" : "s", file.c_str());
        return static_cast<int>(ExitCode::bad_config);
    }
}

std::function<int()> setup_validate(CLI::App& app) {
    auto file = std::make_shared<std::string>();
    auto overrides = std::make_shared<std::vector<std::string>>();
    app.add_option("file", *file, "the experiment YAML file")->required();
    // One value per --set, so that the file name is never taken for an override.
    app.add_option("--set", *overrides, "override a key: key.path=value (value in YAML), repeatable")
        ->allow_extra_args(false);
    return [file, overrides] { return run_validate(*file, *overrides); };
}

}  // namespace
}  // namespace gantry::cli

GANTRY_COMMAND("validate", "check an experiment file and print the resolved experiment",
               gantry::cli::setup_validate);

