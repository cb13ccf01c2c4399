// SPDX-License-Identifier: Apache-2.0
#pragma once
/// What a person watching `gantry run` sees: a live line on a terminal (stderr), cut to the
/// terminal's width, plain full lines elsewhere (stdout). The run tells it what happens through
/// RunObserver; it only prints (the text: train/progress_line.hpp).
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "train/progress_line.hpp"
#include "train/run.hpp"

namespace gantry::cli {

class Progress final : public train::RunObserver {
public:
    explicit Progress(bool live) : live_(live), start_(Clock::now()) {}

    void started(int64_t first_iteration, int64_t iterations) override;
    /// Redraws the live line (at most ~10 times a second).
    void iteration(int64_t done, const std::map<std::string, double>& losses) override;
    /// One plain line per log interval when not live; the rate feeds the collapse detector.
    void logged(int64_t done, double it_per_s, const std::map<std::string, double>& losses) override;
    void evaluated(const std::map<std::string, double>& metrics) override;
    /// A message on its own line (the live line is redrawn after it).
    void note(const std::string& text) override;
    void finished() override;

private:
    using Clock = std::chrono::steady_clock;
    void draw();

    int64_t total_ = 0;
    bool live_;
    Clock::time_point start_, last_draw_{};
    int64_t first_done_ = 0;
    train::ProgressState state_;
    train::RateCollapse collapse_;
    bool drawn_ = false;
};

/// The width the live line may use on stderr: the terminal's columns (TIOCGWINSZ, else $COLUMNS,
/// else 80) minus one, so that the cursor never reaches the last column and wraps.
size_t live_width();

}  // namespace gantry::cli
