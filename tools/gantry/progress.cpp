// SPDX-License-Identifier: Apache-2.0
#include "progress.hpp"

#include <cstdio>
#include <sstream>

namespace gantry::cli {

namespace {
std::string duration(double seconds) {
    if (!(seconds >= 0) || seconds > 1e7) return "?";
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
    else std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    return buf;
}
}  // namespace

std::string Progress::render(int64_t done, double it_per_s,
                             const std::map<std::string, double>& losses) const {
    std::ostringstream out;
    out.precision(4);
    out << "[" << done << "/" << total_ << "] " << it_per_s << " it/s, ETA "
        << duration(it_per_s > 0 ? static_cast<double>(total_ - done) / it_per_s : -1);
    for (const auto& [k, v] : losses) out << "  " << k << " " << v;
    for (const auto& [k, v] : metrics_) out << "  " << k << "=" << v;
    return out.str();
}

void Progress::started(int64_t first_iteration, int64_t iterations) {
    total_ = iterations;
    first_done_ = first_iteration;
    start_ = Clock::now();
}

void Progress::iteration(int64_t done, const std::map<std::string, double>& losses) {
    if (!live_) return;
    const auto now = Clock::now();
    if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done - first_done_) / seconds : 0;
    std::fprintf(stderr, "\r\033[K%s", render(done, rate, losses).c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::logged(int64_t done, double it_per_s, const std::map<std::string, double>& losses) {
    if (live_) return;
    std::printf("%s\n", render(done, it_per_s, losses).c_str());
    std::fflush(stdout);
}

void Progress::note(const std::string& text) {
    if (live_ && drawn_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(live_ ? stderr : stdout, "%s\n", text.c_str());
    std::fflush(live_ ? stderr : stdout);
}

void Progress::finished() {
    if (live_ && drawn_) std::fprintf(stderr, "\n");
}

}  // namespace gantry::cli
