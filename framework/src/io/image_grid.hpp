// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Sample grids of generated images (the `samples/` PNGs of image experiments).
#include "gantry/io/png.hpp"
#include "gantry/tensor.hpp"

namespace gantry::io {

/// Tiles `images` (N, C, H, W) with C = 1 or 3 and values in [-1, 1] into one 8-bit image:
/// `columns` per row (0: ceil(sqrt(N))), `padding` black pixels between and around the tiles.
/// Values outside [-1, 1] are clamped, NaN is drawn black. Throws ShapeError on bad shapes.
Image image_grid(const Tensor& images, int columns = 0, int padding = 2);

}  // namespace gantry::io
