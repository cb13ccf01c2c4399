// SPDX-License-Identifier: Apache-2.0
#include "runs.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "config/document.hpp"
#include "config/experiment.hpp"
#include "gantry/error.hpp"

namespace gantry::report::detail {
namespace fs = std::filesystem;
namespace {

std::vector<Row> read_rows(const fs::path& file) {
    std::vector<Row> rows;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("iteration")) continue;  // a torn or foreign line
        Row row;
        row.iteration = j["iteration"].get<int64_t>();
        for (const auto& [k, v] : j.items())
            if (k != "iteration" && v.is_number()) row.values[k] = v.get<double>();
        rows.push_back(std::move(row));
    }
    return rows;
}

void read_run_files(RunData& run) {
    const fs::path dir = run.dir;
    run.evals = read_rows(dir / "eval.jsonl");
    run.logs = read_rows(dir / "metrics.jsonl");
    if (std::ifstream in(dir / "summary.json"); in) {
        const auto s = nlohmann::json::parse(in, nullptr, false);
        if (s.is_object() && run.status.empty()) {
            run.status = s.value("status", "");
            if (run.message.empty()) run.message = s.value("message", "");
        }
    }
    if (run.status.empty()) run.status = fs::exists(dir) ? "interrupted" : "missing";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / "samples", ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("iter-", 0) == 0 && e.path().extension() == ".png" &&
            (run.sample_png.empty() || name > fs::path(run.sample_png).filename().string()))
            run.sample_png = e.path().string();
    }
}

/// `key.path` -> scalar text for every leaf of a YAML tree (list items as `key[i]`).
void flatten(const config::Node& node, const std::string& path, std::map<std::string, std::string>& out) {
    if (node.is_mapping()) {
        for (const config::Entry& e : node.entries) flatten(e.value, path.empty() ? e.key : path + "." + e.key, out);
    } else if (node.is_sequence()) {
        bool scalars = true;
        for (const config::Node& item : node.items) scalars = scalars && (item.is_scalar() || item.is_null());
        if (scalars) {  // [a, b] as one value: a list of metrics differs as a whole
            std::string text = "[";
            for (size_t i = 0; i < node.items.size(); ++i) text += (i ? ", " : "") + node.items[i].scalar;
            out[path] = text + "]";
        } else {
            for (size_t i = 0; i < node.items.size(); ++i) flatten(node.items[i], path + "[" + std::to_string(i) + "]", out);
        }
    } else {
        out[path] = node.is_null() ? "null" : node.scalar;
    }
}

/// Experiment name, seed and configuration identity of a run directory, from its experiment.yaml
/// (the resolved experiment). The identity is that of a sweep's run ids without the seed: the
/// configuration hash of the experiment with seed and threads cleared. A file that does not load
/// as an experiment (hand-edited, a newer format) is identified by its text without those keys.
void read_identity(RunData& run, std::vector<std::string>& notes) {
    const std::string file = (fs::path(run.dir) / "experiment.yaml").string();
    config::Diagnostics d;
    const config::Node root = config::load_yaml_file(file, d);
    if (const config::Node* n = root.is_mapping() ? root.find("experiment") : nullptr) run.label = n->scalar;
    if (const config::Node* n = root.is_mapping() ? root.find("seed") : nullptr) {
        try {
            run.seed = std::stoull(n->scalar);
        } catch (const std::exception&) {
        }
    }
    if (run.label.empty()) run.label = fs::path(run.dir).parent_path().filename().string();
    try {
        config::ExperimentSpec spec = config::load_experiment(
            file, {}, [](const std::vector<std::string>&) -> const plugin::Catalog* { return nullptr; },
            config::Spelling::v1);
        spec.seed = 0;
        spec.threads = 0;
        run.identity = config::config_hash(spec);
        config::Diagnostics ignored;
        flatten(config::parse_yaml(config::to_yaml(spec), file, ignored), "", run.settings);
    } catch (const Error& e) {
        flatten(root, "", run.settings);
        const std::string why = e.what();
        notes.push_back(file + " does not load as an experiment (" + why.substr(0, why.find('\n')) +
                        "); its run is grouped by the file's text");
    }
    run.settings.erase("seed");
    run.settings.erase("threads");
    if (run.identity.empty()) {
        std::string text;
        for (const auto& [k, v] : run.settings) text += k + "=" + v + "\n";
        run.identity = "text:" + config::fnv1a_hex(text);
    }
}

/// The run's experiment.yaml as the sweep resolved its runs (null catalogue, v1 names accepted),
/// with `threads` cleared; throws when it does not load.
config::ExperimentSpec run_experiment_spec(const std::string& run_dir) {
    config::ExperimentSpec spec = config::load_experiment(
        (fs::path(run_dir) / "experiment.yaml").string(), {},
        [](const std::vector<std::string>&) -> const plugin::Catalog* { return nullptr; }, config::Spelling::v1);
    spec.threads = 0;
    return spec;
}

/// Configurations of plain runs: one per identity, in order of first appearance. Configurations
/// that share an experiment name are labelled with the keys that tell them apart.
void group_runs(Collection& c) {
    std::vector<std::string> identities;
    std::vector<const RunData*> first;
    for (RunData& run : c.runs) {
        auto known = std::find(identities.begin(), identities.end(), run.identity);
        run.configuration = static_cast<size_t>(known - identities.begin());
        if (known == identities.end()) {
            identities.push_back(run.identity);
            first.push_back(&run);
        }
    }
    c.configurations.clear();
    for (const RunData* r : first) c.configurations.push_back(r->label);
    std::vector<std::string> labels = c.configurations;
    std::set<std::string> done;
    for (size_t k = 0; k < first.size(); ++k) {
        const std::string& name = first[k]->label;
        std::vector<size_t> same;
        for (size_t j = 0; j < first.size(); ++j)
            if (first[j]->label == name) same.push_back(j);
        if (same.size() < 2 || !done.insert(name).second) continue;
        std::set<std::string> keys;
        for (size_t a : same)
            for (size_t b : same) {
                const auto& sa = first[a]->settings;
                const auto& sb = first[b]->settings;
                for (const auto& [key, value] : sa)
                    if (auto it = sb.find(key); it == sb.end() || it->second != value) keys.insert(key);
            }
        std::vector<std::string> differing(keys.begin(), keys.end());
        std::string list;
        for (size_t i = 0; i < differing.size(); ++i) list += (i ? ", " : "") + std::string("`") + differing[i] + "`";
        c.grouping.push_back(std::to_string(same.size()) + " configurations are named " + name + ": they differ in " +
                             (differing.empty() ? std::string("nothing the report can name") : list) +
                             ", so they are reported apart, not averaged as seeds of one.");
        constexpr size_t kShown = 3;
        for (size_t j : same) {
            std::string label = name + " (";
            for (size_t i = 0; i < differing.size() && i < kShown; ++i) {
                auto it = first[j]->settings.find(differing[i]);
                label += (i ? ", " : "") + differing[i] + "=" + (it == first[j]->settings.end() ? "—" : it->second);
            }
            if (differing.size() > kShown) label += ", +" + std::to_string(differing.size() - kShown) + " more";
            if (differing.empty()) label += first[j]->identity;
            labels[j] = label + ")";
        }
    }
    c.configurations = labels;
    for (RunData& run : c.runs) run.label = c.configurations[run.configuration];
}

}  // namespace

std::string current_run_id(const std::string& run_dir) {
    try {
        return config::config_hash(run_experiment_spec(run_dir)).substr(0, 12);
    } catch (const Error&) {
        return {};
    }
}

std::string configuration_drift(const std::string& run_dir, const std::string& planned_yaml) {
    std::map<std::string, std::string> now, planned;
    config::Diagnostics ignored;
    try {
        flatten(config::parse_yaml(config::to_yaml(run_experiment_spec(run_dir)), run_dir, ignored), "", now);
    } catch (const Error& e) {
        const std::string why = e.what();
        return "its experiment.yaml does not load (" + why.substr(0, why.find('\n')) + ")";
    }
    flatten(config::parse_yaml(planned_yaml, "planned", ignored), "", planned);
    now.erase("threads");
    planned.erase("threads");
    std::string out;
    auto add = [&](const std::string& key, const std::string& from, const std::string& to) {
        out += (out.empty() ? "" : ", ") + key + " " + from + " → " + to;
    };
    for (const auto& [key, value] : planned) {
        auto it = now.find(key);
        if (it == now.end()) add(key, value, "(absent)");
        else if (it->second != value) add(key, value, it->second);
    }
    for (const auto& [key, value] : now)
        if (!planned.count(key)) add(key, "(absent)", value);
    return out;
}

Collection collect(const std::string& dir) {
    Collection c;
    const fs::path root = dir;
    // A path on the command line that is no run or sweep directory is a bad command line (exit 2),
    // as for gantry sample, project, studio and run --resume.
    GANTRY_CHECK_AS(ConfigError, fs::exists(root), "gantry report: ", dir, " does not exist");
    GANTRY_CHECK_AS(ConfigError, fs::is_directory(root), "gantry report: ", dir,
                    " is not a directory; give a run directory or a sweep directory");
    if (std::ifstream in(root / "sweep.json"); in) {
        const auto s = nlohmann::json::parse(in, nullptr, false);
        GANTRY_CHECK_AS(DataError, s.is_object() && s.contains("runs"), "gantry report: ", (root / "sweep.json").string(),
                        " is not a sweep state file (corrupt?); delete it and run the sweep again to rewrite it");
        c.is_sweep = true;
        c.title = "sweep " + s.value("sweep", root.filename().string());
        c.random_search = s.value("random_search", false);
        c.configurations = s.value("configurations", std::vector<std::string>{});
        c.sweep_metrics = s.value("metrics", std::vector<std::string>{});
        c.sweep_selection = s.value("selection", "final");
        c.notes = s.value("notes", std::vector<std::string>{});
        for (const auto& r : s["runs"]) {
            RunData run;
            run.id = r.value("id", "");
            run.dir = (root / r.value("dir", "")).lexically_normal().string();
            run.label = r.value("label", "");
            run.configuration = r.value("configuration", size_t{0});
            run.seed = r.value("seed", uint64_t{0});
            const std::string status = r.value("status", "");
            // The sweep knows about runs that failed before writing anything; finished runs speak
            // for themselves through summary.json.
            if (status == "failed" || status == "pending" || status == "running" || status == "interrupted") {
                run.status = status;
                run.message = r.value("message", "");
            }
            read_run_files(run);
            // A run resumed with other settings (`gantry run --resume DIR --set ...`) or edited
            // since the sweep planned it is not its configuration any more: say so, naming it.
            if (fs::exists(fs::path(run.dir) / "experiment.yaml")) {
                const std::string now = current_run_id(run.dir);
                if (!now.empty() && now != run.id) {
                    const std::string changed = r.value("changed", "");
                    c.notes.push_back("run " + run.id + " ('" + run.label + "' seed " + std::to_string(run.seed) +
                                      ") no longer has the configuration the sweep planned" +
                                      (changed.empty() ? std::string(" (resumed or edited with other settings)")
                                                       : ": " + changed) +
                                      "; its numbers are not those of '" + run.label + "'");
                }
            }
            c.runs.push_back(std::move(run));
        }
        return c;
    }
    std::vector<fs::path> run_dirs;
    if (fs::exists(root / "experiment.yaml")) {
        run_dirs.push_back(root);
    } else {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) break;
            if (it.depth() >= 2) it.disable_recursion_pending();
            if (it->is_directory() && fs::exists(it->path() / "experiment.yaml")) {
                run_dirs.push_back(it->path());
                it.disable_recursion_pending();
            }
        }
        std::sort(run_dirs.begin(), run_dirs.end());
    }
    GANTRY_CHECK_AS(ConfigError, !run_dirs.empty(), "gantry report: ", dir,
                    " holds no run (no experiment.yaml in it or in its sub-directories up to two levels down)"
                    "; give a run directory or a sweep directory");
    c.title = run_dirs.size() == 1 ? "run " + run_dirs[0].filename().string() : root.filename().string();
    for (const fs::path& p : run_dirs) {
        RunData run;
        run.dir = p.string();
        run.id = p.filename().string();
        read_identity(run, c.notes);
        read_run_files(run);
        c.runs.push_back(std::move(run));
    }
    group_runs(c);
    return c;
}

}  // namespace gantry::report::detail
