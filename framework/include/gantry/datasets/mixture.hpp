// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A 2-D Gaussian mixture's known modes, carried in DataInfo::metadata so that the mode-collapse
/// metrics and the scatter plots can find them while DataInfo itself names no mixture. The
/// dataset writes them (gaussian_mixture); mixture_metrics and `gantry run`'s plots read them.
///
/// Example:
/// ```
/// gantry::DataInfo info;                       // in a dataset's info()
/// gantry::datasets::set_mixture(info, {{{1, 0}, {-1, 0}}, 0.01});
/// std::optional<gantry::datasets::Mixture> m = gantry::datasets::find_mixture(info);  // a reader
/// ```
#include <array>
#include <optional>
#include <vector>

#include "gantry/data.hpp"

namespace gantry::datasets {

/// DataInfo::metadata keys: the means as (x0, y0, x1, y1, ...), and the one standard deviation.
inline constexpr const char* kMixtureMeans = "mixture.means";
inline constexpr const char* kMixtureStd = "mixture.std";

struct Mixture {
    /// One (x, y) per mode.
    std::vector<std::array<double, 2>> means;
    /// The standard deviation of every mode (isotropic).
    double sigma = 0;
};

/// Writes `mixture` into `info.metadata` under kMixtureMeans and kMixtureStd.
void set_mixture(DataInfo& info, const Mixture& mixture);

/// The mixture `info` describes, or nullopt when it names none (neither key). Throws Error when
/// only one key is there, the means are not (x, y) pairs, there are none, or the standard
/// deviation is not a single positive number.
std::optional<Mixture> find_mixture(const DataInfo& info);

}  // namespace gantry::datasets
