// SPDX-License-Identifier: Apache-2.0
#pragma once
/// An experiment file (docs/configuration.md), checked and resolved: includes merged, --set
/// overrides applied, every default filled in, plugin options checked against their tables.
///
/// Example:
/// ```
/// gantry::config::ExperimentSpec spec =
///     gantry::config::load_experiment("experiments/ring.yaml", {"seed=3"}, &catalog);
/// write_file(run_dir / "experiment.yaml", spec.resolved_yaml);
/// ```
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gantry/architecture.hpp"
#include "gantry/config/diagnostics.hpp"
#include "gantry/plugin/catalog.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry::config {

/// A `plugin:` section: the plugin's name and its checked options (defaults filled in).
struct PluginSection {
    std::string plugin;
    plugin::Options options;
    /// Option names in the plugin's declared order (the order of the resolved YAML).
    std::vector<std::string> option_order;
};

struct GeneratorSection : PluginSection {
    /// Noise dimension: a runtime key, not passed to the plugin.
    int64_t latent = 64;
};

struct DiscriminatorSection : PluginSection {
    /// PacGAN packing (arXiv:1712.04086): samples joined per discriminator input. Runtime key.
    int64_t pack = 1;
};

enum class OptimizerType { adam, sgd, rmsprop };
enum class LrScheduleType { constant, linear, cosine };

/// Learning rate over the run: lr at iteration 0, lr * final_lr at the last iteration.
struct LrSchedule {
    LrScheduleType type = LrScheduleType::constant;
    /// Fraction of lr reached at the last iteration (linear, cosine).
    double final_lr = 0.0;
};

/// PyTorch's optimizer options; the fields a type does not use keep their defaults.
struct OptimizerSpec {
    OptimizerType type = OptimizerType::adam;
    double lr = 2e-4;
    std::array<double, 2> betas{0.5, 0.999};  // adam
    double eps = 1e-8;                        // adam, rmsprop
    double weight_decay = 0.0;
    bool amsgrad = false;                     // adam
    double momentum = 0.0;                    // sgd, rmsprop
    bool nesterov = false;                    // sgd
    double alpha = 0.99;                      // rmsprop
    LrSchedule schedule;
};

struct Step {
    Role train = Role::discriminator;
    int64_t repeat = 1;
};

/// Exponential moving average of the generator's weights; decay 0 = off.
struct Ema {
    double decay = 0.0;
    /// First iteration that updates the average (before it, the average is a copy).
    int64_t start = 0;
};

struct Schedule {
    int64_t iterations = 0;
    int64_t batch = 64;
    std::vector<Step> steps;
    Ema ema;
};

/// Early stop: stop once `metric` has been >= at_least (or <= at_most) for `patience`
/// evaluations in a row.
struct StopWhen {
    std::string metric;
    std::optional<double> at_least;
    std::optional<double> at_most;
    int64_t patience = 1;
};

struct Evaluate {
    /// Iterations between evaluations; 0 = only at the end.
    int64_t every = 1000;
    int64_t samples = 2500;
    std::vector<std::string> metrics;
    std::optional<StopWhen> stop_when;
    /// `evaluate.options`: the options of metric plugins the file sets, one section per plugin
    /// (in file order); a metric plugin not named here runs with its defaults.
    std::vector<PluginSection> options;
};

struct Optimizers {
    OptimizerSpec generator;
    OptimizerSpec discriminator;
};

struct Log {
    int64_t every = 50;
};

struct Samples {
    int64_t every = 1000;
    int64_t grid = 64;
};

struct Checkpoint {
    int64_t every = 1000;
    int64_t keep = 2;
};

struct ExperimentSpec {
    std::string experiment;
    uint64_t seed = 0;
    /// 0 = all cores.
    int64_t threads = 0;
    /// Plugin directories, absolute.
    std::vector<std::string> plugins;
    PluginSection data;
    GeneratorSection generator;
    DiscriminatorSection discriminator;
    PluginSection loss;
    Optimizers optimizers;
    Schedule schedule;
    Evaluate evaluate;
    Log log;
    Samples samples;
    Checkpoint checkpoint;
    /// Metric name → the metric plugin that provides it (empty without a catalogue).
    std::vector<std::pair<std::string, std::string>> metric_plugins;

    /// The experiment file and its directory (relative paths in plugin options resolve there).
    std::string source_file;
    std::string base_dir;
    /// The whole resolved experiment as YAML, keys in schema order: loading it gives this spec.
    std::string resolved_yaml;
    /// FNV-1a 64 of resolved_yaml, 16 hex digits: identifies the configuration.
    std::string config_hash;
};

/// Loads, checks and resolves an experiment file. `overrides` are "key.path=value" strings
/// applied after includes. Without a catalogue (nullptr) plugin names and options are only
/// checked for form, not against plugin tables. Throws ConfigErrors listing every problem.
ExperimentSpec load_experiment(const std::string& path,
                               const std::vector<std::string>& overrides = {},
                               const plugin::Catalog* catalog = nullptr);

/// For the plugin host: which plugins exist depends on the experiment's `plugins:` directories,
/// so the catalogue is asked for once they are known (absolute, in the file's order). May
/// return nullptr (no catalogue: plugin sections are checked for form only).
using CatalogProvider =
    std::function<const plugin::Catalog*(const std::vector<std::string>& plugin_dirs)>;

ExperimentSpec load_experiment(const std::string& path, const std::vector<std::string>& overrides,
                               const CatalogProvider& catalog);

/// As load_experiment, for YAML text; `file` names it in messages and anchors relative paths.
ExperimentSpec parse_experiment(std::string_view text, const std::string& file,
                                const std::vector<std::string>& overrides = {},
                                const plugin::Catalog* catalog = nullptr);

/// Every option of `plugin` at its default, checked like a section of an experiment file that
/// gives no option (`where` names it in messages). Throws ConfigError for a required option.
plugin::Options default_options(const plugin::PluginInfo& plugin, const std::string& where);

/// The canonical YAML of a spec (what resolved_yaml holds).
std::string to_yaml(const ExperimentSpec& spec);

/// FNV-1a 64 of `text` as 16 lower-case hex digits.
std::string fnv1a_hex(std::string_view text);

const char* to_string(OptimizerType type);
const char* to_string(LrScheduleType type);

}  // namespace gantry::config
