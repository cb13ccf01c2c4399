// SPDX-License-Identifier: Apache-2.0
#pragma once
/// How a `gantry` subcommand plugs into the CLI: each command lives in its own cmd_*.cpp and
/// registers itself with GANTRY_COMMAND, so adding a command touches no other file.
#include <CLI/CLI.hpp>

#include <exception>
#include <functional>
#include <vector>

namespace gantry::cli {

/// Declares the subcommand's options on `app` and returns the function that runs it (its exit
/// code). The runner is called only when the user chose this subcommand.
using CommandSetup = std::function<std::function<int()>(CLI::App& app)>;

struct CommandRegistration {
    const char* name;
    const char* help;
    CommandSetup setup;
};

std::vector<CommandRegistration>& commands();

/// The product spec's exit code for an error thrown by a command (1 for an unexpected one).
int exit_code_of(const std::exception& e);

struct Registrar {
    Registrar(const char* name, const char* help, CommandSetup setup) {
        commands().push_back({name, help, std::move(setup)});
    }
};

}  // namespace gantry::cli

#define GANTRY_COMMAND_CAT2(a, b) a##b
#define GANTRY_COMMAND_CAT(a, b) GANTRY_COMMAND_CAT2(a, b)
#define GANTRY_COMMAND(NAME, HELP, SETUP) \
    static ::gantry::cli::Registrar GANTRY_COMMAND_CAT(gantry_command_, __LINE__)(NAME, HELP, SETUP)
