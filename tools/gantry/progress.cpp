// SPDX-License-Identifier: Apache-2.0
#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "gantry/threads.hpp"

namespace gantry::cli {

namespace {
/// A live rate is shown only after this long: one iteration over microseconds is no rate.
constexpr double kMinRateSeconds = 0.5;
}  // namespace

size_t live_width() {
    long columns = 0;
    winsize ws{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) columns = ws.ws_col;
    if (columns <= 0)
        if (const char* env = std::getenv("COLUMNS")) columns = std::strtol(env, nullptr, 10);
    if (columns <= 0) columns = 80;
    return static_cast<size_t>(columns > 1 ? columns - 1 : 1);
}

void Progress::started(int64_t first_iteration, int64_t iterations) {
    total_ = iterations;
    first_done_ = first_iteration;
    state_.total = iterations;
    state_.done = first_iteration;
    start_ = Clock::now();
}

void Progress::draw() {
    std::fprintf(stderr, "\r\033[K%s", train::progress_line(state_, live_width()).c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::iteration(int64_t done, const std::map<std::string, double>& losses) {
    if (!live_) return;
    const auto now = Clock::now();
    if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    state_.done = done;
    state_.losses = losses;
    if (done > first_done_ && (seconds >= kMinRateSeconds || done == total_) && seconds > 0)
        state_.it_per_s = static_cast<double>(done - first_done_) / seconds;
    draw();
}

void Progress::logged(int64_t done, double it_per_s, const std::map<std::string, double>& losses) {
    if (collapse_.observe(it_per_s)) {
        double load[1] = {-1.0};
        if (getloadavg(load, 1) != 1) load[0] = -1.0;
        note(train::collapse_message(collapse_.first_rate(), collapse_.last_rate(), num_threads(),
                                     std::thread::hardware_concurrency(), load[0]));
    }
    if (live_) return;
    train::ProgressState line = state_;
    line.done = done;
    line.losses = losses;
    line.it_per_s = it_per_s > 0 ? std::optional<double>(it_per_s) : std::nullopt;
    std::printf("%s\n", train::progress_line(line, 0).c_str());
    std::fflush(stdout);
}

void Progress::evaluated(const std::map<std::string, double>& metrics) {
    state_.metrics = metrics;
    if (live_ && drawn_) draw();
}

void Progress::note(const std::string& text) {
    if (live_ && drawn_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(live_ ? stderr : stdout, "%s\n", text.c_str());
    std::fflush(live_ ? stderr : stdout);
    if (live_ && drawn_) draw();
}

void Progress::finished() {
    if (live_ && drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
}

}  // namespace gantry::cli
