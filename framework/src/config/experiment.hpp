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
#include <span>
#include <variant>
#include <string>
#include <vector>

#include "gantry/architecture.hpp"
#include "config/diagnostics.hpp"
#include "gantry/optim/adam.hpp"
#include "gantry/optim/rmsprop.hpp"
#include "gantry/optim/sgd.hpp"
#include "plugin/catalog.hpp"
#include "gantry/plugin/options.hpp"
#include "gantry/precision.hpp"
#include "trainer/schedule.hpp"

namespace gantry::config {

/// A `plugin:` section: the plugin's name and its checked options (defaults filled in).
struct PluginSection {
    std::string plugin;
    plugin::Options options;
    /// The option names the resolved YAML writes, in the plugin's declared order: every option
    /// but an added one (Descriptor::added_options) left at its default.
    std::vector<std::string> option_order;
    /// Where the section names its plugin ("file:line:col"), for the messages of checks that
    /// need the plugins themselves (assembly: a condition an architecture refuses).
    std::string where;
};

struct GeneratorSection : PluginSection {
    /// Noise dimension: a runtime key, not passed to the plugin.
    int64_t latent = 64;
};

struct DiscriminatorSection : PluginSection {
    /// PacGAN packing (arXiv:1712.04086): samples joined per discriminator input. Runtime key.
    int64_t pack = 1;
};

/// The adversarial loss, or a term of the generator's objective (`terms:`): a loss plugin and the
/// weight of its generator terms. Runtime key.
struct LossSection : PluginSection {
    /// `loss.weight` 0 makes a reconstruction-only model: G ignores D, and D's steps are skipped.
    double weight = 1.0;
};

/// Which optimizer and its options: the alternative is the `type` key, each options struct is
/// filled from its type's key table (framework/src/config/keys.cpp). The framework sections below
/// are filled by the reader; their defaults live in those tables, not in these structs.
using OptimizerOptions = std::variant<optim::AdamOptions, optim::SGDOptions, optim::RMSpropOptions>;

struct OptimizerSpec {
    OptimizerOptions options;
    /// The learning rate over the run (`schedule:` of the optimizer).
    train::LrSchedule schedule;
};

/// "adam", "sgd" or "rmsprop".
const char* type_name(const OptimizerOptions& options);
/// The base learning rate of any type.
double learning_rate(const OptimizerOptions& options);

/// Exponential moving average of the generator's weights; decay 0 = off.
struct Ema {
    double decay = 0.0;
    /// First iteration that updates the average (before it, the average is a copy).
    int64_t start = 0;
    /// TF's ExponentialMovingAverage with num_updates: the t-th update (t = 0, 1, ... from
    /// `start`) uses min(decay, (1 + t) / (10 + t)), so early averages are meaningful. Written
    /// in the resolved experiment only when true: files without it keep their hash.
    bool warmup = false;
};

struct Schedule {
    int64_t iterations = 0;
    int64_t batch = 0;
    std::vector<train::Step> steps;
    Ema ema;
};

/// evaluate.stop_when: exactly one of at_least, at_most (a bound) or min_delta (a plateau, as
/// Keras' and Lightning's EarlyStopping: stop when `metric` has not improved on its best by more
/// than min_delta for `patience` evaluations in a row).
struct StopWhen {
    std::string metric;
    std::optional<double> at_least;
    std::optional<double> at_most;
    std::optional<double> min_delta;
    /// With min_delta: true when lower is better ("mode: min"); defaults to the metric's direction.
    bool minimize = false;
    int64_t patience = 1;

    bool operator==(const StopWhen&) const = default;
};

struct Evaluate {
    /// Iterations between evaluations; 0 = only at the end.
    int64_t every = 0;
    int64_t samples = 0;
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
    int64_t every = 0;
};

struct Samples {
    int64_t every = 0;
    int64_t grid = 0;
};

struct Checkpoint {
    int64_t every = 0;
    int64_t keep = 0;
};

struct ExperimentSpec {
    std::string experiment;
    uint64_t seed = 0;
    /// 0 = all cores.
    int64_t threads = 0;
    /// The arithmetic of convolutions and matmuls in training iterations (docs/performance.md).
    /// Written in the resolved experiment only when bf16: files without it keep their hash.
    Precision precision = Precision::fp32;
    /// Where `precision` was set (file:line:col, or the --set text), for the message of a CPU
    /// without bf16; empty when the default applies.
    Mark precision_mark;
    /// Plugin directories, absolute.
    std::vector<std::string> plugins;
    PluginSection data;
    GeneratorSection generator;
    DiscriminatorSection discriminator;
    LossSection loss;
    /// Further terms of the generator's objective (reconstruction, perceptual), each a loss
    /// plugin with its weight; empty for a plain GAN.
    std::vector<LossSection> terms;
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
    /// Identifies the configuration: config_hash(*this), 16 hex digits.
    std::string config_hash;
};

/// The spelling of renamed keys (docs/configuration.md, "The configuration's identity"):
/// `current`, or that of hash format v1. Emitting with v1 gives the text the hash is taken over;
/// reading with v1 also accepts the v1 names (a run's own experiment.yaml written before a rename).
enum class Spelling { current, v1 };

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
                               const CatalogProvider& catalog, Spelling accept = Spelling::current);

/// As load_experiment, for YAML text; `file` names it in messages and anchors relative paths.
ExperimentSpec parse_experiment(std::string_view text, const std::string& file,
                                const std::vector<std::string>& overrides = {},
                                const plugin::Catalog* catalog = nullptr);

/// The sections of an experiment that name data and how it is scored, without a model: `seed`,
/// `plugins`, `data` and `evaluate`'s `metrics` and `options` — what `gantry eval` and
/// `gantry train-classifier --data` read. From an experiment file (`file`; its other keys, and
/// evaluate's other keys, are dropped before `overrides` apply) or, when `file` is empty, from
/// the document `data: {plugin: <data_plugin>}` alone (relative paths of overrides then resolve
/// against the current directory). Every other field of the result keeps its default;
/// resolved_yaml and config_hash stay empty. Throws ConfigErrors listing every problem.
ExperimentSpec load_data_sections(const std::string& file, const std::string& data_plugin,
                                  const std::vector<std::string>& overrides, const CatalogProvider& catalog);

/// Every option of `plugin` at its default, checked like a section of an experiment file that
/// gives no option (`where` names it in messages). Throws ConfigError for a required option.
plugin::Options default_options(const plugin::PluginInfo& plugin, const std::string& where);

/// The canonical YAML of a spec (what resolved_yaml holds, with Spelling::current).
std::string to_yaml(const ExperimentSpec& spec, Spelling spelling = Spelling::current);

/// FNV-1a 64 of to_yaml(spec, Spelling::v1), 16 hex digits: a configuration's identity does not
/// change when a key is renamed (sweeps key their run directories by it).
std::string config_hash(const ExperimentSpec& spec);

/// FNV-1a 64 of `text` as 16 lower-case hex digits.
std::string fnv1a_hex(std::string_view text);

/// One key of a framework section's table (framework/src/config/keys.cpp), for the docs' key
/// tables and for tests.
struct KeyDoc {
    /// "adam", "lr_schedule", "step", "log", ...
    std::string table;
    /// Where the table's section is ("optimizers.<network>.schedule").
    std::string path;
    std::string name;
    /// "integer", "number", "boolean", "two numbers", "constant | linear | cosine"; "" for a
    /// structured key (a list or a sub-section read by its own code).
    std::string type;
    /// YAML text; nullopt = required (or, for a structured key, absent by default).
    std::optional<std::string> default_value;
    double lo = 0, hi = 0;
    bool lo_open = false, hi_open = false;
    /// " >= 1", " in [0, 1)", "".
    std::string range;
    std::string doc;
    /// When the key applies, in words ("type linear or cosine"); empty = always.
    std::string only_with;
    /// Its name in hash format v1 when it has been renamed since.
    std::string v1_name;
};

std::vector<KeyDoc> framework_keys();

/// The Markdown table of one key table (`KeyDoc::table`): docs/configuration.md holds each one,
/// and a test fails when they differ.
std::string key_table_markdown(const std::string& table);

}  // namespace gantry::config
