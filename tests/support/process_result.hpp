// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>

namespace gantry::testing {

/// How a child process ended and what it wrote.
struct ProcessResult {
    int exit_code = -1;      ///< -1 when it did not exit (killed by a signal)
    int signal = 0;          ///< the signal that killed it, or 0
    bool timed_out = false;  ///< killed by the test after its time limit
    std::string output;      ///< stdout and stderr, interleaved as written
};

}  // namespace gantry::testing
