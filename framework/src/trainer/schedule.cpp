// SPDX-License-Identifier: Apache-2.0
#include "trainer/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace gantry::train {

double LrSchedule::at(double base_lr, int64_t iteration, int64_t iterations) const {
    if (kind == Kind::constant || iterations <= 1) return base_lr;
    const double progress = std::min(1.0, static_cast<double>(iteration) /
                                              static_cast<double>(iterations - 1));
    const double floor = final_fraction * base_lr;
    if (kind == Kind::linear) return base_lr + (floor - base_lr) * progress;
    constexpr double kPi = 3.141592653589793;
    return floor + (base_lr - floor) * 0.5 * (1.0 + std::cos(kPi * progress));
}

const char* to_string(LrSchedule::Kind kind) {
    switch (kind) {
        case LrSchedule::Kind::constant: return "constant";
        case LrSchedule::Kind::linear: return "linear";
        case LrSchedule::Kind::cosine: return "cosine";
    }
    return "constant";
}

}  // namespace gantry::train
