// SPDX-License-Identifier: Apache-2.0
#include "runs.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config/document.hpp"
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

/// experiment and seed of a run directory's experiment.yaml (the resolved file: both present).
void read_identity(RunData& run) {
    config::Diagnostics d;
    const config::Node root = config::load_yaml_file((fs::path(run.dir) / "experiment.yaml").string(), d);
    if (const config::Node* n = root.is_mapping() ? root.find("experiment") : nullptr) run.label = n->scalar;
    if (const config::Node* n = root.is_mapping() ? root.find("seed") : nullptr) {
        try {
            run.seed = std::stoull(n->scalar);
        } catch (const std::exception&) {
        }
    }
    if (run.label.empty()) run.label = fs::path(run.dir).parent_path().filename().string();
}

}  // namespace

Collection collect(const std::string& dir) {
    Collection c;
    const fs::path root = dir;
    GANTRY_CHECK_AS(DataError, fs::is_directory(root), "gantry report: ", dir, " is not a directory");
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
    GANTRY_CHECK_AS(DataError, !run_dirs.empty(), "gantry report: ", dir,
                    " holds no run (no experiment.yaml in it or in its sub-directories up to two levels down)"
                    "; give a run directory or a sweep directory");
    c.title = run_dirs.size() == 1 ? "run " + run_dirs[0].filename().string() : root.filename().string();
    for (const fs::path& p : run_dirs) {
        RunData run;
        run.dir = p.string();
        run.id = p.filename().string();
        read_identity(run);
        auto known = std::find(c.configurations.begin(), c.configurations.end(), run.label);
        run.configuration = static_cast<size_t>(known - c.configurations.begin());
        if (known == c.configurations.end()) c.configurations.push_back(run.label);
        read_run_files(run);
        c.runs.push_back(std::move(run));
    }
    return c;
}

}  // namespace gantry::report::detail
