// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Which way is better for a metric, by its name: the report marks the best configuration with it
/// and evaluate.stop_when's plateau rule (min_delta) takes its default mode from it.
#include <string>

namespace gantry {

enum class Better {
    higher,   ///< scores: modes, high_quality, precision, recall, psnr, ssim...
    lower,    ///< distances: fd, kid, kl_modes, *distance*, count_tv, count_impossible
    neither,  ///< best when closest to the real data's value: count_mean, sharpness
};

/// The shipped metrics' directions; a name this does not know (a user's metric plugin) is taken
/// as higher-is-better unless it contains "distance".
Better better_direction(const std::string& metric);

}  // namespace gantry
