// SPDX-License-Identifier: Apache-2.0
// The sweep file: its schema, the expansion of grid / runs / random / seeds into runs, and the
// validation of every run against the base experiment.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "config/section.hpp"
#include "config/values.hpp"
#include "config/document.hpp"
#include "io/paths.hpp"
#include "suggest.hpp"
#include "sweep/sweep.hpp"

namespace gantry::sweep {
namespace fs = std::filesystem;
using config::Diagnostics;
using config::Mark;
using config::Node;
using config::detail::Section;

namespace {

/// More runs than this is a typo (three grid axes of 30 values, random.n: 1e9), not a study: refused
/// before anything is expanded, so a sweep file cannot make the loader run out of memory.
constexpr int64_t kMaxRuns = 10000;

/// A node as one line of flow YAML, the form `--set` parses back to the same node.
std::string flow_yaml(const Node& node) {
    switch (node.type) {
        case Node::Type::null: return "null";
        case Node::Type::scalar: {
            if (!node.quoted) return node.scalar;
            std::string out = "'";
            for (char c : node.scalar) out += c == '\'' ? std::string("''") : std::string(1, c);
            return out + "'";
        }
        case Node::Type::sequence: {
            std::string out = "[";
            for (size_t i = 0; i < node.items.size(); ++i) out += (i ? ", " : "") + flow_yaml(node.items[i]);
            return out + "]";
        }
        case Node::Type::mapping: {
            std::string out = "{";
            for (size_t i = 0; i < node.entries.size(); ++i)
                out += (i ? ", " : "") + node.entries[i].key + ": " + flow_yaml(node.entries[i].value);
            return out + "}";
        }
    }
    return "null";
}

/// One configuration before the seeds: overrides in the order their keys were declared, and the
/// name a `runs:` entry may give it (`label:`).
struct Configuration {
    std::vector<Override> overrides;
    std::string label;
};

bool check_key(const config::Entry& e, const std::string& path, Diagnostics& d) {
    if (e.key.empty() || e.key.front() == '.' || e.key.back() == '.' ||
        e.key.find("..") != std::string::npos || e.key.find('=') != std::string::npos) {
        d.add(e.key_mark, path, "expected a key path such as loss.plugin, got '" + e.key + "'");
        return false;
    }
    return true;
}

std::vector<Configuration> read_grid(const Node& grid, Diagnostics& d) {
    if (!grid.is_mapping() || grid.entries.empty()) {
        d.add(grid.mark, "grid", "expected a mapping of key paths to lists of values, got " + config::describe(grid));
        return {};
    }
    std::vector<Configuration> product{{}};
    for (const config::Entry& e : grid.entries) {
        const std::string path = "grid." + e.key;
        if (!check_key(e, path, d)) continue;
        if (!e.value.is_sequence() || e.value.items.empty()) {
            d.add(e.value.mark, path, "expected a non-empty list of values, got " + config::describe(e.value),
                  "a single value is a list of one: [" + flow_yaml(e.value) + "]");
            continue;
        }
        if (product.size() * e.value.items.size() > static_cast<size_t>(kMaxRuns)) {
            d.add(e.value.mark, path, "the grid expands to more than " + std::to_string(kMaxRuns) + " configurations",
                  "sweep fewer values, or split the study into several sweeps");
            return {};
        }
        std::vector<Configuration> next;
        for (const Configuration& c : product)
            for (const Node& v : e.value.items) {
                Configuration extended = c;
                extended.overrides.push_back({e.key, flow_yaml(v), v.mark});
                next.push_back(std::move(extended));
            }
        product = std::move(next);
    }
    return product;
}

std::vector<Configuration> read_runs(const Node& runs, Diagnostics& d) {
    if (!runs.is_sequence() || runs.items.empty()) {
        d.add(runs.mark, "runs", "expected a non-empty list of override mappings, got " + config::describe(runs));
        return {};
    }
    std::vector<Configuration> out;
    for (size_t i = 0; i < runs.items.size(); ++i) {
        const Node& item = runs.items[i];
        const std::string path = "runs[" + std::to_string(i) + "]";
        if (!item.is_mapping()) {
            d.add(item.mark, path, "expected a mapping of key paths to values, got " + config::describe(item));
            continue;
        }
        Configuration c;
        for (const config::Entry& e : item.entries) {
            if (e.key == "label") {
                if (auto v = config::detail::read_string(e.value, path + ".label", d)) c.label = *v;
            } else if (check_key(e, path + "." + e.key, d)) {
                c.overrides.push_back({e.key, flow_yaml(e.value), e.value.mark});
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

/// A uniform double in [0, 1) from the top 53 bits: the same on every platform (std::
/// uniform_real_distribution is not specified bit for bit).
double unit(std::mt19937_64& gen) { return static_cast<double>(gen() >> 11) * 0x1.0p-53; }

std::vector<Configuration> read_random(const Node& random, uint64_t& hyper_seed, Diagnostics& d) {
    Section s(&random, "random", d, random.mark);
    int64_t n = 0;
    const Node* n_node = s.take("n");
    if (n_node) {
        if (auto v = config::detail::read_integer(*n_node, "random.n", d, {1, kMaxRuns, false, false})) n = *v;
    } else {
        s.missing("n", "the number of configurations to draw");
    }
    if (const Node* seed = s.take("seed"))
        if (auto v = config::detail::read_unsigned(*seed, "random.seed", d)) hyper_seed = *v;
    const Node* params = s.take("params");
    s.finish();
    if (!params) {
        s.missing("params", "a mapping of key paths to {uniform: [lo, hi]}, {log_uniform: [lo, hi]} or {choice: [...]}");
        return {};
    }
    if (!params->is_mapping() || params->entries.empty()) {
        d.add(params->mark, "random.params", "expected a mapping of key paths to distributions, got " +
                                                 config::describe(*params));
        return {};
    }
    struct Distribution {
        std::string key, kind;
        double lo = 0, hi = 0;
        const Node* choices = nullptr;
        Mark mark;
    };
    std::vector<Distribution> dists;
    const std::vector<std::string> kinds = {"uniform", "log_uniform", "choice"};
    for (const config::Entry& e : params->entries) {
        const std::string path = "random.params." + e.key;
        if (!check_key(e, path, d)) continue;
        if (!e.value.is_mapping() || e.value.entries.size() != 1) {
            d.add(e.value.mark, path, "expected one of {uniform: [lo, hi]}, {log_uniform: [lo, hi]}, {choice: [...]}, got " +
                                          config::describe(e.value));
            continue;
        }
        const config::Entry& kind = e.value.entries.front();
        Distribution dist{e.key, kind.key, 0, 0, nullptr, e.value.mark};
        const std::string kpath = path + "." + kind.key;
        if (std::find(kinds.begin(), kinds.end(), kind.key) == kinds.end()) {
            d.add(kind.key_mark, kpath, "unknown distribution '" + kind.key + "'",
                  did_you_mean(kind.key, kinds).empty() ? "expected uniform, log_uniform or choice"
                                                                : did_you_mean(kind.key, kinds));
            continue;
        }
        if (kind.key == "choice") {
            if (!kind.value.is_sequence() || kind.value.items.empty()) {
                d.add(kind.value.mark, kpath, "expected a non-empty list, got " + config::describe(kind.value));
                continue;
            }
            dist.choices = &kind.value;
        } else {
            auto bounds = config::detail::read_list<double>(
                kind.value, kpath, d, "a list [lo, hi]",
                [&](const Node& item, const std::string& p) { return config::detail::read_number(item, p, d); });
            if (!bounds) continue;
            if (bounds->size() != 2 || !((*bounds)[0] < (*bounds)[1])) {
                d.add(kind.value.mark, kpath, "expected [lo, hi] with lo < hi, got " + flow_yaml(kind.value));
                continue;
            }
            if (kind.key == "log_uniform" && !((*bounds)[0] > 0)) {
                d.add(kind.value.mark, kpath, "expected bounds > 0 for a log-uniform draw, got " + flow_yaml(kind.value));
                continue;
            }
            dist.lo = (*bounds)[0];
            dist.hi = (*bounds)[1];
        }
        dists.push_back(dist);
    }
    if (n <= 0 || dists.size() != params->entries.size()) return {};
    std::mt19937_64 gen(hyper_seed);
    std::vector<Configuration> out;
    for (int64_t i = 0; i < n; ++i) {
        Configuration c;
        for (const Distribution& dist : dists) {
            const double u = unit(gen);
            std::string value;
            if (dist.kind == "uniform") {
                value = config::detail::format_number(dist.lo + u * (dist.hi - dist.lo));
            } else if (dist.kind == "log_uniform") {
                const double a = std::log(dist.lo), b = std::log(dist.hi);
                value = config::detail::format_number(std::clamp(std::exp(a + u * (b - a)), dist.lo, dist.hi));
            } else {
                const size_t k = dist.choices->items.size();
                value = flow_yaml(dist.choices->items[std::min(k - 1, static_cast<size_t>(u * static_cast<double>(k)))]);
            }
            c.overrides.push_back({dist.key, value, dist.mark});
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<Override> read_seeds(const Node& seeds, Diagnostics& d) {
    std::vector<Override> out;
    if (seeds.is_scalar()) {
        if (auto n = config::detail::read_integer(seeds, "seeds", d, {1, 10000, false, false}))
            for (int64_t i = 0; i < *n; ++i) out.push_back({"seed", std::to_string(i), seeds.mark});
        return out;
    }
    auto list = config::detail::read_list<uint64_t>(
        seeds, "seeds", d, "a count or a list of seeds",
        [&](const Node& item, const std::string& p) { return config::detail::read_unsigned(item, p, d); });
    if (!list) return out;
    if (list->empty()) d.add(seeds.mark, "seeds", "expected at least one seed, got an empty list");
    for (size_t i = 0; i < list->size(); ++i) out.push_back({"seed", std::to_string((*list)[i]), seeds.items[i].mark});
    return out;
}

std::string label_of(const Configuration& c) {
    if (!c.label.empty()) return c.label;
    std::string label;
    for (const Override& o : c.overrides)
        if (o.key != "seed") label += (label.empty() ? "" : " ") + o.assignment();
    return label.empty() ? "base" : label;
}

}  // namespace

std::vector<std::string> SweepRun::assignments() const {
    std::vector<std::string> out;
    for (const Override& o : overrides) out.push_back(o.assignment());
    return out;
}

const char* to_string(Backend backend) { return backend == Backend::local ? "local" : "slurm"; }
const char* to_string(Selection selection) {
    return selection == Selection::final_iteration ? "final" : "best";
}

namespace {
SweepSpec read_sweep(const Node& root, Diagnostics& d, const std::string& path, const Resolver& resolve);
}  // namespace

SweepSpec load_sweep(const std::string& path, const Resolver& resolve) {
    Diagnostics d;
    const Node root = config::load_yaml_file(path, d);
    d.throw_if_any();
    return read_sweep(root, d, path, resolve);
}

SweepSpec parse_sweep(std::string_view text, const std::string& path, const Resolver& resolve) {
    Diagnostics d;
    const Node root = config::parse_yaml(text, path, d);
    d.throw_if_any();
    return read_sweep(root, d, path, resolve);
}

namespace {
SweepSpec read_sweep(const Node& root, Diagnostics& d, const std::string& path, const Resolver& resolve) {
    SweepSpec spec;
    spec.file = fs::absolute(path).lexically_normal().string();
    Section s(&root, "", d, Mark{path, 1, 1});
    if (!s.present()) d.throw_if_any();
    if (const Node* n = s.take("sweep")) {
        if (auto v = config::detail::read_string(*n, "sweep", d)) {
            spec.name = *v;
            try {
                io::check_path_component(spec.name, "sweep name");
            } catch (const OutputError& e) {
                d.add(n->mark, "sweep", std::string("expected a name that can be a directory name: ") + e.what());
            }
        }
    } else {
        s.missing("sweep", "the sweep's name; its runs go to <out>/<sweep>/");
    }
    if (const Node* n = s.take("base")) {
        if (auto v = config::detail::read_string(*n, "base", d)) {
            const fs::path base = (fs::path(spec.file).parent_path() / *v).lexically_normal();
            if (!fs::is_regular_file(base))
                d.add(n->mark, "base", "expected an experiment file, got '" + *v + "' (" + base.string() + " does not exist)",
                      "the path is relative to the sweep file");
            spec.base = base.string();
        }
    } else {
        s.missing("base", "the experiment file every run starts from");
    }
    std::vector<std::vector<Configuration>> terms;
    bool any_term = false;
    if (const Node* n = s.take("grid")) terms.push_back(read_grid(*n, d)), any_term = true;
    if (const Node* n = s.take("runs")) terms.push_back(read_runs(*n, d)), any_term = true;
    if (const Node* n = s.take("random")) {
        terms.push_back(read_random(*n, spec.hyper_seed, d));
        spec.random_search = any_term = true;
    }
    std::vector<Override> seeds;
    if (const Node* n = s.take("seeds")) seeds = read_seeds(*n, d);
    // `set:` applies to every run, like --set, and is not part of the configurations' labels.
    std::vector<Override> common;
    if (const Node* n = s.take("set")) {
        if (!n->is_mapping()) d.add(n->mark, "set", "expected a mapping of key paths to values, got " + config::describe(*n));
        else
            for (const config::Entry& e : n->entries)
                if (check_key(e, "set." + e.key, d)) common.push_back({e.key, flow_yaml(e.value), e.value.mark});
    }
    if (const Node* n = s.take("parallel"))
        if (auto v = config::detail::read_integer(*n, "parallel", d, {1, 1024, false, false})) spec.parallel = static_cast<int>(*v);
    if (const Node* n = s.take("backend"))
        if (auto v = config::detail::read_string(*n, "backend", d, {"local", "slurm"}))
            spec.backend = *v == "slurm" ? Backend::slurm : Backend::local;
    if (const Node* n = s.take("report")) {
        Section r(n, "report", d, n->mark);
        if (const Node* m = r.take("metrics"))
            if (auto v = config::detail::read_list<std::string>(*m, "report.metrics", d, "a list of metric names",
                    [&](const Node& item, const std::string& p) { return config::detail::read_string(item, p, d); }))
                spec.report_metrics = *v;
        std::string selection = "final";
        r.string("selection", selection, {"final", "best"});
        spec.selection = selection == "best" ? Selection::best_evaluated : Selection::final_iteration;
        r.finish();
    }
    s.finish();
    if (!any_term && seeds.empty())
        d.add(root.mark, "", "a sweep needs runs: give grid:, runs:, random: or seeds:");
    d.throw_if_any();

    // The configurations: the product of the terms present (grid x runs x random), each crossed
    // with the training seeds. A key set by two terms is ambiguous.
    size_t runs = seeds.empty() ? 1 : seeds.size();
    for (const std::vector<Configuration>& term : terms) {
        runs *= std::max<size_t>(1, term.size());  // each factor is at most kMaxRuns: no overflow
        if (runs > static_cast<size_t>(kMaxRuns)) {
            d.add(root.mark, "", "the sweep expands to more than " + std::to_string(kMaxRuns) +
                                     " runs (grid x runs x random x seeds)",
                  "sweep fewer values, or split the study into several sweeps");
            d.throw_if_any();
        }
    }
    std::vector<Configuration> configurations{{}};
    for (const std::vector<Configuration>& term : terms) {
        std::vector<Configuration> next;
        for (const Configuration& a : configurations)
            for (const Configuration& b : term) {
                Configuration c = a;
                if (!b.label.empty()) c.label += (c.label.empty() ? "" : " ") + b.label;
                for (const Override& o : b.overrides) {
                    auto same = std::find_if(c.overrides.begin(), c.overrides.end(),
                                             [&](const Override& x) { return x.key == o.key; });
                    if (same != c.overrides.end()) {
                        d.add(o.mark, o.key, "this key is also set at line " + std::to_string(same->mark.line) +
                                                 "; a key may be swept by one of grid, runs and random only");
                        continue;
                    }
                    c.overrides.push_back(o);
                }
                next.push_back(std::move(c));
            }
        configurations = std::move(next);
    }
    if (!seeds.empty())
        for (const Configuration& c : configurations)
            for (const Override& o : c.overrides)
                if (o.key == "seed")
                    d.add(o.mark, "seed", "the training seed is set both here and by seeds:", "keep one of them");
    d.throw_if_any();

    std::map<std::string, size_t> label_index;
    std::map<std::string, size_t> id_owner;
    for (const Configuration& c : configurations) {
        const std::string label = label_of(c);
        const auto [it, fresh] = label_index.try_emplace(label, spec.configurations.size());
        if (fresh) spec.configurations.push_back(label);
        const std::vector<Override> run_seeds = seeds.empty() ? std::vector<Override>{Override{}} : seeds;
        for (const Override& seed : run_seeds) {
            SweepRun run;
            run.overrides = common;
            run.overrides.insert(run.overrides.end(), c.overrides.begin(), c.overrides.end());
            if (!seed.key.empty()) run.overrides.push_back(seed);
            run.label = label;
            run.configuration = it->second;
            try {
                config::ExperimentSpec resolved = resolve(spec.base, run.assignments());
                run.seed = resolved.seed;
                run.experiment = resolved.experiment;
                resolved.threads = 0;
                run.run_id = config::config_hash(resolved).substr(0, 12);
                run.planned_yaml = config::to_yaml(resolved);
            } catch (const config::ConfigErrors& e) {
                // Problems of an override are placed at its value in the sweep file.
                for (const config::Diagnostic& p : e.records()) {
                    auto from = std::find_if(run.overrides.begin(), run.overrides.end(),
                                             [&](const Override& o) { return p.file == "--set " + o.assignment(); });
                    if (from == run.overrides.end())
                        d.add(Mark{p.file, p.line, p.col}, p.key_path, p.message, p.hint);
                    else
                        d.add(from->mark, p.key_path, p.message + " (override " + from->assignment() + ")", p.hint);
                }
                continue;
            }
            if (auto [owner, fresh_id] = id_owner.try_emplace(run.run_id, spec.runs.size()); !fresh_id) {
                spec.notes.push_back("'" + run.label + "' seed " + std::to_string(run.seed) +
                                     " resolves to the same experiment as '" + spec.runs[owner->second].label +
                                     "' seed " + std::to_string(spec.runs[owner->second].seed) + " (run " +
                                     run.run_id + "); it runs once");
                continue;
            }
            spec.runs.push_back(std::move(run));
        }
    }
    d.throw_if_any();
    return spec;
}
}  // namespace

}  // namespace gantry::sweep
