// SPDX-License-Identifier: Apache-2.0
// The report: statistics over training seeds per configuration, the plots, and the two pages.
#include "report/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "gantry/io/numbers.hpp"
#include "html.hpp"
#include "plots.hpp"
#include "runs.hpp"
#include "metric_direction.hpp"
#include "suggest.hpp"

namespace gantry::report {
namespace fs = std::filesystem;
using detail::Collection;
using detail::RunData;

namespace {

struct Stats {
    size_t n = 0;
    double mean = NAN, se = NAN, median = NAN, min = NAN, max = NAN;
};

Stats stats_of(std::vector<double> v) {
    Stats s;
    s.n = v.size();
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    s.mean = sum / static_cast<double>(s.n);
    if (s.n >= 2) {
        double ss = 0;
        for (double x : v) ss += (x - s.mean) * (x - s.mean);
        s.se = std::sqrt(ss / static_cast<double>(s.n - 1)) / std::sqrt(static_cast<double>(s.n));
    }
    s.median = s.n % 2 ? v[s.n / 2] : 0.5 * (v[s.n / 2 - 1] + v[s.n / 2]);
    s.min = v.front();
    s.max = v.back();
    return s;
}

/// Three significant digits or so, without exponent noise for the usual ranges.
std::string fmt(double v) {
    if (!std::isfinite(v)) return "—";
    char buf[32];
    const double a = std::fabs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e5)) std::snprintf(buf, sizeof buf, "%.3g", v);
    else std::snprintf(buf, sizeof buf, a >= 100 ? "%.1f" : "%.3f", v);
    return buf;
}

/// The run's value of a metric under the selection rule; NaN when it never evaluated it. A metric
/// with no better direction (count_mean, sharpness) has no best iteration: its final value.
double selected(const RunData& run, const std::string& metric, bool best) {
    const Better better = better_direction(metric);
    double out = NAN;
    for (const detail::Row& row : run.evals) {
        auto it = row.values.find(metric);
        if (it == row.values.end()) continue;
        if (!best || better == Better::neither || std::isnan(out) ||
            (better == Better::lower ? it->second < out : it->second > out))
            out = it->second;
    }
    return out;
}

std::string safe_name(std::string s) {
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
    return s;
}

/// Mean and min..max over seeds at each iteration every run of the configuration logged.
detail::Series over_seeds(const std::vector<const RunData*>& runs, const std::string& key, bool evals,
                          const std::string& title) {
    std::map<int64_t, std::vector<double>> at;
    for (const RunData* r : runs)
        for (const detail::Row& row : evals ? r->evals : r->logs)
            if (auto it = row.values.find(key); it != row.values.end() && std::isfinite(it->second))
                at[row.iteration].push_back(it->second);
    detail::Series s{title, {}};
    for (const auto& [it, v] : at) {
        const Stats st = stats_of(v);
        s.points.push_back({static_cast<double>(it), st.mean, st.min, st.max});
    }
    return s;
}

}  // namespace

ReportFiles write_report(const std::string& dir_text, const ReportOptions& options) {
    const fs::path dir = fs::absolute(dir_text).lexically_normal();
    Collection c = detail::collect(dir.string());
    ReportFiles files;
    files.notes = c.notes;
    const std::string selection = !options.selection.empty() ? options.selection
                                  : !c.sweep_selection.empty() ? c.sweep_selection
                                                               : "final";
    GANTRY_CHECK_AS(ConfigError, selection == "final" || selection == "best",
                    "gantry report: --selection must be final or best, got '", selection, "'");
    const bool best = selection == "best";

    // The metrics the runs evaluated (and those the sweep asked for), in order of appearance.
    std::vector<std::string> known = c.sweep_metrics;
    {
        std::set<std::string> seen(known.begin(), known.end());
        for (const RunData& r : c.runs)
            for (const detail::Row& row : r.evals)
                for (const auto& [k, v] : row.values)
                    // eval.jsonl also times each evaluation; that is not a metric.
                    if (k != "seconds" && seen.insert(k).second) known.push_back(k);
    }
    for (const std::string& m : options.metrics) {
        if (std::find(known.begin(), known.end(), m) != known.end()) continue;
        std::string list;
        for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
        const std::string hint = did_you_mean(m, known);
        GANTRY_CHECK_AS(ConfigError, false, "gantry report: --metric ", m, ": no run in ", dir.string(),
                        " evaluated a metric of that name", hint.empty() ? "" : " (" + hint + ")",
                        known.empty() ? std::string("; no run has evaluated any metric yet")
                                      : "; the known metrics: " + list);
    }
    std::vector<std::string> metrics = !options.metrics.empty() ? options.metrics : c.sweep_metrics;
    if (metrics.empty()) metrics = known;
    std::vector<std::string> losses;
    {
        std::set<std::string> seen;
        for (const RunData& r : c.runs)
            for (const detail::Row& row : r.logs)
                for (const auto& [k, v] : row.values)
                    if (k != "it_per_s" && k.find("grad_norm") == std::string::npos && seen.insert(k).second)
                        losses.push_back(k);
    }
    // A logged series equal to another in every row of every run (g/total = g/fake when the loss
    // has one term) is drawn once, its plot naming both.
    std::map<std::string, std::vector<std::string>> same_as;  // plotted loss -> its duplicates
    {
        auto trace = [&](const std::string& key) {
            std::vector<std::tuple<size_t, int64_t, double>> t;
            for (size_t i = 0; i < c.runs.size(); ++i)
                for (const detail::Row& row : c.runs[i].logs)
                    if (auto it = row.values.find(key); it != row.values.end()) t.emplace_back(i, row.iteration, it->second);
            return t;
        };
        std::vector<std::string> kept;
        std::vector<std::vector<std::tuple<size_t, int64_t, double>>> traces;
        for (const std::string& loss : losses) {
            auto t = trace(loss);
            auto twin = std::find(traces.begin(), traces.end(), t);
            if (twin != traces.end() && !t.empty()) {
                same_as[kept[static_cast<size_t>(twin - traces.begin())]].push_back(loss);
            } else {
                kept.push_back(loss);
                traces.push_back(std::move(t));
            }
        }
        losses = kept;
    }

    // Finished runs by configuration; unfinished ones are listed, never averaged.
    const size_t n_conf = c.configurations.size();
    std::vector<std::vector<const RunData*>> by_conf(n_conf);
    std::vector<const RunData*> failures;
    for (const RunData& r : c.runs) {
        if (r.finished()) by_conf[r.configuration].push_back(&r);
        else failures.push_back(&r);
    }

    const fs::path plot_dir = dir / "report";
    fs::create_directories(plot_dir);
    const bool plots = detail::gnuplot_available();
    if (!plots) files.notes.push_back("plots skipped: gnuplot was not found (install gnuplot-nox)");
    std::vector<std::pair<std::string, std::string>> figures;  // (caption, png path)
    auto add_figure = [&](const std::string& caption, const std::string& name, const std::string& problem) {
        if (problem.empty()) figures.emplace_back(caption, (plot_dir / (name + ".png")).string());
        else files.notes.push_back(problem);
    };

    detail::Page page(c.title);
    page.paragraph(std::to_string(c.runs.size()) + " run" + (c.runs.size() == 1 ? "" : "s") + " in " +
                   std::to_string(n_conf) + " configuration" + (n_conf == 1 ? "" : "s") + ", " +
                   std::to_string(failures.size()) + " not finished or failed. Directory: `" + dir.string() + "`.");
    page.paragraph(best ? "**Model selection: best evaluated iteration** of each run, per metric. This is the "
                          "optimistic (oracle) choice: it picks the iteration on the same numbers it reports, so "
                          "the scores are biased upwards; compare with the default, the final iteration."
                        : "**Model selection: final iteration** (the last evaluation of each run). Mean ± standard "
                          "error over training seeds; the best configuration is marked ★.");
    for (const std::string& g : c.grouping) page.paragraph(g);

    for (const std::string& metric : metrics) {
        const Better better = better_direction(metric);
        const bool lower = better == Better::lower;
        std::vector<Stats> conf_stats(n_conf);
        for (size_t k = 0; k < n_conf; ++k) {
            std::vector<double> v;
            for (const RunData* r : by_conf[k])
                if (double x = selected(*r, metric, best); std::isfinite(x)) v.push_back(x);
            conf_stats[k] = stats_of(v);
        }
        // The best mean; every configuration that reaches it exactly shares the ★. A metric that
        // is best when closest to the real data's value gets no ★: the report does not know it.
        double best_mean = NAN;
        for (size_t k = 0; k < n_conf && better != Better::neither; ++k)
            if (conf_stats[k].n > 0 && (std::isnan(best_mean) || (lower ? conf_stats[k].mean < best_mean
                                                                        : conf_stats[k].mean > best_mean)))
                best_mean = conf_stats[k].mean;
        std::set<size_t> winners;
        for (size_t k = 0; k < n_conf; ++k)
            if (conf_stats[k].n > 0 && conf_stats[k].mean == best_mean) winners.insert(k);
        page.heading(metric + (better == Better::neither ? " (closest to the real data's value is best)"
                               : lower                         ? " (lower is better)"
                                                               : " (higher is better)"));
        std::vector<std::vector<std::string>> rows;
        for (size_t k = 0; k < n_conf; ++k) {
            const Stats& s = conf_stats[k];
            const size_t planned = static_cast<size_t>(std::count_if(
                c.runs.begin(), c.runs.end(), [&](const RunData& r) { return r.configuration == k; }));
            rows.push_back({(winners.count(k) ? "★ " : "") + c.configurations[k],
                            fmt(s.mean) + " ± " + fmt(s.se), fmt(s.median), fmt(s.min) + " … " + fmt(s.max),
                            s.n == 0 && !by_conf[k].empty()
                                ? "0 (not evaluated)"
                                : std::to_string(s.n) + (planned > s.n ? " of " + std::to_string(planned) : "")});
        }
        page.table({"configuration", "mean ± s.e.", "median", "min … max", "seeds"}, rows, winners);
        if (winners.size() > 1) {
            std::string names;
            size_t i = 0;
            for (size_t k : winners)
                names += (i++ == 0 ? "" : i == winners.size() ? " and " : ", ") + c.configurations[k];
            page.paragraph("**Tie:** " + names + " have exactly the same mean " + metric + " (" + fmt(best_mean) +
                           "): each is marked ★, " + (winners.size() > 2 ? "none is better than the others." : "neither is better."));
        }
        if (plots) {
            detail::BarPlot bars{"final-" + safe_name(metric),
                                 metric + " per configuration (" + (best ? "best evaluated" : "final") +
                                     " iteration; mean ± s.e. over seeds)",
                                 metric, {}};
            for (size_t k = 0; k < n_conf; ++k)
                bars.bars.push_back({c.configurations[k], conf_stats[k].mean, std::isfinite(conf_stats[k].se) ? conf_stats[k].se : 0});
            add_figure(bars.title, bars.name, detail::draw(plot_dir, bars));
            detail::LinePlot curve{"curve-" + safe_name(metric), metric + " over iterations (mean, band: min–max over seeds)",
                                   "iteration", metric, {}};
            for (size_t k = 0; k < n_conf; ++k) curve.series.push_back(over_seeds(by_conf[k], metric, true, c.configurations[k]));
            add_figure(curve.title, curve.name, detail::draw(plot_dir, curve));
            if (c.random_search && better != Better::neither) {
                detail::LinePlot budget{"budget-" + safe_name(metric),
                                        "best " + metric + " vs number of configurations tried (random search)",
                                        "configurations tried", "best mean " + metric, {}, false};
                detail::Series s{"best so far", {}};
                double so_far = NAN;
                for (size_t k = 0; k < n_conf; ++k) {
                    const double m = conf_stats[k].mean;
                    if (std::isfinite(m) && (std::isnan(so_far) || (lower ? m < so_far : m > so_far))) so_far = m;
                    if (std::isfinite(so_far)) s.points.push_back({static_cast<double>(k + 1), so_far, so_far, so_far});
                }
                budget.series.push_back(s);
                add_figure(budget.title, budget.name, detail::draw(plot_dir, budget));
            }
        }
    }
    if (plots)
        for (const std::string& loss : losses) {
            std::string name = loss;
            for (const std::string& twin : same_as[loss]) name += " = " + twin;
            const std::string also = same_as[loss].empty() ? "" : " (identical series in every run, drawn once)";
            detail::LinePlot curve{"loss-" + safe_name(loss),
                                   name + " over iterations (mean, band: min–max over seeds)" + also, "iteration", name,
                                   {}};
            for (size_t k = 0; k < n_conf; ++k) curve.series.push_back(over_seeds(by_conf[k], loss, false, c.configurations[k]));
            add_figure(curve.title, curve.name, detail::draw(plot_dir, curve));
        }
    if (!figures.empty()) {
        page.heading("Plots");
        for (const auto& [caption, png] : figures) page.figure(png, caption, dir);
    }

    // Samples: the run whose selected value of the first metric is the median of its seeds.
    page.heading("Samples (median-seed run of each configuration)");
    for (size_t k = 0; k < n_conf; ++k) {
        std::vector<const RunData*> runs = by_conf[k];
        if (runs.empty()) continue;
        if (!metrics.empty())
            std::sort(runs.begin(), runs.end(), [&](const RunData* a, const RunData* b) {
                return selected(*a, metrics[0], best) < selected(*b, metrics[0], best);
            });
        const RunData* median = runs[(runs.size() - 1) / 2];
        if (median->sample_png.empty()) {
            files.notes.push_back(c.configurations[k] + ": the median-seed run has no sample image");
            continue;
        }
        page.figure(median->sample_png, c.configurations[k] + " — seed " + std::to_string(median->seed) + ", run " +
                                            median->id + ", " + fs::path(median->sample_png).filename().string(),
                    dir, true);
    }

    page.heading("Failures");
    if (failures.empty()) {
        page.paragraph("None: every run finished.");
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const RunData* r : failures)
            rows.push_back({r->id, r->label, std::to_string(r->seed), r->status, r->message});
        page.table({"run", "configuration", "seed", "status", "message"}, rows);
    }
    if (!files.notes.empty()) {
        page.heading("Notes");
        for (const std::string& n : files.notes) page.paragraph(n);
    }
    files.markdown = (dir / "report.md").string();
    files.html = (dir / "report.html").string();
    io::atomic_write(files.markdown, page.markdown());
    io::atomic_write(files.html, page.html());
    return files;
}

}  // namespace gantry::report
