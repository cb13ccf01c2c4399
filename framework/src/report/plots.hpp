// SPDX-License-Identifier: Apache-2.0
#pragma once
// Report plots drawn by gnuplot (a separate process fed a generated script and data files), each
// as PNG (pngcairo) and SVG.
#include <array>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace gantry::report::detail {

/// One curve with a band: x, centre, band low, band high.
struct Series {
    std::string title;
    std::vector<std::array<double, 4>> points;
};

struct LinePlot {
    std::string name;  // file stem, one safe path component
    std::string title;
    std::string xlabel;
    std::string ylabel;
    std::vector<Series> series;
    bool bands = true;
};

struct Bar {
    std::string label;
    double value = 0;
    double error = 0;
};

struct BarPlot {
    std::string name;
    std::string title;
    std::string ylabel;
    std::vector<Bar> bars;
};

/// The y range of a bar chart: it always includes zero (bars are lengths: an axis from 2.055 to
/// 2.105 would make equal bars look different), and every bar with its error bar, plus 5 %.
/// {0, 1} when no bar has a finite value.
std::pair<double, double> bar_range(const BarPlot& plot);

/// True when `gnuplot` can be started.
bool gnuplot_available();

/// Draws <dir>/<name>.png and .svg. Returns "" or what went wrong (gnuplot's own message).
std::string draw(const std::filesystem::path& dir, const LinePlot& plot);
std::string draw(const std::filesystem::path& dir, const BarPlot& plot);

}  // namespace gantry::report::detail
