// SPDX-License-Identifier: Apache-2.0
#pragma once
// Runs many `gantry` command lines, a few at a time, each with its stdout and stderr in one
// file: the bad-input catalogue and the crash tests start hundreds of short processes.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process_result.hpp"

namespace gantry::testing {

struct Command {
    std::vector<std::string> argv;  ///< argv[0] is the program (an absolute path)
    std::filesystem::path output;   ///< where stdout and stderr go
    std::filesystem::path cwd;      ///< empty: this process's directory
    std::vector<std::string> env;   ///< "NAME=value" added to the environment
};

/// Runs every command, at most `parallel` at once; each still running after `limit` is killed.
/// GANTRY_PLUGIN_PATH is removed from the children's environment. Results in command order.
std::vector<ProcessResult> run_all(const std::vector<Command>& commands, int parallel,
                                   std::chrono::seconds limit = std::chrono::seconds(30));

}  // namespace gantry::testing
