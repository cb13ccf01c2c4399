// SPDX-License-Identifier: Apache-2.0
// Animated GIFs (io/gif.hpp) read back with giflib's decoder: every frame, its pixels through the
// palette, the delay and the loop; bad arguments refused.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "gantry/error.hpp"
#include "io/gif.hpp"
#include "support/files.hpp"
#include "support/gif_reader.hpp"
#include "support/temp_dir.hpp"

using gantry::io::Image;
using gantry::io::encode_gif;

namespace {

Image frame(int w, int h, int c, int seed) {
    Image image{w, h, c, {}};
    for (int p = 0; p < w * h * c; ++p) image.pixels.push_back(static_cast<uint8_t>((p * 37 + seed * 101) % 256));
    return image;
}

}  // namespace

TEST_CASE("gif: gray frames come back exactly - with the delay and the loop", "[io][gif]") {
    const std::vector<Image> frames = {frame(7, 5, 1, 0), frame(7, 5, 1, 1), frame(7, 5, 1, 2)};
    const auto gif = gantry::testing::decode_gif(encode_gif(frames, 50));
    CHECK(gif.width == 7);
    CHECK(gif.height == 5);
    CHECK(gif.loops_forever);
    REQUIRE(gif.frames_rgb.size() == 3);
    for (size_t f = 0; f < 3; ++f) {
        INFO("frame " << f);
        CHECK(gif.delays_cs[f] == 50);
        for (size_t p = 0; p < frames[f].pixels.size(); ++p)
            for (int k = 0; k < 3; ++k) REQUIRE(gif.frames_rgb[f][3 * p + k] == frames[f].pixels[p]);
    }
}

TEST_CASE("gif: RGB frames come back within the colour cube's step", "[io][gif]") {
    const std::vector<Image> frames = {frame(4, 6, 3, 3), frame(4, 6, 3, 4)};
    const auto gif = gantry::testing::decode_gif(encode_gif(frames, 10));
    REQUIRE(gif.frames_rgb.size() == 2);
    int worst = 0;
    for (size_t f = 0; f < 2; ++f)
        for (size_t i = 0; i < frames[f].pixels.size(); ++i)
            worst = std::max(worst, std::abs(int{gif.frames_rgb[f][i]} - int{frames[f].pixels[i]}));
    // 6 levels of red and blue are 51 apart, 7 of green 42.5: rounding to the nearest is within half.
    CHECK(worst <= 26);
    // Pure colours are exact.
    Image pure{3, 1, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255}};
    const auto exact = gantry::testing::decode_gif(encode_gif({pure}, 0));
    CHECK(exact.frames_rgb[0] == pure.pixels);
}

TEST_CASE("gif: frames of different sizes - no frames - 2 channels are refused", "[io][gif]") {
    CHECK_THROWS_WITH(encode_gif({frame(4, 4, 1, 0), frame(5, 4, 1, 0)}, 10),
                      Catch::Contains("every frame must be 4x4x1"));
    CHECK_THROWS_WITH(encode_gif({}, 10), Catch::Contains("no frames"));
    CHECK_THROWS_WITH(encode_gif({frame(4, 4, 2, 0)}, 10), Catch::Contains("1 or 3 channels"));
    CHECK_THROWS_WITH(encode_gif({frame(4, 4, 1, 0)}, -1), Catch::Contains("delay -1"));
}

TEST_CASE("gif: write_gif replaces the file whole", "[io][gif]") {
    gantry::testing::TempDir tmp;
    const std::filesystem::path file = tmp.path / "film.gif";
    gantry::io::write_gif(file, {frame(3, 3, 1, 0)}, 20);
    gantry::io::write_gif(file, {frame(3, 3, 1, 1), frame(3, 3, 1, 2)}, 20);
    CHECK(gantry::testing::decode_gif(gantry::testing::slurp(file)).frames_rgb.size() == 2);
}
