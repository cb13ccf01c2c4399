// SPDX-License-Identifier: Apache-2.0
// Which way is better for each shipped metric: the report marks the best configuration by it.
#include <catch2/catch.hpp>

#include "report/report.hpp"

TEST_CASE("report: distances are lower-is-better and scores higher-is-better", "[sweep][report]") {
    for (const char* lower : {"kl_modes", "fd", "kid", "wasserstein_distance"}) {
        INFO(lower);
        CHECK(gantry::report::lower_is_better(lower));
    }
    for (const char* higher : {"modes", "high_quality", "precision", "recall", "density", "coverage",
                               "classifier_score"}) {
        INFO(higher);
        CHECK_FALSE(gantry::report::lower_is_better(higher));
    }
}
