// SPDX-License-Identifier: Apache-2.0
#include "io/scatter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gantry/error.hpp"

namespace gantry::io {

namespace {
using Rgb = std::array<uint8_t, 3>;
constexpr Rgb kReal = {31, 119, 180};     // blue
constexpr Rgb kFake = {255, 127, 14};     // orange
constexpr Rgb kMode = {40, 40, 40};       // near black
constexpr Rgb kAxis = {200, 200, 200};    // light grey
constexpr Rgb kGrid = {235, 235, 235};    // lighter grey
constexpr Rgb kText = {60, 60, 60};       // legend text

// A 5 x 7 pixel font holding the legend's letters only ('#': ink), one string of 7 rows each.
struct Glyph {
    char c;
    const char* rows[7];
};
constexpr Glyph kFont[] = {
    {'a', {".....", ".....", ".###.", "....#", ".####", "#...#", ".####"}},
    {'c', {".....", ".....", ".###.", "#....", "#....", "#...#", ".###."}},
    {'d', {"....#", "....#", ".####", "#...#", "#...#", "#...#", ".####"}},
    {'e', {".....", ".....", ".###.", "#...#", "#####", "#....", ".###."}},
    {'g', {".....", ".....", ".####", "#...#", ".####", "....#", ".###."}},
    {'l', {".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'m', {".....", ".....", "##.#.", "#.#.#", "#.#.#", "#.#.#", "#.#.#"}},
    {'n', {".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"}},
    {'o', {".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."}},
    {'r', {".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."}},
    {'s', {".....", ".....", ".####", "#....", ".###.", "....#", "####."}},
    {'t', {".#...", ".#...", "####.", ".#...", ".#...", ".#..#", "..##."}},
};

const Glyph* glyph(char c) {
    for (const Glyph& g : kFont)
        if (g.c == c) return &g;
    return nullptr;  // a space
}

void check_points(const Tensor& t, const char* what, bool optional) {
    if (optional && !t.defined()) return;
    GANTRY_CHECK_AS(ShapeError, t.defined() && t.rank() == 2 && t.size(1) == 2, "scatter: expected ",
                    what, " points (N, 2), got ",
                    t.defined() ? t.shape().str() : std::string("an undefined tensor"));
}

// The smallest 1, 2, 2.5 or 5 x 10^k that is >= v: coarse enough that two batches of the same
// data round to the same window.
double nice_ceil(double v) {
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * p >= v * (1 - 1e-12)) return m * p;
    return 10 * p;
}

class Canvas {
public:
    // `extra` rows below the plot hold the legend.
    Canvas(const ScatterOptions& o, const PlotRange& r, int extra) : o_(o), r_(r) {
        image_.width = o.width;
        image_.height = o.height + extra;
        image_.channels = 3;
        image_.pixels.assign(static_cast<size_t>(o.width) * static_cast<size_t>(image_.height) * 3, 255);
    }
    double px(double x) const { return (x - r_.x_min) / (r_.x_max - r_.x_min) * (o_.width - 1); }
    // Image rows grow downwards, y grows upwards.
    double py(double y) const { return (r_.y_max - y) / (r_.y_max - r_.y_min) * (o_.height - 1); }
    void set(int64_t x, int64_t y, const Rgb& c) {
        if (x < 0 || y < 0 || x >= o_.width || y >= o_.height) return;
        std::copy(c.begin(), c.end(), image_.pixels.begin() + (y * o_.width + x) * 3);
    }
    // Legend pixels: in image coordinates, below the plot.
    void set_below(int64_t x, int64_t y, const Rgb& c) {
        if (x < 0 || y < o_.height || x >= o_.width || y >= image_.height) return;
        std::copy(c.begin(), c.end(), image_.pixels.begin() + (y * o_.width + x) * 3);
    }
    void marker_below(int64_t cx, int64_t cy, int radius, const Rgb& c, bool ring) {
        const int r2 = radius * radius, inner = (radius - 1) * (radius - 1);
        for (int dy = -radius; dy <= radius; ++dy)
            for (int dx = -radius; dx <= radius; ++dx) {
                const int d2 = dx * dx + dy * dy;
                if (d2 <= r2 && (!ring || d2 >= inner)) set_below(cx + dx, cy + dy, c);
            }
    }
    void text_below(int64_t x, int64_t y, const std::string& text, int scale) {
        for (const char ch : text) {
            if (const Glyph* g = glyph(ch))
                for (int row = 0; row < 7; ++row)
                    for (int col = 0; col < 5; ++col)
                        if (g->rows[row][col] == '#')
                            for (int sy = 0; sy < scale; ++sy)
                                for (int sx = 0; sx < scale; ++sx)
                                    set_below(x + col * scale + sx, y + row * scale + sy, kText);
            x += 6 * scale;
        }
    }
    void hline_below(int64_t y, const Rgb& c) {
        for (int x = 0; x < o_.width; ++x) set_below(x, y, c);
    }
    void vline(double x, const Rgb& c) {
        const auto ix = std::lround(px(x));
        for (int y = 0; y < o_.height; ++y) set(ix, y, c);
    }
    void hline(double y, const Rgb& c) {
        const auto iy = std::lround(py(y));
        for (int x = 0; x < o_.width; ++x) set(x, iy, c);
    }
    void disc(double x, double y, int radius, const Rgb& c, bool ring = false) {
        if (!std::isfinite(x) || !std::isfinite(y)) return;
        const double cx = px(x), cy = py(y);
        if (cx < -radius || cy < -radius || cx > o_.width + radius || cy > o_.height + radius) return;
        const auto ix = std::lround(cx), iy = std::lround(cy);
        const int r2 = radius * radius, inner = (radius - 1) * (radius - 1);
        for (int dy = -radius; dy <= radius; ++dy)
            for (int dx = -radius; dx <= radius; ++dx) {
                const int d2 = dx * dx + dy * dy;
                if (d2 <= r2 && (!ring || d2 >= inner)) set(ix + dx, iy + dy, c);
            }
    }
    Image take() { return std::move(image_); }

private:
    ScatterOptions o_;
    PlotRange r_;
    Image image_;
};
}  // namespace

namespace {

struct LegendEntry {
    std::string text;
    Rgb colour;
    bool ring;
};

// Where each entry goes: left to right, wrapping to a new row when the plot is too narrow.
struct LegendLayout {
    int scale = 1, height = 0;
    std::vector<std::array<int, 2>> at;  // top-left corner of each entry, relative to the strip
};

LegendLayout layout_legend(const std::vector<LegendEntry>& entries, int width) {
    LegendLayout l;
    l.scale = width >= 320 ? 2 : 1;
    const int row_height = 7 * l.scale + 6, marker = 7 * l.scale, gap = 4 * l.scale;
    int x = gap, y = 4;
    for (const LegendEntry& e : entries) {
        const int w = marker + l.scale * 3 + static_cast<int>(e.text.size()) * 6 * l.scale;
        if (x > gap && x + w > width) {
            x = gap;
            y += row_height;
        }
        l.at.push_back({x, y});
        x += w + 3 * gap;
    }
    l.height = y + row_height;
    return l;
}

}  // namespace

PlotRange scatter_range(const Tensor& real, const Tensor& modes) {
    check_points(real, "real", false);
    check_points(modes, "mode", true);
    double extent = 0;  // largest |coordinate|: windows are centred on the origin, like the mixtures
    for (const Tensor* t : {&real, &modes}) {
        if (!t->defined()) continue;
        const float* p = t->data();
        for (int64_t i = 0, n = t->numel(); i < n; ++i)
            if (std::isfinite(p[i])) extent = std::max(extent, std::fabs(static_cast<double>(p[i])));
    }
    const double half = nice_ceil(extent > 0 ? extent * 1.1 : 1.0);
    return PlotRange{-half, half, -half, half};
}

Image scatter_image(const Tensor& real, const Tensor& fake, const Tensor& modes,
                    const PlotRange& range, const ScatterOptions& options) {
    check_points(real, "real", false);
    check_points(fake, "generated", false);
    check_points(modes, "mode", true);
    GANTRY_CHECK(options.width >= 16 && options.height >= 16 && options.width <= 4096 &&
                     options.height <= 4096 && options.point_radius >= 0,
                 "scatter: expected 16 to 4096 pixels per side and a radius >= 0, got ",
                 options.width, "x", options.height, " radius ", options.point_radius);
    GANTRY_CHECK(range.x_max > range.x_min && range.y_max > range.y_min,
                 "scatter: expected a non-empty range, got x [", range.x_min, ", ", range.x_max,
                 "] y [", range.y_min, ", ", range.y_max, "]");
    std::vector<LegendEntry> entries;
    if (options.legend) {
        entries = {{"real", kReal, false}, {"generated", kFake, false}};
        if (modes.defined()) entries.push_back({"mode centres", kMode, true});
    }
    const LegendLayout legend = layout_legend(entries, options.width);
    Canvas canvas(options, range, options.legend ? legend.height : 0);
    // A light grid at 1/4 steps of the window, then the axes through the origin when visible.
    for (int k = 1; k < 4; ++k) {
        canvas.vline(range.x_min + (range.x_max - range.x_min) * k / 4, kGrid);
        canvas.hline(range.y_min + (range.y_max - range.y_min) * k / 4, kGrid);
    }
    if (range.x_min <= 0 && range.x_max >= 0) canvas.vline(0, kAxis);
    if (range.y_min <= 0 && range.y_max >= 0) canvas.hline(0, kAxis);
    const auto draw = [&](const Tensor& t, const Rgb& colour) {
        const float* p = t.data();
        for (int64_t i = 0; i < t.size(0); ++i) canvas.disc(p[2 * i], p[2 * i + 1], options.point_radius, colour);
    };
    draw(real, kReal);
    draw(fake, kFake);
    if (modes.defined()) {
        const float* p = modes.data();
        for (int64_t i = 0; i < modes.size(0); ++i)
            canvas.disc(p[2 * i], p[2 * i + 1], options.point_radius + 4, kMode, true);
    }
    // The legend strip: a rule, then a marker and a word per kind of point.
    if (options.legend) {
        canvas.hline_below(options.height, kAxis);
        const int s = legend.scale;
        for (size_t i = 0; i < entries.size(); ++i) {
            const int64_t x = legend.at[i][0], y = options.height + legend.at[i][1];
            const int radius = entries[i].ring ? 3 * s : 2 * s + 1;
            canvas.marker_below(x + 7 * s / 2, y + 7 * s / 2, radius, entries[i].colour, entries[i].ring);
            canvas.text_below(x + 7 * s + 3 * s, y, entries[i].text, s);
        }
    }
    return canvas.take();
}

void scatter_png(const std::filesystem::path& path, const Tensor& real, const Tensor& fake,
                 const Tensor& modes, const ScatterOptions& options) {
    write_png(path, scatter_image(real, fake, modes, scatter_range(real, modes), options));
}

}  // namespace gantry::io
