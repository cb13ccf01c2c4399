// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The message a call throws, for CHECK_THAT on it.
#include <exception>
#include <string>

#include "gantry/error.hpp"

namespace gantry::testing {

/// The message of the `E` that `fn()` throws: "" when it throws nothing, "not a <E>: ..." with
/// the message when it throws another exception (so a check on the text fails and shows why).
template <typename E = DataError, typename F>
std::string error_message(F&& fn) {
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not the expected error type: ") + e.what();
    }
    return "";
}

}  // namespace gantry::testing
