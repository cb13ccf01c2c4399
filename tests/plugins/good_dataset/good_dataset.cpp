// SPDX-License-Identifier: Apache-2.0
// A well-formed dataset plugin without options: 16 points, all at the origin.
#include "gantry/plugin.hpp"

namespace {

class GoodDataset : public gantry::Dataset {
public:
    GoodDataset(const gantry::plugin::Options&, const gantry::plugin::Context&) {}

    gantry::DataInfo info() const override {
        gantry::DataInfo info;
        info.sample_shape = gantry::Shape{2};
        info.size = 16;
        info.identity = "good_dataset";
        return info;
    }
    gantry::Batch get(const std::vector<int64_t>& indices) const override {
        return {gantry::Tensor::zeros({static_cast<int64_t>(indices.size()), 2}), {}};
    }
};

}  // namespace

GANTRY_PLUGIN(dataset, "good_dataset", "0.1.0", "zeros, for the host tests",
              gantry::plugin::kNoOptions, GoodDataset)
