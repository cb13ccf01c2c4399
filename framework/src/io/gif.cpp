// SPDX-License-Identifier: Apache-2.0
#include "io/gif.hpp"

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <memory>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"

namespace gantry::io {
namespace {

/// RGB frames: 6 levels of red, 7 of green (the eye's most sensitive), 6 of blue = 252 colours.
constexpr std::array<int, 3> kCube = {6, 7, 6};

int level(uint8_t value, int levels) { return (value * (levels - 1) + 127) / 255; }

/// The palette: 256 grays, or the colour cube (padded to 256 entries, as GIF wants a power of 2).
ColorMapObject* make_palette(int channels) {
    ColorMapObject* map = GifMakeMapObject(256, nullptr);
    GANTRY_CHECK(map != nullptr, "encode_gif: out of memory");
    for (int i = 0; i < 256; ++i) {
        GifColorType& c = map->Colors[i];
        if (channels == 1) {
            c.Red = c.Green = c.Blue = static_cast<GifByteType>(i);
        } else if (i < kCube[0] * kCube[1] * kCube[2]) {
            const int r = i / (kCube[1] * kCube[2]), g = (i / kCube[2]) % kCube[1], b = i % kCube[2];
            c.Red = static_cast<GifByteType>(r * 255 / (kCube[0] - 1));
            c.Green = static_cast<GifByteType>(g * 255 / (kCube[1] - 1));
            c.Blue = static_cast<GifByteType>(b * 255 / (kCube[2] - 1));
        } else {
            c.Red = c.Green = c.Blue = 0;
        }
    }
    return map;
}

/// The palette index of each pixel of `frame`.
std::vector<GifByteType> indices(const Image& frame) {
    std::vector<GifByteType> out(static_cast<size_t>(frame.width) * static_cast<size_t>(frame.height));
    for (size_t p = 0; p < out.size(); ++p) {
        if (frame.channels == 1) {
            out[p] = frame.pixels[p];
        } else {
            const uint8_t* rgb = &frame.pixels[3 * p];
            out[p] = static_cast<GifByteType>((level(rgb[0], kCube[0]) * kCube[1] + level(rgb[1], kCube[1])) * kCube[2] +
                                              level(rgb[2], kCube[2]));
        }
    }
    return out;
}

int append_to_string(GifFileType* gif, const GifByteType* bytes, int count) {
    static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(count));
    return count;
}

struct GifCloser {
    void operator()(GifFileType* gif) const {
        int error = 0;
        EGifCloseFile(gif, &error);
    }
};

void check(int status, GifFileType* gif, const char* what) {
    GANTRY_CHECK(status == GIF_OK, "encode_gif: ", what, " failed: ", GifErrorString(gif->Error));
}

}  // namespace

std::string encode_gif(const std::vector<Image>& frames, int delay_cs) {
    GANTRY_CHECK(!frames.empty(), "encode_gif: no frames");
    const Image& first = frames.front();
    GANTRY_CHECK(first.channels == 1 || first.channels == 3, "encode_gif: 1 or 3 channels, got ", first.channels);
    GANTRY_CHECK(first.width > 0 && first.height > 0 && first.width <= 65535 && first.height <= 65535,
                 "encode_gif: a GIF is 1..65535 pixels a side, got ", first.width, "x", first.height);
    GANTRY_CHECK(delay_cs >= 0 && delay_cs <= 65535, "encode_gif: delay ", delay_cs, " out of 0..65535");
    for (const Image& f : frames)
        GANTRY_CHECK(f.width == first.width && f.height == first.height && f.channels == first.channels &&
                         f.pixels.size() == static_cast<size_t>(f.width) * f.height * f.channels,
                     "encode_gif: every frame must be ", first.width, "x", first.height, "x", first.channels);
    std::string bytes;
    int error = 0;
    std::unique_ptr<GifFileType, GifCloser> gif(EGifOpen(&bytes, append_to_string, &error));
    GANTRY_CHECK(gif != nullptr, "encode_gif: ", GifErrorString(error));
    EGifSetGifVersion(gif.get(), true);  // GIF89a: the delay and loop extensions
    std::unique_ptr<ColorMapObject, void (*)(ColorMapObject*)> palette(make_palette(first.channels), GifFreeMapObject);
    check(EGifPutScreenDesc(gif.get(), first.width, first.height, 8, 0, palette.get()), gif.get(), "the screen");
    // NETSCAPE2.0, loop count 0: play forever.
    static const GifByteType kNetscape[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    static const GifByteType kLoopForever[] = {1, 0, 0};
    check(EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE), gif.get(), "the loop extension");
    check(EGifPutExtensionBlock(gif.get(), sizeof kNetscape, kNetscape), gif.get(), "the loop extension");
    check(EGifPutExtensionBlock(gif.get(), sizeof kLoopForever, kLoopForever), gif.get(), "the loop extension");
    check(EGifPutExtensionTrailer(gif.get()), gif.get(), "the loop extension");
    GraphicsControlBlock control{};
    control.DisposalMode = DISPOSE_DO_NOT;
    control.DelayTime = delay_cs;
    control.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType extension[4];
    const size_t extension_size = EGifGCBToExtension(&control, extension);
    for (const Image& frame : frames) {
        check(EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, static_cast<int>(extension_size), extension),
              gif.get(), "a frame's delay");
        check(EGifPutImageDesc(gif.get(), 0, 0, frame.width, frame.height, false, nullptr), gif.get(), "a frame");
        std::vector<GifByteType> pixels = indices(frame);
        for (int y = 0; y < frame.height; ++y)
            check(EGifPutLine(gif.get(), pixels.data() + static_cast<size_t>(y) * frame.width, frame.width), gif.get(),
                  "a frame's pixels");
    }
    GifFileType* done = gif.release();
    GANTRY_CHECK(EGifCloseFile(done, &error) == GIF_OK, "encode_gif: ", GifErrorString(error));
    return bytes;
}

void write_gif(const std::filesystem::path& path, const std::vector<Image>& frames, int delay_cs) {
    atomic_write(path, encode_gif(frames, delay_cs));
}

}  // namespace gantry::io
