// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Conditional data (plugin API 2.1): a dataset that gives each sample a condition — G maps
/// (z, condition) to the sample, D scores (x, condition) — declares the condition's per-sample
/// shape in DataInfo::metadata, which is plain data and so crosses the plugin boundary of a 2.0
/// host or plugin unchanged. The runtime reads the declaration, asks Dataset::condition() for
/// the conditions, and hands the shape to the architectures as NetworkSpec::condition.
///
/// Example:
/// ```
/// gantry::DataInfo info;                              // in a dataset's info()
/// gantry::datasets::set_condition_shape(info, gantry::Shape{1, 7, 7});
/// std::optional<gantry::Shape> c = gantry::datasets::find_condition_shape(info);  // a reader
/// ```
#include <optional>

#include "gantry/data.hpp"
#include "gantry/shape.hpp"

namespace gantry::datasets {

/// DataInfo::metadata key: the condition's per-sample dimensions, e.g. (1, 7, 7).
inline constexpr const char* kConditionShape = "condition.shape";

/// Declares that the data is conditional, with per-sample conditions of `shape`.
void set_condition_shape(DataInfo& info, const Shape& shape);

/// The declared condition shape, or nullopt for unconditional data. Throws Error when the
/// declaration is not 1 to 3 positive whole numbers.
std::optional<Shape> find_condition_shape(const DataInfo& info);

}  // namespace gantry::datasets
