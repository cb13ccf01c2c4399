// SPDX-License-Identifier: Apache-2.0
// `gantry eval --fake FILE.npy|DIR --real FILE|RUN_DIR | --real-plugin NAME [--set k=v]...
//  [--metrics fd,kid,...] [--samples N] [--threads N] [--cache DIR]`: samples made anywhere,
// scored like a run's evaluation (train::evaluate_samples); one JSON line, then a table.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "command.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/threads.hpp"
#include "io/json.hpp"
#include "train/eval_samples.hpp"

namespace gantry::cli {
namespace {

std::string pad(const std::string& s, size_t width) { return s.size() >= width ? s : s + std::string(width - s.size(), ' '); }

std::string detail_of(const MetricValue& v, const std::string& key) {
    const auto it = v.details.find(key);
    return it == v.details.end() ? "-" : it->second;
}

/// The JSON line: what was read, then each metric as in eval.jsonl (value, <metric>_details).
std::string json_line(const train::EvalResult& r) {
    io::JsonLine line;
    line.add("fake", r.fake).add("n_fake", r.n_fake).add("real", r.real);
    for (const MetricValue& v : r.values) {
        line.add(v.name, v.value);
        io::JsonLine details;
        for (const auto& [k, d] : v.details) details.add(k, d);
        line.add_raw(v.name + "_details", details.str());
    }
    line.add("seconds", r.seconds);
    return line.str();
}

/// metric | value | floor | n_real | n_fake, then the details every metric shares, once.
std::string table(const train::EvalResult& r) {
    std::vector<std::vector<std::string>> rows = {{"metric", "value", "floor", "n_real", "n_fake"}};
    for (const MetricValue& v : r.values)
        rows.push_back({v.name, io::format_double(v.value), detail_of(v, "floor"), detail_of(v, "n_real"),
                        detail_of(v, "n_fake")});
    std::vector<size_t> width(rows[0].size(), 0);
    for (const auto& row : rows)
        for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) line += (i ? "  " : "") + pad(row[i], width[i]);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    // Provenance shown once: every detail key but the columns, with its values.
    std::map<std::string, std::set<std::string>> shared;
    for (const MetricValue& v : r.values)
        for (const auto& [k, d] : v.details)
            if (k != "floor" && k != "n_real" && k != "n_fake") shared[k].insert(d);
    out += "fake: " + r.fake + "\nreal: " + r.real + "\n";
    for (const auto& [k, values] : shared) {
        if (k == "real") continue;
        std::string joined;
        for (const std::string& d : values) joined += (joined.empty() ? "" : " | ") + d;
        out += k + ": " + joined + "\n";
    }
    return out;
}

}  // namespace

GANTRY_COMMAND("eval", "score samples made anywhere (.npy or a folder of PNGs) against real data, as a run's evaluation does",
               [](CLI::App& app) {
                   auto request = std::make_shared<train::EvalRequest>();
                   auto samples = std::make_shared<int64_t>(0);
                   auto threads = std::make_shared<int>(0);
                   app.add_option("--fake", request->fake, "the samples: a .npy file (images in [0, 255], as "
                                                           "gantry sample --format npy writes) or a folder of PNG files")
                       ->required();
                   app.add_option("--real", request->real.experiment,
                                  "the real data: an experiment file or a run directory (its data section, "
                                  "evaluate.metrics and evaluate.options)");
                   app.add_option("--real-plugin", request->real.plugin,
                                  "the real data as a dataset plugin; its options with --set data.<option>=VALUE");
                   app.add_option("--set", request->real.overrides,
                                  "override a key of the real data's document: key.path=value (value in YAML), "
                                  "repeatable (data.*, evaluate.options.*, seed)")
                       ->allow_extra_args(false);
                   app.add_option("--metrics", request->metrics,
                                  "metric names, comma-separated (default: the experiment's, else fd, kid, "
                                  "precision, recall for images and modes, high_quality, kl_modes for mixtures)")
                       ->delimiter(',');
                   CLI::Option* samples_option =
                       app.add_option("--samples", *samples, "score the first N samples only (default: all)");
                   app.add_option("--threads", *threads, "threads (default: all cores)");
                   app.add_option("--cache", request->cache_dir,
                                  "folder where metric plugins keep real features between calls (default: none)");
                   return [=] {
                       set_num_threads(*threads);
                       if (samples_option->count() > 0) request->samples = *samples;
                       const train::EvalResult r = train::evaluate_samples(*request);
                       for (const std::string& warning : r.warnings)
                           std::fprintf(stderr, "gantry eval: warning: %s\n", warning.c_str());
                       std::printf("%s\n%s", json_line(r).c_str(), table(r).c_str());
                       return 0;
                   };
               });

}  // namespace gantry::cli
