// SPDX-License-Identifier: Apache-2.0
#pragma once
/// `gantry report DIR`: report.md and a self-contained report.html (plots embedded) for a sweep
/// directory (its sweep.json), a single run directory, or a directory holding run directories.
/// See docs/reports.md.
#include <optional>
#include <string>
#include <vector>

namespace gantry::report {

struct ReportOptions {
    /// Metrics to tabulate; empty: the sweep's `report.metrics`, else every evaluated metric.
    std::vector<std::string> metrics;
    /// "final" (the last evaluation; default) or "best" (the best evaluation of each run: the
    /// optimistic oracle choice); empty: the sweep's choice.
    std::string selection;
};

struct ReportFiles {
    std::string markdown;
    std::string html;
    /// Things the report could not do (no gnuplot, a run without samples...).
    std::vector<std::string> notes;
};

/// Writes <dir>/report.md, <dir>/report.html and the plots in <dir>/report/. Throws ConfigError
/// (exit 2, a bad command line) when `dir` does not exist or holds no run, DataError (4) for a
/// corrupt sweep.json, OutputError (74) when a file cannot be written.
ReportFiles write_report(const std::string& dir, const ReportOptions& options = {});

}  // namespace gantry::report
