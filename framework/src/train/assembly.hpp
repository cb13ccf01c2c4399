// SPDX-License-Identifier: Apache-2.0
#pragma once
/// An experiment turned into the objects that train it: the plugins' dataset, networks, loss and
/// metrics, the optimizers and the Trainer that runs the schedule. No run directory, no output:
/// `gantry run`, `gantry sample`, `gantry validate` and a benchmark all start here.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gantry/architecture.hpp"
#include "config/experiment.hpp"
#include "gantry/data.hpp"
#include "gantry/loss.hpp"
#include "gantry/metric.hpp"
#include "trainer/trainer.hpp"

namespace gantry::train {

struct PluginSession;

/// A metric plugin and the metric names it is asked for.
struct MetricPlugin {
    std::unique_ptr<Metric> metric;
    std::vector<std::string> names;
};

/// Everything one run holds, in the order it is built. The plugin objects live in libraries the
/// host never unloads, so an Assembly may outlive the session that made it.
struct Assembly {
    config::ExperimentSpec spec;
    std::unique_ptr<Dataset> dataset;
    DataInfo data;
    std::unique_ptr<Architecture> generator_arch, discriminator_arch;
    std::unique_ptr<Loss> loss;
    /// The `terms:` of G's objective, in file order.
    std::vector<std::unique_ptr<Loss>> terms;
    /// Conditional data only: where evaluation and sample grids take their pairs from — the
    /// dataset plugin again with `split: test` when it has that option, else the training data.
    std::unique_ptr<Dataset> heldout;
    std::vector<MetricPlugin> metrics;
    std::unique_ptr<Trainer> trainer;
};

/// The metric plugins `spec` names, each with the metrics asked of it and its options
/// (evaluate.options.<plugin> when the file sets them, else the plugin's defaults): what a run's
/// evaluation and `gantry eval` score with.
/// The data's test split (the data section with `split: test`), or null when the dataset plugin
/// has no `split` option offering `test`: conditional evaluation, `gantry eval`, `train-classifier`.
std::unique_ptr<Dataset> create_heldout(const config::ExperimentSpec& spec, PluginSession& session,
                                        const plugin::Context& context);

std::vector<MetricPlugin> create_metrics(const config::ExperimentSpec& spec, PluginSession& session,
                                         const plugin::Context& context);

/// Creates the experiment's plugins from `session` (the one that resolved `spec`) and builds the
/// networks, optimizers and trainer at iteration 0. Throws config::ConfigErrors (file:line:col)
/// when the experiment asks for `precision: bf16` on a CPU without it; ConfigError naming the
/// section (file, line:col) when an architecture refuses its options or the data's condition, a
/// term needs paired data the dataset does not give, or the critic has batch norm under a
/// gradient penalty; PluginError or DataError as the plugins do.
Assembly assemble(const config::ExperimentSpec& spec, PluginSession& session);

}  // namespace gantry::train
