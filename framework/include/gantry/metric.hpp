// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The metric plugin interface.
#include <map>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/plugin/object.hpp"

namespace gantry {

struct MetricContext {
    const Dataset* dataset = nullptr;
    DataInfo data;
    Tensor fake;          ///< generated samples (N, sample_shape...), in the data's scale
    Tensor fake_labels;   ///< their classes for a conditional generator, else undefined
    uint64_t seed = 0;    ///< for any sampling a metric does (reference subsets...)
    std::string cache_dir;  ///< where a metric may cache what depends only on the data
    /// API 2.1, conditional data: the evaluation pairs fake was made from — fake[i] is G's answer
    /// to condition[i], target[i] the true sample (fake_labels[i] its class, when the data has
    /// classes). They are the first evaluate.samples pairs of the dataset's test split when it
    /// has one (a `split` option), so every run of a comparison sees the same pairs.
    Tensor condition, target;
};

struct MetricValue {
    std::string name;
    double value = 0;
    /// What the value depends on, reported beside it (n_real, n_fake, split, classifier hash...).
    std::map<std::string, std::string> details;
};

class Metric : public plugin::Object {
public:
    /// The values of the metrics this plugin provides that are listed in `wanted`.
    virtual std::vector<MetricValue> evaluate(const MetricContext& context,
                                              const std::vector<std::string>& wanted) = 0;
};

}  // namespace gantry
