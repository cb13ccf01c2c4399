// SPDX-License-Identifier: Apache-2.0
#include "io/image_grid.hpp"

#include <algorithm>
#include <cmath>

#include "gantry/error.hpp"

namespace gantry::io {

namespace {
uint8_t to_byte(float v) {
    if (!(v > -1.f)) return 0;  // also NaN
    if (v >= 1.f) return 255;
    return static_cast<uint8_t>(std::lround((v + 1.f) * 127.5f));
}
}  // namespace

Image image_grid(const Tensor& images, int columns, int padding) {
    GANTRY_CHECK_AS(ShapeError, images.defined() && images.rank() == 4,
                    "image_grid: expected images (N, C, H, W), got ",
                    images.defined() ? images.shape().str() : std::string("an undefined tensor"));
    const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
    GANTRY_CHECK_AS(ShapeError, c == 1 || c == 3, "image_grid: expected 1 or 3 channels, got ", c);
    GANTRY_CHECK_AS(ShapeError, n > 0 && h > 0 && w > 0, "image_grid: expected at least one non-empty image, got ",
                    images.shape());
    GANTRY_CHECK(columns >= 0 && padding >= 0, "image_grid: expected columns >= 0 and padding >= 0, got ",
                 columns, " and ", padding);
    const int64_t cols = columns > 0 ? std::min<int64_t>(columns, n)
                                     : static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    const int64_t rows = (n + cols - 1) / cols;
    const int64_t width = cols * w + (cols + 1) * padding;
    const int64_t height = rows * h + (rows + 1) * padding;
    GANTRY_CHECK(width <= kMaxPngSide && height <= kMaxPngSide, "image_grid: expected a canvas of at most ",
                 kMaxPngSide, " pixels per side, got ", width, "x", height, "; draw fewer samples");
    Image grid;
    grid.width = static_cast<int>(width);
    grid.height = static_cast<int>(height);
    grid.channels = static_cast<int>(c);
    grid.pixels.assign(static_cast<size_t>(width * height * c), 0);
    const float* src = images.data();
    for (int64_t i = 0; i < n; ++i) {
        const int64_t x0 = padding + (i % cols) * (w + padding);
        const int64_t y0 = padding + (i / cols) * (h + padding);
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t y = 0; y < h; ++y)
                for (int64_t x = 0; x < w; ++x)
                    grid.pixels[static_cast<size_t>(((y0 + y) * width + x0 + x) * c + ch)] =
                        to_byte(src[((i * c + ch) * h + y) * w + x]);
    }
    return grid;
}

}  // namespace gantry::io
