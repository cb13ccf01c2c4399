// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Configuration problems as records. Every check of an experiment file adds to one Diagnostics
/// list instead of throwing, so the user sees every mistake of a file in one run.
#include <string>
#include <vector>

#include "gantry/error.hpp"

namespace gantry::config {

/// Where a value came from: a file position (1-based line and column) or, for values given on
/// the command line, the override text itself with line 0 ("--set schedule.batch=abc").
struct Mark {
    std::string file;
    int line = 0;
    int col = 0;
};

/// One problem: where, which key ("schedule.steps[1].repeat", empty for the whole file), what is
/// wrong ("expected an integer >= 1, got 0") and an optional hint ("did you mean 'batch'?").
struct Diagnostic {
    std::string file;
    int line = 0;
    int col = 0;
    std::string key_path;
    std::string message;
    std::string hint;

    /// "file:line:col: key.path: message[; hint]" (no ":line:col" when line is 0).
    std::string format() const;
};

/// Collects the problems of one configuration.
class Diagnostics {
public:
    void add(const Mark& where, std::string key_path, std::string message, std::string hint = {});
    bool empty() const { return list_.empty(); }
    size_t size() const { return list_.size(); }
    const std::vector<Diagnostic>& list() const { return list_; }
    /// Throws ConfigErrors with every problem (sorted by file and position, duplicates dropped)
    /// when there is at least one.
    void throw_if_any() const;

private:
    std::vector<Diagnostic> list_;
};

/// The ConfigError a configuration check throws (exit code 2): what() has one formatted line per
/// problem; records() keeps the structured fields for tools and tests.
class ConfigErrors : public ConfigError {
public:
    explicit ConfigErrors(std::vector<Diagnostic> records);
    const std::vector<Diagnostic>& records() const { return records_; }

private:
    std::vector<Diagnostic> records_;
};

}  // namespace gantry::config
