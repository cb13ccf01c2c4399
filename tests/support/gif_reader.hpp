// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads a GIF back with giflib's decoder, so that tests check what a viewer would show: each
// frame's pixels through the palette, the frame delay and the loop extension.
#include <gif_lib.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::testing {

struct DecodedGif {
    int width = 0, height = 0;
    std::vector<std::vector<uint8_t>> frames_rgb;  ///< per frame: height * width * 3 bytes
    std::vector<int> delays_cs;                    ///< per frame
    bool loops_forever = false;
};

inline DecodedGif decode_gif(std::string_view bytes) {
    struct Source {
        std::string_view bytes;
        size_t at = 0;
    } source{bytes};
    auto read = [](GifFileType* gif, GifByteType* out, int count) -> int {
        auto* s = static_cast<Source*>(gif->UserData);
        const size_t n = std::min(static_cast<size_t>(count), s->bytes.size() - s->at);
        std::memcpy(out, s->bytes.data() + s->at, n);
        s->at += n;
        return static_cast<int>(n);
    };
    int error = 0;
    GifFileType* gif = DGifOpen(&source, read, &error);
    if (gif == nullptr) throw std::runtime_error(std::string("DGifOpen: ") + GifErrorString(error));
    if (DGifSlurp(gif) != GIF_OK) {
        const std::string why = GifErrorString(gif->Error);
        DGifCloseFile(gif, &error);
        throw std::runtime_error("DGifSlurp: " + why);
    }
    DecodedGif out;
    out.width = gif->SWidth;
    out.height = gif->SHeight;
    // The looping extension precedes the first frame, so giflib files it with that frame's
    // extensions: "NETSCAPE2.0", then a continuation block {1, loop count (2 bytes, 0 = forever)}.
    auto find_loop = [&](const ExtensionBlock* blocks, int count) {
        for (int e = 0; e + 1 < count; ++e)
            if (blocks[e].Function == APPLICATION_EXT_FUNC_CODE && blocks[e].ByteCount == 11 &&
                std::memcmp(blocks[e].Bytes, "NETSCAPE2.0", 11) == 0) {
                const ExtensionBlock& loop = blocks[e + 1];
                out.loops_forever = loop.ByteCount == 3 && loop.Bytes[0] == 1 && loop.Bytes[1] == 0 && loop.Bytes[2] == 0;
            }
    };
    find_loop(gif->ExtensionBlocks, gif->ExtensionBlockCount);
    if (gif->ImageCount > 0) find_loop(gif->SavedImages[0].ExtensionBlocks, gif->SavedImages[0].ExtensionBlockCount);
    for (int i = 0; i < gif->ImageCount; ++i) {
        const SavedImage& image = gif->SavedImages[i];
        const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
        std::vector<uint8_t> rgb;
        for (int p = 0; p < image.ImageDesc.Width * image.ImageDesc.Height; ++p) {
            const GifColorType& c = map->Colors[image.RasterBits[p]];
            rgb.insert(rgb.end(), {c.Red, c.Green, c.Blue});
        }
        out.frames_rgb.push_back(std::move(rgb));
        GraphicsControlBlock control{};
        out.delays_cs.push_back(DGifSavedExtensionToGCB(gif, i, &control) == GIF_OK ? control.DelayTime : -1);
    }
    DGifCloseFile(gif, &error);
    return out;
}

}  // namespace gantry::testing
