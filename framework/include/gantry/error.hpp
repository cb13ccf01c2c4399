// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Gantry's exceptions. Library code throws; only tools map exceptions to exit codes.
/// Message shape: "<where>: <expected>, got <actual>[; <hint>]".
#include <sstream>
#include <stdexcept>
#include <string>

namespace gantry {

/// Any error raised by Gantry.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An op or module was given tensors of the wrong rank, shape or domain.
class ShapeError : public Error {
public:
    using Error::Error;
};

/// A numeric domain violation caught in debug checks (log of a negative, ...).
class DomainError : public Error {
public:
    using Error::Error;
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}
}  // namespace detail

}  // namespace gantry

/// Throws ExceptionType with the arguments concatenated when `cond` is false.
#define GANTRY_CHECK_AS(ExceptionType, cond, ...)                                   \
    do {                                                                            \
        if (!(cond)) throw ExceptionType(::gantry::detail::concat(__VA_ARGS__));    \
    } while (0)

/// Throws gantry::Error with the arguments concatenated when `cond` is false.
#define GANTRY_CHECK(cond, ...) GANTRY_CHECK_AS(::gantry::Error, cond, __VA_ARGS__)

/// An internal invariant: a failure is a Gantry bug, never the user's.
#define GANTRY_ASSERT(cond)                                                                  \
    GANTRY_CHECK(cond, "internal error (a Gantry bug): ", #cond, " failed at ", __FILE__, ":", \
                 __LINE__)
