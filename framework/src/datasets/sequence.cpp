// SPDX-License-Identifier: Apache-2.0
#include "gantry/datasets/sequence.hpp"

#include <cmath>
#include <vector>

#include "gantry/error.hpp"

namespace gantry::datasets {

void set_sequence_layout(DataInfo& info, const SequenceLayout& layout) {
    info.metadata[kSequenceLayout] = {static_cast<double>(layout.context), static_cast<double>(layout.steps)};
}

std::optional<SequenceLayout> find_sequence_layout(const DataInfo& info) {
    const auto it = info.metadata.find(kSequenceLayout);
    if (it == info.metadata.end()) return std::nullopt;
    const std::vector<double>& values = it->second;
    GANTRY_CHECK(values.size() == 2, "dataset metadata: ", kSequenceLayout,
                 " must hold 2 numbers (context, steps), got ", values.size());
    for (double v : values)
        GANTRY_CHECK(v >= 1 && v <= 1e9 && std::floor(v) == v, "dataset metadata: ", kSequenceLayout,
                     " must hold positive whole numbers, got ", v);
    return SequenceLayout{static_cast<int64_t>(values[0]), static_cast<int64_t>(values[1])};
}

}  // namespace gantry::datasets
