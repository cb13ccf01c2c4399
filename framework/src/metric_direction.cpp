// SPDX-License-Identifier: Apache-2.0
#include "metric_direction.hpp"

#include <array>
#include <string_view>

namespace gantry {

Better better_direction(const std::string& metric) {
    static constexpr std::array<std::string_view, 5> kLower = {"kl_modes", "fd", "kid", "count_tv",
                                                               "count_impossible"};
    // Measured against the real data's own value (count_mean: the real mean count; sharpness:
    // the true frames' gradient magnitude), so neither more nor less is better.
    static constexpr std::array<std::string_view, 2> kNeither = {"count_mean", "sharpness"};
    for (std::string_view name : kLower)
        if (metric == name) return Better::lower;
    for (std::string_view name : kNeither)
        if (metric == name) return Better::neither;
    return metric.find("distance") != std::string::npos ? Better::lower : Better::higher;
}

}  // namespace gantry
