// SPDX-License-Identifier: Apache-2.0
// Which way is better for each shipped metric: the report marks the best configuration by it and
// stop_when's plateau rule takes its default mode from it.
#include <catch2/catch.hpp>

#include "metric_direction.hpp"

using gantry::Better;
using gantry::better_direction;

TEST_CASE("metric direction: distances are lower-is-better and scores higher-is-better", "[sweep][report]") {
    for (const char* lower : {"kl_modes", "fd", "kid", "wasserstein_distance", "count_tv", "count_impossible"}) {
        INFO(lower);
        CHECK(better_direction(lower) == Better::lower);
    }
    for (const char* higher : {"modes", "high_quality", "precision", "recall", "density", "coverage",
                               "classifier_score", "psnr", "ssim", "a_users_score"}) {
        INFO(higher);
        CHECK(better_direction(higher) == Better::higher);
    }
    for (const char* neither : {"count_mean", "sharpness"}) {
        INFO(neither);
        CHECK(better_direction(neither) == Better::neither);
    }
}
