// SPDX-License-Identifier: Apache-2.0
#pragma once
/// What a person watching a run sees: a live line on a terminal, plain lines elsewhere.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace gantry::train {

class Progress {
public:
    Progress(int64_t total, bool live) : total_(total), live_(live), start_(Clock::now()) {}

    /// After each iteration: redraws the live line (at most ~10 times a second).
    void iteration(int64_t done, const std::map<std::string, double>& losses);
    /// At each log interval: one plain line when not live.
    void log_line(int64_t done, double it_per_s, const std::map<std::string, double>& losses);
    void metrics(const std::map<std::string, double>& values) { metrics_ = values; }
    /// A message on its own line (the live line is redrawn after it).
    void note(const std::string& text);
    void finish();

private:
    using Clock = std::chrono::steady_clock;
    std::string render(int64_t done, double it_per_s, const std::map<std::string, double>& losses) const;

    int64_t total_;
    bool live_;
    Clock::time_point start_, last_draw_{};
    int64_t first_done_ = -1;
    std::map<std::string, double> metrics_;
    bool drawn_ = false;
};

}  // namespace gantry::train
