// SPDX-License-Identifier: Apache-2.0
// The tables of docs/results.md against the raw outputs kept under results/ (issue 18 part 2):
// every table preceded by a marker
//     <!-- results: DIR | rows: ROW... | columns: SPEC... -->
// is recomputed from results/DIR/ROW/*/summary.json (the final metrics of each run, one run per
// training seed) and each written number must equal the recomputed one at the precision written.
// SPEC per column, the first (the row's label) included: `-` (not checked), `METRIC` (the cell's
// "mean ± s.e.", s.e. = sample standard deviation / sqrt(n)), `min:METRIC` / `max:METRIC` (the
// worst or best seed), `best:METRIC` (mean ± s.e. of each run's best evaluation in its
// eval.jsonl, the metric's direction as the report's), `run:FIELD` (mean ± s.e. of a number of
// summary.json itself: iterations, wall_time_s), `atN:METRIC` (mean ± s.e. of each run's value at
// its evaluation of iteration N), `one:METRIC` (the final value of a row that is
// a single run, such as one step of a recipe search), `n` (the number of runs). A ROW may join
// folders with '+' (`a+b`): one row over the runs of both, e.g. seeds 0-2 and 3-5 of one setting
// kept where each sweep wrote them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "metric_direction.hpp"
#include "io/json.hpp"
#include "support/files.hpp"

namespace fs = std::filesystem;
using gantry::testing::lines_of;
using gantry::testing::slurp;

namespace {

const fs::path kSource = GANTRY_SOURCE_DIR;

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::vector<std::string> cells(const std::string& row) {
    std::vector<std::string> out;
    std::string cell;
    for (size_t i = 1; i < row.size(); ++i) {  // row starts with '|'
        if (row[i] == '|') {
            out.push_back(cell);
            cell.clear();
        } else {
            cell += row[i];
        }
    }
    return out;
}

/// A row's folders: ROW split at '+', each under `table_dir`.
using Row = std::vector<fs::path>;

/// The run folders under each folder of `row` (those with a summary.json), in name order per folder.
std::vector<fs::path> run_dirs(const Row& row) {
    std::vector<fs::path> runs;
    for (const fs::path& dir : row) {
        std::vector<fs::path> here;
        for (const auto& e : fs::directory_iterator(dir))
            if (fs::exists(e.path() / "summary.json")) here.push_back(e.path());
        std::sort(here.begin(), here.end());
        runs.insert(runs.end(), here.begin(), here.end());
    }
    return runs;
}

/// The final value of `metric` in each run under `dir` (every */summary.json).
std::vector<double> final_values(const Row& dir, const std::string& metric) {
    std::vector<double> out;
    for (const fs::path& run : run_dirs(dir)) {
        const auto summary = gantry::io::json_fields(slurp(run / "summary.json"), run.string());
        INFO(run.string());
        REQUIRE(summary.count("metrics"));
        const auto metrics = gantry::io::json_fields(summary.at("metrics"), run.string());
        REQUIRE(metrics.count(metric));
        out.push_back(std::stod(metrics.at(metric)));
    }
    return out;
}

/// Each run's best value of `metric` over the evaluations of its eval.jsonl (lower or higher by
/// the metric's direction), in the order of final_values.
std::vector<double> best_values(const Row& dir, const std::string& metric) {
    const bool lower = gantry::better_direction(metric) == gantry::Better::lower;
    std::vector<double> out;
    for (const fs::path& run : run_dirs(dir)) {
        INFO(run.string());
        double best = NAN;
        for (const std::string& line : lines_of(run / "eval.jsonl")) {
            if (line.empty()) continue;
            const auto row = gantry::io::json_fields(line, run.string());
            if (!row.count(metric)) continue;
            const double v = std::stod(row.at(metric));
            if (std::isnan(best) || (lower ? v < best : v > best)) best = v;
        }
        REQUIRE(std::isfinite(best));
        out.push_back(best);
    }
    return out;
}

/// Each run's `metric` at the evaluation of iteration `iteration` in its eval.jsonl: a run that went
/// on past another table's budget still answers for that budget.
std::vector<double> values_at(const Row& dir, int64_t iteration, const std::string& metric) {
    std::vector<double> out;
    for (const fs::path& run : run_dirs(dir)) {
        INFO(run.string() << " at iteration " << iteration);
        double at = NAN;
        for (const std::string& line : lines_of(run / "eval.jsonl")) {
            if (line.empty()) continue;
            const auto row = gantry::io::json_fields(line, run.string());
            if (row.count("iteration") && std::stoll(row.at("iteration")) == iteration && row.count(metric))
                at = std::stod(row.at(metric));
        }
        REQUIRE(std::isfinite(at));
        out.push_back(at);
    }
    return out;
}

/// A top-level number of each run's summary.json (iterations, wall_time_s).
std::vector<double> summary_values(const Row& dir, const std::string& field) {
    std::vector<double> out;
    for (const fs::path& run : run_dirs(dir)) {
        const auto summary = gantry::io::json_fields(slurp(run / "summary.json"), run.string());
        INFO(run.string());
        REQUIRE(summary.count(field));
        out.push_back(std::stod(summary.at(field)));
    }
    return out;
}

/// `value` written with as many decimals as `written` has.
std::string like(double value, const std::string& written) {
    const size_t dot = written.find('.');
    const int decimals = dot == std::string::npos ? 0 : static_cast<int>(written.size() - dot - 1);
    std::ostringstream s;
    s << std::fixed << std::setprecision(decimals) << value;
    std::string out = s.str();
    if (out.rfind("-", 0) == 0 && std::stod(out) == 0) out.erase(0, 1);  // "-0.00" reads "0.00"
    return out;
}

struct Table {
    size_t line = 0;
    std::string dir;
    std::vector<std::string> rows, columns;
};

std::vector<Table> marked_tables(const std::vector<std::string>& doc) {
    static const std::regex marker(R"(<!-- results: (\S+) \| rows: ([^|]+) \| columns: ([^|]+) -->)");
    std::vector<Table> out;
    for (size_t i = 0; i < doc.size(); ++i) {
        std::smatch m;
        if (std::regex_search(doc[i], m, marker)) out.push_back({i, m[1], words(m[2]), words(m[3])});
    }
    return out;
}

}  // namespace

TEST_CASE("results: every marked table of docs/results.md is recomputed from results/", "[docs][results]") {
    const std::vector<std::string> doc = lines_of(kSource / "docs/results.md");
    const std::vector<Table> tables = marked_tables(doc);
    CHECK(tables.size() >= 2);
    static const std::regex number(R"((-?[0-9]+(?:\.[0-9]+)?)(?:\s*±\s*([0-9]+(?:\.[0-9]+)?))?)");
    for (const Table& t : tables) {
        INFO("docs/results.md:" << t.line + 1 << ": results/" << t.dir);
        // The table: a header, the |---| line, then one line per row.
        size_t at = t.line + 1;
        while (at < doc.size() && doc[at].rfind("|", 0) != 0) ++at;
        REQUIRE(at + 2 + t.rows.size() <= doc.size());
        REQUIRE(cells(doc[at]).size() == t.columns.size());
        for (size_t r = 0; r < t.rows.size(); ++r) {
            const std::string& line = doc[at + 2 + r];
            const std::vector<std::string> row = cells(line);
            Row dir;
            std::string where;
            for (size_t begin = 0; begin <= t.rows[r].size();) {
                const size_t plus = std::min(t.rows[r].find('+', begin), t.rows[r].size());
                dir.push_back(kSource / "results" / t.dir / t.rows[r].substr(begin, plus - begin));
                where += (where.empty() ? "" : " + ") + dir.back().string();
                begin = plus + 1;
            }
            INFO(line << "\n  from " << where);
            for (const fs::path& d : dir) REQUIRE(fs::is_directory(d));
            REQUIRE(row.size() == t.columns.size());
            for (size_t c = 0; c < t.columns.size(); ++c) {
                const std::string& spec = t.columns[c];
                if (spec == "-") continue;
                std::string cell = row[c];
                cell.erase(std::remove(cell.begin(), cell.end(), '*'), cell.end());
                std::smatch m;
                INFO("column " << c + 1 << " (" << spec << "): " << cell);
                REQUIRE(std::regex_search(cell, m, number));
                if (spec == "n") {
                    CHECK(m[1].str() == std::to_string(run_dirs(dir).size()));
                    continue;
                }
                const size_t colon = spec.find(':');
                const std::string metric = colon == std::string::npos ? spec : spec.substr(colon + 1);
                const bool at_iteration = std::regex_match(spec.substr(0, colon == std::string::npos ? 0 : colon),
                                                           std::regex("at[0-9]+"));
                const std::vector<double> v =
                    at_iteration                  ? values_at(dir, std::stoll(spec.substr(2, colon - 2)), metric)
                    : spec.rfind("best:", 0) == 0 ? best_values(dir, metric)
                    : spec.rfind("run:", 0) == 0  ? summary_values(dir, metric)
                                                  : final_values(dir, metric);
                if (spec.rfind("one:", 0) == 0) {
                    REQUIRE(v.size() == 1);
                    CHECK(like(v[0], m[1]) == m[1].str());
                    continue;
                }
                REQUIRE(v.size() >= 2);
                if (spec.rfind("min:", 0) == 0) {
                    CHECK(like(*std::min_element(v.begin(), v.end()), m[1]) == m[1].str());
                } else if (spec.rfind("max:", 0) == 0) {
                    CHECK(like(*std::max_element(v.begin(), v.end()), m[1]) == m[1].str());
                } else {
                    double mean = 0, ss = 0;
                    for (double x : v) mean += x;
                    mean /= static_cast<double>(v.size());
                    for (double x : v) ss += (x - mean) * (x - mean);
                    const double se = std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
                    CHECK(like(mean, m[1]) == m[1].str());
                    REQUIRE(m[2].matched);
                    CHECK(like(se, m[2]) == m[2].str());
                }
            }
        }
    }
}
