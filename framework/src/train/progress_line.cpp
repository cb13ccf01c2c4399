// SPDX-License-Identifier: Apache-2.0
#include "train/progress_line.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

namespace gantry::train {

namespace {

std::string duration(double seconds) {
    if (!(seconds >= 0) || seconds > 1e7) return "?";
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
    else std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    return buf;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

bool ends_with(const std::string& s, const char* tail) {
    const std::string t(tail);
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

struct Term {
    std::string text;
    int priority;  ///< lower is dropped first
};

}  // namespace

std::string format_rate(double r) {
    if (!std::isfinite(r) || r < 0) return "?";
    char buf[32];
    if (r < 10) std::snprintf(buf, sizeof buf, "%.2f", r);
    else if (r < 100) std::snprintf(buf, sizeof buf, "%.1f", r);
    else std::snprintf(buf, sizeof buf, "%.0f", r);
    return buf;
}

std::string progress_line(const ProgressState& s, size_t width) {
    std::string head = "[" + std::to_string(s.done) + "/" + std::to_string(s.total) + "] ";
    if (s.it_per_s && *s.it_per_s > 0)
        head += format_rate(*s.it_per_s) + " it/s, ETA " +
                duration(static_cast<double>(s.total - s.done) / *s.it_per_s);
    else
        head += "- it/s, ETA ?";
    std::vector<Term> terms;
    for (const auto& [k, v] : s.losses)
        terms.push_back({"  " + k + " " + number(v), ends_with(k, "/grad_norm") ? 0 : ends_with(k, "/total") ? 2 : 1});
    for (const auto& [k, v] : s.metrics) terms.push_back({"  " + k + "=" + number(v), 3});
    auto length = [&] {
        size_t n = head.size();
        for (const Term& t : terms) n += t.text.size();
        return n;
    };
    while (width > 0 && length() > width && !terms.empty()) {
        // The lowest priority, the last of it.
        size_t drop = 0;
        for (size_t i = 1; i < terms.size(); ++i)
            if (terms[i].priority <= terms[drop].priority) drop = i;
        terms.erase(terms.begin() + static_cast<std::ptrdiff_t>(drop));
    }
    std::string out = head;
    for (const Term& t : terms) out += t.text;
    if (width > 0 && out.size() > width) out.resize(width);
    return out;
}

bool RateCollapse::observe(double it_per_s) {
    if (!(it_per_s > 0) || !std::isfinite(it_per_s)) return false;
    last_ = it_per_s;
    if (!first_) {
        first_ = it_per_s;
        return false;
    }
    below_ = it_per_s < factor_ * *first_ ? below_ + 1 : 0;
    if (said_ || below_ < windows_) return false;
    said_ = true;
    return true;
}

std::string collapse_message(double first_rate, double rate, int threads, unsigned cores, double load) {
    std::string out = "slow: " + format_rate(rate) + " it/s, down from " + format_rate(first_rate) +
                      " it/s in the run's first window. Likely cause: ";
    char buf[64];
    if (load >= 0 && cores > 0) {
        std::snprintf(buf, sizeof buf, "%.1f", load);
        out += std::string("the machine is busy (load ") + buf + " on " + std::to_string(cores) + " cores)";
    } else {
        out += "the machine is busy";
    }
    if (threads > 1) {
        out += ", and " + std::to_string(threads) +
               " threads wait for each other when they are more than the free cores; try --set threads=1";
        out += " (threads is part of the configuration: a resume needs the same count)";
    } else {
        out += "; other processes take the CPU";
    }
    return out;
}

}  // namespace gantry::train
