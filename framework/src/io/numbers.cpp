// SPDX-License-Identifier: Apache-2.0
#include "gantry/io/numbers.hpp"

#include <charconv>

namespace gantry::io {

namespace {
// std::to_chars without a precision gives the shortest round-trip form and ignores the locale.
template <typename T>
std::string shortest(T value) {
    char text[64];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}
}  // namespace

std::string format_float(float value) { return shortest(value); }

std::string format_double(double value) { return shortest(value); }

}  // namespace gantry::io
