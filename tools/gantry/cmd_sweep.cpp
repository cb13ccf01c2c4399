// SPDX-License-Identifier: Apache-2.0
// `gantry sweep FILE [--out DIR] [--parallel N] [--backend local|slurm] [--dry-run]`
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "command.hpp"
#include "config/experiment.hpp"
#include "sweep/launch.hpp"
#include "train/plugin_session.hpp"
#include "train/run.hpp"

namespace gantry::cli {
namespace {

struct SweepArgs {
    std::string file;
    sweep::LaunchRequest request;
};

// Builds one run of every configuration as `gantry run` would before its first iteration, so that
// what only the built networks reveal (an architecture refusing its options, batch norm in a
// critic under a gradient penalty, unreadable data) stops the sweep up front instead of failing
// each of its runs. The training seed cannot change whether a configuration builds, so one run
// per configuration is enough. Prints every refusal; returns the first one's exit code, or 0.
int check_configurations_build(const sweep::SweepSpec& spec, train::PluginSessions& sessions) {
    int first_code = 0;
    size_t refused = 0;
    // The first run of each configuration is the one to build: one pass over the runs, not a
    // search per configuration (a sweep may hold 10,000 runs).
    std::vector<bool> checked(spec.configurations.size(), false);
    for (const sweep::SweepRun* run = spec.runs.data(); run != spec.runs.data() + spec.runs.size(); ++run) {
        if (checked[run->configuration]) continue;
        checked[run->configuration] = true;
        try {
            const config::ExperimentSpec experiment = sessions.resolve(spec.base, run->assignments());
            train::check_experiment_builds(experiment, sessions.session_for(experiment));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s: configuration '%s' (run %s) would fail before training: %s\n",
                         spec.file.c_str(), run->label.c_str(), run->run_id.c_str(), e.what());
            if (first_code == 0) first_code = exit_code_of(e);
            ++refused;
        }
    }
    if (refused > 0)
        std::fprintf(stderr, "gantry sweep: %zu of %zu configurations cannot be built; nothing was run\n", refused,
                     spec.configurations.size());
    return first_code;
}

int run_sweep(SweepArgs& args) {
    sweep::SweepSpec spec;
    // Every run is checked against the plugins it would load, before any run starts; the plugin
    // directories are scanned once, not once per run.
    train::PluginSessions sessions;
    try {
        spec = sweep::load_sweep(args.file, [&](const std::string& file, const std::vector<std::string>& overrides) {
            return sessions.resolve(file, overrides);
        });
    } catch (const config::ConfigErrors& e) {
        for (const config::Diagnostic& d : e.records()) std::fprintf(stderr, "error: %s\n", d.format().c_str());
        std::fprintf(stderr, "gantry sweep: %zu problem%s in %s; nothing was run\n", e.records().size(),
                     e.records().size() == 1 ? "" : "s", args.file.c_str());
        return static_cast<int>(ExitCode::bad_config);
    }
    if (const int code = check_configurations_build(spec, sessions); code != 0) return code;
    // The runs are started with this very binary, so that a sweep never mixes versions.
    args.request.gantry = std::filesystem::read_symlink("/proc/self/exe").string();
    // Line by line, flushed: a sweep runs for hours and its output often goes to a file.
    struct Printer final : sweep::SweepObserver {
        void line(const std::string& text) override {
            std::printf("%s\n", text.c_str());
            std::fflush(stdout);
        }
    } printer;
    args.request.observer = &printer;
    return sweep::launch_sweep(spec, args.request);
}

std::function<int()> setup_sweep(CLI::App& app) {
    auto args = std::make_shared<SweepArgs>();
    app.add_option("file", args->file, "the sweep YAML file")->required();
    app.add_option("--out", args->request.out, "sweeps go to DIR/<sweep>/ (default: runs)");
    app.add_option("--parallel", args->request.parallel, "runs at once (default: the file's parallel:)")
        ->check(CLI::Range(1, 1024));
    app.add_option("--backend", args->request.backend, "local or slurm (default: the file's backend:)")
        ->check(CLI::IsMember({"local", "slurm"}));
    app.add_flag("--dry-run", args->request.dry_run, "list what would run (skip, start, resume) and stop");
    return [args] { return run_sweep(*args); };
}

}  // namespace
}  // namespace gantry::cli

GANTRY_COMMAND("sweep", "run every run of a sweep file (skipping finished ones), then its report",
               gantry::cli::setup_sweep);
