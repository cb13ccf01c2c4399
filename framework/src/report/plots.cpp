// SPDX-License-Identifier: Apache-2.0
#include "plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "io/atomic_file.hpp"
#include "gantry/io/numbers.hpp"

namespace gantry::report::detail {
namespace fs = std::filesystem;
namespace {

/// A gnuplot single-quoted string ('' is a quote inside it).
std::string gp_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string number(double v) { return std::isfinite(v) ? io::format_double(v) : "NaN"; }

/// Runs the script twice over: PNG for the HTML page, SVG for print.
std::string run_gnuplot(const fs::path& dir, const std::string& name, const std::string& body) {
    std::string script;
    for (const auto& [term, ext] : {std::pair{"pngcairo size 960,480 noenhanced font ',10'", ".png"},
                                    std::pair{"svg size 960,480 noenhanced font 'sans,11'", ".svg"}})
        script += std::string("set terminal ") + term + "\nset output " + gp_quote(name + ext) + "\n" + body + "unset output\n";
    const fs::path gp = dir / (name + ".gp");
    io::atomic_write(gp, script);
    const std::string command = "cd '" + dir.string() + "' && gnuplot '" + name + ".gp' > '" + name + ".gp.log' 2>&1";
    if (std::system(command.c_str()) == 0) {
        fs::remove(dir / (name + ".gp.log"));
        return "";
    }
    std::ifstream log(dir / (name + ".gp.log"));
    std::stringstream text;
    text << log.rdbuf();
    return "gnuplot failed on " + gp.string() + ": " + text.str();
}

const char* kStyle =
    "set grid lc rgb '#dddddd'\nset border lc rgb '#555555'\nset key outside right top\n"
    "set style fill transparent solid 0.18 noborder\n";

}  // namespace

std::pair<double, double> bar_range(const BarPlot& plot) {
    double lo = 0, hi = 0;
    bool any = false;
    for (const Bar& b : plot.bars) {
        if (!std::isfinite(b.value)) continue;
        any = true;
        const double e = std::isfinite(b.error) ? std::fabs(b.error) : 0.0;
        lo = std::min(lo, b.value - e);
        hi = std::max(hi, b.value + e);
    }
    if (!any || hi == lo) return {0.0, 1.0};
    const double pad = 0.05 * (hi - lo);
    return {lo < 0 ? lo - pad : 0.0, hi > 0 ? hi + pad : 0.0};
}

bool gnuplot_available() { return std::system("gnuplot --version > /dev/null 2>&1") == 0; }

std::string draw(const fs::path& dir, const LinePlot& plot) {
    std::ostringstream body;
    body << kStyle << "set title " << gp_quote(plot.title) << "\nset xlabel " << gp_quote(plot.xlabel)
         << "\nset ylabel " << gp_quote(plot.ylabel) << "\nplot ";
    bool first = true;
    for (size_t i = 0; i < plot.series.size(); ++i) {
        const Series& s = plot.series[i];
        if (s.points.empty()) continue;
        const std::string data = plot.name + "-" + std::to_string(i) + ".dat";
        std::string rows = "# x centre low high\n";
        for (const auto& p : s.points) rows += number(p[0]) + " " + number(p[1]) + " " + number(p[2]) + " " + number(p[3]) + "\n";
        io::atomic_write(dir / data, rows);
        const int colour = static_cast<int>(i) + 1;
        if (!first) body << ", \\\n     ";
        first = false;
        if (plot.bands)
            body << gp_quote(data) << " using 1:3:4 with filledcurves lc " << colour << " notitle, ";
        body << gp_quote(data) << " using 1:2 with linespoints lw 2 pt 7 ps 0.4 lc " << colour << " title "
             << gp_quote(s.title);
    }
    if (first) return "nothing to plot for " + plot.name;
    body << "\n";
    return run_gnuplot(dir, plot.name, body.str());
}

std::string draw(const fs::path& dir, const BarPlot& plot) {
    if (std::none_of(plot.bars.begin(), plot.bars.end(), [](const Bar& b) { return std::isfinite(b.value); }))
        return "nothing to plot for " + plot.name + " (no configuration has a value)";
    const auto [y_lo, y_hi] = bar_range(plot);
    std::string rows = "# label value error\n";
    for (const Bar& b : plot.bars) {
        std::string label = b.label;
        for (char& c : label)
            if (c == '"') c = '\'';
        rows += "\"" + label + "\" " + number(b.value) + " " + number(b.error) + "\n";
    }
    const std::string data = plot.name + ".dat";
    io::atomic_write(dir / data, rows);
    std::ostringstream body;
    body << kStyle << "set title " << gp_quote(plot.title) << "\nset ylabel " << gp_quote(plot.ylabel)
         << "\nset style fill solid 0.55 border lc rgb '#333333'\nset boxwidth 0.6\nset key off\n"
         << "set xtics rotate by -25 left\nset xrange [-0.6:" << plot.bars.size() - 0.4 << "]\nset bmargin 8\n"
         << "set yrange [" << number(y_lo) << ":" << number(y_hi) << "]\nset xzeroaxis lt -1\n"
         << "plot " << gp_quote(data) << " using 0:2:xtic(1) with boxes lc rgb '#4477aa', \\\n     "
         << gp_quote(data) << " using 0:2:3 with yerrorbars lc rgb '#222222' pt 0 lw 1.5\n";
    return run_gnuplot(dir, plot.name, body.str());
}

}  // namespace gantry::report::detail
