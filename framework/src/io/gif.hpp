// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Animated GIFs (giflib) for sequences shown as a film: `gantry sample --rollout` writes one
/// beside its PNG strip. giflib does the encoding (LZW, blocks, the looping extension); this only
/// maps 8-bit pixels to a palette: 256 grays for gray frames, a fixed 6x7x6 colour cube for RGB.
#include <filesystem>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"

namespace gantry::io {

/// The GIF file bytes of `frames` (same size and channels, 1 or 3), looping forever, each frame
/// shown for `delay_cs` hundredths of a second. Throws gantry::Error on bad arguments.
std::string encode_gif(const std::vector<Image>& frames, int delay_cs);

/// encode_gif, then atomic_write: a crash never leaves a torn GIF. Throws OutputError.
void write_gif(const std::filesystem::path& path, const std::vector<Image>& frames, int delay_cs);

}  // namespace gantry::io
