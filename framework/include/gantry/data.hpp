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

    // ---- API 2.1: conditional data (gantry/datasets/condition.hpp) ---------------------------
    // The runtime calls these only on a dataset whose info() declares a condition, so a 2.0
    // plugin (whose table has no such entries) is never asked.

    /// The condition of the samples at `indices`, (N, condition shape...): what G maps to the
    /// sample and D sees beside it (a low-resolution image, an edge map, a masked image, previous
    /// frames, token ids). get(indices).x is the target paired with it. Pure, like get().
    virtual Tensor condition(const std::vector<int64_t>& indices) const;
    /// A classical estimate of the targets from conditions (N, condition shape...) in the data's
    /// scale — bicubic upsampling for super-resolution, the mean image in a hole — for the
    /// baseline column of sample grids and the baseline metrics; undefined when there is none.
    virtual Tensor baseline(const Tensor& condition) const;
};

}  // namespace gantry
