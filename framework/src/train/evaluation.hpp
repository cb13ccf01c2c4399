// SPDX-License-Identifier: Apache-2.0
#pragma once
/// One evaluation: the sampling generator (the EMA copy when the run has one) on the fixed
/// evaluation noise, scored by every metric plugin the experiment names.
#include <string>
#include <vector>

#include "gantry/metric.hpp"
#include "train/assembly.hpp"
#include "train/sampling.hpp"

namespace gantry::train {

struct Evaluation {
    std::vector<MetricValue> values;
    double seconds = 0;  ///< wall time of the whole evaluation, sampling included
};

/// `cache_dir`: where metric plugins may keep what depends only on the data (real features).
Evaluation evaluate(const Assembly& run, const FixedInputs& fixed, const std::string& cache_dir);

/// Every value of `metrics` for the samples in `context`: the one scoring path of a run's
/// evaluation and of `gantry eval` (samples made anywhere). `seconds` is the scoring's time.
Evaluation score(const std::vector<MetricPlugin>& metrics, const MetricContext& context);

}  // namespace gantry::train
