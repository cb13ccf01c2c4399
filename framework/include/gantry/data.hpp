// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The dataset plugin interface.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gantry/plugin/object.hpp"
#include "gantry/tensor.hpp"

namespace gantry {

/// A batch of samples: x (N, sample_shape...) in the model's scale ([-1, 1] for images), and
/// labels (N) of class ids stored as floats, undefined for unlabelled data.
struct Batch {
    Tensor x;
    Tensor labels;
};

/// What the runtime, the architectures and the metrics need to know about a dataset.
struct DataInfo {
    /// One sample: (2) for 2-D points, (C, H, W) for images.
    Shape sample_shape;
    /// Number of samples in one epoch.
    int64_t size = 0;
    /// Number of classes; 0 for unlabelled data.
    int64_t classes = 0;
    /// Images (PNG grids) or points (scatter plots).
    bool images = false;
    /// What only some datasets know and only some consumers read, as named lists of numbers (plain
    /// data: it crosses the plugin boundary without a dynamic_cast on a plugin's object). Keys are
    /// namespaced by what they describe: "mixture.means" and "mixture.std" are a Gaussian
    /// mixture's known modes, read and written by gantry/datasets/mixture.hpp. Empty for most data.
    std::map<std::string, std::vector<double>> metadata;
    /// Identifies the data for caches (e.g. features of the real set): plugin, options, split.
    std::string identity;
};

class Dataset : public plugin::Object {
public:
    virtual DataInfo info() const = 0;
    /// The samples at `indices` (each in [0, info().size)). Must be a pure function of the
    /// indices: the runtime shuffles indices itself, so a resumed run needs no iterator state.
    virtual Batch get(const std::vector<int64_t>& indices) const = 0;
};

}  // namespace gantry
