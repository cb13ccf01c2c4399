// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The text of `gantry run`'s progress line, fitted to a width, and the detector of a rate that
/// collapses against the run's own first window. Pure functions of their inputs (the CLI's
/// Progress prints them; tests/train/progress_line_test.cpp feeds them by hand).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace gantry::train {

struct ProgressState {
    int64_t done = 0, total = 0;
    /// Iterations per second; none until a window long enough to measure it has passed.
    std::optional<double> it_per_s;
    std::map<std::string, double> losses;   ///< "d/total", "g/grad_norm", ...
    std::map<std::string, double> metrics;  ///< the latest evaluation
};

/// "[done/total] R it/s, ETA T  d/total 1.23  ...  fd=0.5". `width` 0: everything. Otherwise at
/// most `width` characters: terms are dropped in a fixed priority (gradient norms first, then the
/// loss terms other than totals, then the totals, then the metrics; the last of a kind first);
/// iteration, rate and ETA are kept (cut only when they alone do not fit).
std::string progress_line(const ProgressState& state, size_t width);

/// "1.23", "45.6", "789": a rate with 3 significant digits, never in exponent form.
std::string format_rate(double it_per_s);

/// Feeds window rates; says once when `windows` consecutive windows ran below `factor` times the
/// first window's rate (a busy machine, or more threads than free cores).
class RateCollapse {
public:
    explicit RateCollapse(double factor = 1.0 / 3.0, int windows = 2) : factor_(factor), windows_(windows) {}
    /// True exactly once: at the window that completes the collapse.
    bool observe(double it_per_s);
    double first_rate() const { return first_.value_or(0.0); }
    double last_rate() const { return last_; }

private:
    double factor_;
    int windows_;
    std::optional<double> first_;
    double last_ = 0.0;
    int below_ = 0;
    bool said_ = false;
};

/// The note for a collapse: the rates, and the likely cause from the thread count, the cores and
/// the 1-minute load average (negative: unknown).
std::string collapse_message(double first_rate, double rate, int threads, unsigned cores, double load);

}  // namespace gantry::train
