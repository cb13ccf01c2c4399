// SPDX-License-Identifier: Apache-2.0
// A well-formed metric plugin providing two metrics, both constant.
#include "gantry/plugin.hpp"

namespace {

class GoodMetric : public gantry::Metric {
public:
    GoodMetric(const gantry::plugin::Options&, const gantry::plugin::Context&) {}
    std::vector<gantry::MetricValue> evaluate(const gantry::MetricContext&,
                                              const std::vector<std::string>& wanted) override {
        std::vector<gantry::MetricValue> out;
        for (const std::string& name : wanted) out.push_back({name, 7.0, {}});
        return out;
    }
};

}  // namespace

GANTRY_METRIC_PLUGIN("good_metric", "0.2.0", "constants, for the host tests",
                     gantry::plugin::kNoOptions, "seven, also_seven", GoodMetric)
