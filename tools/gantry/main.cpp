// SPDX-License-Identifier: Apache-2.0
// The `gantry` command line: dispatches to the registered subcommands and maps every error kind
// to the exit code of the product spec.
#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "command.hpp"
#include "gantry/error.hpp"
#include "suggest.hpp"

namespace gantry::cli {

std::vector<CommandRegistration>& commands() {
    static std::vector<CommandRegistration> list;
    return list;
}

int exit_code_of(const std::exception& e) {
    if (dynamic_cast<const ConfigError*>(&e)) return static_cast<int>(ExitCode::bad_config);
    if (dynamic_cast<const PluginError*>(&e)) return static_cast<int>(ExitCode::plugin);
    if (dynamic_cast<const DataError*>(&e)) return static_cast<int>(ExitCode::bad_data);
    if (dynamic_cast<const DivergenceError*>(&e)) return static_cast<int>(ExitCode::diverged);
    if (dynamic_cast<const OutputError*>(&e)) return static_cast<int>(ExitCode::output);
    // Inputs are opened through checked readers that throw the errors above; a bare filesystem
    // error comes from creating outputs (a path component too long, a file where a directory goes).
    if (dynamic_cast<const std::filesystem::filesystem_error*>(&e)) return static_cast<int>(ExitCode::output);
    return 1;
}

}  // namespace gantry::cli

int main(int argc, char** argv) {
    using namespace gantry::cli;
    CLI::App app{"gantry: GAN experiments on oneDNN"};
    app.require_subcommand(1);
    // CLI11's own flags in gantry's convention (descriptions lower-case); subcommands inherit -h.
    app.set_help_flag("-h,--help", "print this help message and exit");
    app.set_version_flag("--version", "0.1.0", "print gantry's version and exit");
    std::map<CLI::App*, std::function<int()>> runners;
    for (const CommandRegistration& c : commands()) {
        CLI::App* sub = app.add_subcommand(c.name, c.help);
        runners[sub] = c.setup(*sub);
    }
    // A misspelt subcommand ("gantry rn"): CLI11 would only say that a subcommand is required.
    std::vector<std::string> names;
    for (const CommandRegistration& c : commands()) names.emplace_back(c.name);
    if (argc > 1 && argv[1][0] != '-' && std::find(names.begin(), names.end(), argv[1]) == names.end()) {
        const std::string hint = gantry::did_you_mean(argv[1], names);
        std::fprintf(stderr, "gantry: error: unknown command '%s'%s\nRun gantry --help for the commands.\n", argv[1],
                     hint.empty() ? "" : ("; " + hint).c_str());
        return static_cast<int>(gantry::ExitCode::bad_config);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 prints help (exit 0) or the usage error; a usage error is exit code 2.
        const int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(gantry::ExitCode::bad_config);
    }
    try {
        for (auto& [sub, run] : runners)
            if (sub->parsed()) return run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gantry: error: %s\n", e.what());
        return exit_code_of(e);
    }
    return 0;
}
