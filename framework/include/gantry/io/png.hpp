// SPDX-License-Identifier: Apache-2.0
#pragma once
/// 8-bit PNG encoding and decoding (libpng). Decoding is hardened for untrusted files: dimensions
/// are capped and every libpng error becomes a DataError naming the file, never a crash.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "gantry/tensor.hpp"

namespace gantry::io {

/// The largest width or height read_png/decode_png accept.
inline constexpr int kMaxPngSide = 16384;
/// The most pixels read_png/decode_png accept (64 Mi): bounds the buffer a crafted header can ask
/// for to 192 MiB before any pixel data has been seen.
inline constexpr uint64_t kMaxPngPixels = uint64_t{1} << 26;

/// An 8-bit image, rows top to bottom, channels interleaved (gray: 1, RGB: 3).
struct Image {
    int width = 0;
    int height = 0;
    int channels = 0;
    std::vector<uint8_t> pixels;  ///< height * width * channels bytes
};

/// The PNG file bytes of `width` x `height` pixels with 1 (gray) or 3 (RGB) interleaved channels.
/// Throws gantry::Error on bad arguments.
std::string encode_png(int width, int height, int channels, const uint8_t* pixels);
inline std::string encode_png(const Image& image) {
    return encode_png(image.width, image.height, image.channels, image.pixels.data());
}

/// encode_png, then atomic_write: a crash never leaves a torn PNG. Throws OutputError.
void write_png(const std::filesystem::path& path, int width, int height, int channels,
               const uint8_t* pixels);
inline void write_png(const std::filesystem::path& path, const Image& image) {
    write_png(path, image.width, image.height, image.channels, image.pixels.data());
}

/// Decodes any PNG (palette, 1-16 bit, gray/RGB, with or without alpha, interlaced) to 8-bit gray
/// (1 channel) or RGB (3 channels); alpha is dropped. `source` names the data in errors.
/// Throws DataError when the data is not a valid PNG or exceeds kMaxPngSide or kMaxPngPixels.
Image decode_png(std::string_view bytes, const std::string& source);
/// decode_png of a file; DataError also when it cannot be read.
Image read_png_image(const std::filesystem::path& path);
/// The pixels of `image` planar, channel by channel ((C, H, W) order), as the datasets store them.
std::vector<uint8_t> planar_pixels(const Image& image);

/// read_png_image as a (C, H, W) tensor with values in [0, 1] (pixel / 255).
Tensor read_png(const std::filesystem::path& path);

}  // namespace gantry::io
