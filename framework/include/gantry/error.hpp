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

/// A bad experiment or sweep file, or a bad command-line value (exit code 2). what() is the whole
/// report: every problem found, each "file:line:col: key.path: message".
class ConfigError : public Error {
public:
    using Error::Error;
};

/// A plugin could not be found or loaded, or refused its options (exit code 3).
class PluginError : public Error {
public:
    using Error::Error;
};

/// Bad input data: malformed dataset files, unreadable images (exit code 4).
class DataError : public Error {
public:
    using Error::Error;
};

/// Training diverged: a non-finite loss or weight (exit code 5).
class DivergenceError : public Error {
public:
    using Error::Error;
};

/// An output could not be written: disk full, I/O error, permissions (exit code 74).
class OutputError : public Error {
public:
    using Error::Error;
};

/// The process exit codes of the product spec, one per error kind.
enum class ExitCode : int {
    ok = 0,
    some_runs_failed = 1,
    bad_config = 2,
    plugin = 3,
    bad_data = 4,
    diverged = 5,
    output = 74,
    interrupted = 130,
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
