// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Scatter plots of 2-D data (the `samples/` PNGs of the Gaussian-mixture experiments): real points
/// in blue, generated points in orange, mode centres as dark rings, on white with light axes, and
/// below the square plot a legend strip naming each colour ("real", "generated", "mode centres").
/// No other text: the file name carries the iteration.
#include <filesystem>

#include "gantry/io/png.hpp"
#include "gantry/tensor.hpp"

namespace gantry::io {

/// The data window of a plot (x to the right, y upwards).
struct PlotRange {
    double x_min = -1, x_max = 1, y_min = -1, y_max = 1;
};

/// A square window centred on the origin holding `real` (N, 2) and `modes` (K, 2; may be undefined)
/// with a 10% margin, its half-width rounded up to 1, 2, 2.5 or 5 x 10^k so that different batches
/// of the same data give the same window. Fakes are
/// deliberately not used: every frame of a run must share one window, so computed once per run.
PlotRange scatter_range(const Tensor& real, const Tensor& modes = Tensor());

struct ScatterOptions {
    int width = 512;
    int height = 512;
    int point_radius = 2;
    /// A legend strip below the width x height plot (the image grows by its height: 24 px at 320
    /// px and wider, where its letters are drawn twice as large; rows of 13 px on a narrow
    /// plot, one per entry that does not fit beside the others).
    bool legend = true;
};

/// Draws `real` (N, 2), then `fake` (M, 2), then `modes` (K, 2; may be undefined) into `range`.
/// Points outside the window or non-finite are skipped. Throws ShapeError on bad shapes.
Image scatter_image(const Tensor& real, const Tensor& fake, const Tensor& modes,
                    const PlotRange& range, const ScatterOptions& options = {});

/// scatter_image with `range` from scatter_range(real, modes), then write_png.
void scatter_png(const std::filesystem::path& path, const Tensor& real, const Tensor& fake,
                 const Tensor& modes = Tensor(), const ScatterOptions& options = {});

}  // namespace gantry::io
