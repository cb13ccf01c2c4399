// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gantry/error.hpp"
#include "io/crc32c.hpp"
#include "io/image_grid.hpp"
#include "gantry/io/png.hpp"
#include "io/scatter.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::io;
namespace fs = std::filesystem;

namespace {
using gantry::testing::TempDir;

Image gradient(int w, int h, int c) {
    Image image{w, h, c, {}};
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) image.pixels.push_back(static_cast<uint8_t>(x * 7 + y * 13 + k * 101));
    return image;
}

const uint8_t* pixel(const Image& image, int x, int y) {
    return image.pixels.data() + (static_cast<size_t>(y) * image.width + x) * image.channels;
}
}  // namespace

TEST_CASE("png: encode then decode returns the same pixels (gray and RGB)", "[io]") {
    for (const int channels : {1, 3}) {
        const Image image = gradient(37, 19, channels);
        const std::string bytes = encode_png(image);
        CHECK(bytes.substr(1, 3) == "PNG");
        const Image back = decode_png(bytes, "mem");
        CHECK(back.width == 37);
        CHECK(back.height == 19);
        CHECK(back.channels == channels);
        CHECK(back.pixels == image.pixels);
    }
    CHECK_THROWS_AS(encode_png(0, 5, 1, nullptr), Error);
    CHECK_THROWS_AS(encode_png(gradient(2, 2, 1).width, 2, 4, gradient(2, 2, 1).pixels.data()), Error);
}

TEST_CASE("png: write_png then read_png gives a (C - H - W) tensor of pixel / 255", "[io]") {
    TempDir dir;
    const Image image = gradient(5, 4, 3);
    write_png(dir.path / "x.png", image);
    const Tensor t = read_png(dir.path / "x.png");
    REQUIRE(t.shape() == Shape({3, 4, 5}));
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 5; ++x)
                CHECK(t.data()[(c * 4 + y) * 5 + x] == pixel(image, x, y)[c] / 255.f);
}

TEST_CASE("png: corrupt or truncated files are DataErrors naming the file - never crashes", "[io]") {
    TempDir dir;
    const std::string good = encode_png(gradient(16, 16, 3));
    for (size_t n = 0; n < good.size(); ++n) {
        INFO("truncated to " << n);
        CHECK_THROWS_AS(decode_png(std::string_view(good).substr(0, n), "cut.png"), DataError);
    }
    int rejected = 0;
    for (size_t at = 8; at < good.size(); ++at) {
        std::string bad = good;
        bad[at] ^= 0x04;
        try {
            decode_png(bad, "flipped.png");
        } catch (const DataError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith("image flipped.png: "));
            ++rejected;
        }
    }
    // Chunk CRCs cover every byte after the signature except the CRC fields' own interplay.
    CHECK(rejected == static_cast<int>(good.size() - 8));
    std::ofstream(dir.path / "text.png") << "hello, not a png";
    CHECK_THROWS_WITH(read_png(dir.path / "text.png"),
                      Catch::Contains((dir.path / "text.png").string()) && Catch::Contains("expected a PNG"));
    CHECK_THROWS_WITH(read_png(dir.path / "missing.png"), Catch::Contains("No such file"));
}

TEST_CASE("png: a header claiming a huge image is refused", "[io]") {
    std::string bytes = encode_png(gradient(4, 4, 1));
    // IHDR data starts at byte 16: width, height (big-endian), then its CRC at byte 29.
    const auto put_be32 = [&](size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
    };
    put_be32(16, 100000);
    put_be32(20, 100000);
    // PNG chunk CRCs are CRC-32 (zlib's), not CRC-32C: recompute with a bitwise loop.
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 12; i < 29; ++i) {
        crc ^= static_cast<uint8_t>(bytes[i]);
        for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    put_be32(29, ~crc);
    CHECK_THROWS_AS(decode_png(bytes, "huge.png"), DataError);
}

TEST_CASE("image_grid: tiles (N - C - H - W) in [-1 - 1] with padding", "[io]") {
    // Three 1x2x2 images: all -1, all 1, all 0; two columns.
    Tensor images = Tensor::from_vector({3, 1, 2, 2}, {-1, -1, -1, -1, 1, 1, 1, 1, 0, 0, 0, 0});
    const Image grid = image_grid(images, 2, 1);
    CHECK(grid.width == 2 * 2 + 3);
    CHECK(grid.height == 2 * 2 + 3);
    CHECK(grid.channels == 1);
    CHECK(pixel(grid, 0, 0)[0] == 0);    // padding
    CHECK(pixel(grid, 1, 1)[0] == 0);    // image 0: -1
    CHECK(pixel(grid, 4, 1)[0] == 255);  // image 1: 1
    CHECK(pixel(grid, 1, 4)[0] == 128);  // image 2: 0 -> 127.5 rounds up
    CHECK(pixel(grid, 4, 4)[0] == 0);    // the missing fourth tile stays background
    const Image rgb = image_grid(Tensor::full({4, 3, 5, 5}, 2.f), 0, 0);  // clamped, 2x2 tiles
    CHECK(rgb.width == 10);
    CHECK(rgb.channels == 3);
    CHECK(pixel(rgb, 9, 9)[2] == 255);
    CHECK_THROWS_AS(image_grid(Tensor::zeros({4, 2, 5, 5})), ShapeError);
    CHECK_THROWS_AS(image_grid(Tensor::zeros({4, 5, 5})), ShapeError);
}

TEST_CASE("scatter: fixed window from the real data - real and fake in their colours", "[io]") {
    const Tensor real = Tensor::from_vector({2, 2}, {1.9f, 0.f, -1.9f, 0.f});
    const Tensor modes = Tensor::from_vector({2, 2}, {2.f, 0.f, -2.f, 0.f});
    const PlotRange range = scatter_range(real, modes);
    CHECK(range.x_max == 2.5);  // 2 * 1.1 = 2.2, rounded up to 2.5
    CHECK(range.x_min == -2.5);
    CHECK(range.y_max == 2.5);
    const Tensor fake_a = Tensor::from_vector({1, 2}, {0.f, 1.25f});
    const Tensor fake_far = Tensor::from_vector({1, 2}, {100.f, 100.f});
    ScatterOptions options;
    options.width = 101;
    options.height = 101;
    const Image image = scatter_image(real, fake_a, modes, range, options);
    CHECK(image.channels == 3);
    const uint8_t* fake_px = pixel(image, 50, 25);  // (0, 1.25) -> column 50, row 25
    CHECK((fake_px[0] == 255 && fake_px[1] == 127 && fake_px[2] == 14));
    const uint8_t* real_px = pixel(image, 88, 50);  // (1.9, 0) -> column 88
    CHECK((real_px[0] == 31 && real_px[1] == 119 && real_px[2] == 180));
    const uint8_t* corner = pixel(image, 2, 2);
    CHECK((corner[0] == 255 && corner[1] == 255 && corner[2] == 255));
    // Generated points far outside do not move the window and are simply not drawn.
    const Image far = scatter_image(real, fake_far, modes, range, options);
    CHECK(far.pixels.size() == image.pixels.size());
    TempDir dir;
    scatter_png(dir.path / "iter.png", real, fake_far, modes, options);
    CHECK(read_png_image(dir.path / "iter.png").width == 101);
    CHECK_THROWS_AS(scatter_image(Tensor::zeros({3, 3}), fake_a, Tensor(), range), ShapeError);
}

TEST_CASE("scatter: a legend strip below the plot names the colours of real and generated points", "[io]") {
    const Tensor real = Tensor::from_vector({2, 2}, {1.9f, 0.f, -1.9f, 0.f});
    const Tensor fake = Tensor::from_vector({1, 2}, {0.f, 1.25f});
    const Tensor modes = Tensor::from_vector({2, 2}, {2.f, 0.f, -2.f, 0.f});
    const PlotRange range = scatter_range(real, modes);
    const auto count = [](const Image& image, int from_row, const std::array<uint8_t, 3>& colour) {
        int n = 0;
        for (int y = from_row; y < image.height; ++y)
            for (int x = 0; x < image.width; ++x) {
                const uint8_t* p = pixel(image, x, y);
                n += p[0] == colour[0] && p[1] == colour[1] && p[2] == colour[2];
            }
        return n;
    };
    for (const int side : {101, 512}) {
        INFO(side << " px");
        ScatterOptions options;
        options.width = options.height = side;
        options.legend = false;
        const Image bare = scatter_image(real, fake, modes, range, options);
        options.legend = true;
        const Image with = scatter_image(real, fake, modes, range, options);
        CHECK(bare.height == side);
        REQUIRE(with.height > side);
        CHECK(with.width == side);
        // The plot itself is untouched: the legend only adds rows.
        CHECK(std::equal(bare.pixels.begin(), bare.pixels.end(), with.pixels.begin()));
        // Below it: a marker in each colour and the words in dark grey.
        CHECK(count(with, side, {31, 119, 180}) > 4);   // real
        CHECK(count(with, side, {255, 127, 14}) > 4);   // generated
        CHECK(count(with, side, {40, 40, 40}) > 4);     // mode centres
        CHECK(count(with, side, {60, 60, 60}) > 40);    // text
        // No mode centres: no ring in the legend either.
        const Image no_modes = scatter_image(real, fake, Tensor(), range, options);
        CHECK(count(no_modes, side, {40, 40, 40}) == 0);
    }
    // On a 512 px plot the three entries fit on one row.
    ScatterOptions wide;
    CHECK(scatter_image(real, fake, modes, range, wide).height == 512 + 24);
}
