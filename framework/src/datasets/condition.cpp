// SPDX-License-Identifier: Apache-2.0
#include "gantry/datasets/condition.hpp"

#include <cmath>
#include <vector>

#include "gantry/error.hpp"

namespace gantry::datasets {

void set_condition_shape(DataInfo& info, const Shape& shape) {
    std::vector<double>& dims = info.metadata[kConditionShape];
    dims.assign(shape.dims().begin(), shape.dims().end());
}

std::optional<Shape> find_condition_shape(const DataInfo& info) {
    const auto it = info.metadata.find(kConditionShape);
    if (it == info.metadata.end()) return std::nullopt;
    const std::vector<double>& dims = it->second;
    // Rank 3 at most: a batch of conditions must fit a tensor (rank <= 4).
    GANTRY_CHECK(!dims.empty() && dims.size() <= 3, "dataset metadata: ", kConditionShape,
                 " must hold 1 to 3 dimensions, got ", dims.size());
    std::vector<int64_t> out;
    for (double d : dims) {
        GANTRY_CHECK(d >= 1 && d <= 1e9 && std::floor(d) == d, "dataset metadata: ", kConditionShape,
                     " must hold positive whole numbers, got ", d);
        out.push_back(static_cast<int64_t>(d));
    }
    return Shape(std::move(out));
}

}  // namespace gantry::datasets
