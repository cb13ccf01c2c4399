// SPDX-License-Identifier: Apache-2.0
#include "train/assembly.hpp"

#include <algorithm>
#include <map>

#include "gantry/error.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "plugin/host.hpp"
#include "gantry/random.hpp"
#include "train/plugin_session.hpp"
#include "train/optimizers.hpp"
#include "train/run.hpp"

namespace gantry::train {

namespace {

/// The run seed's stream that initialises the networks (the trainer and the outputs have theirs).
constexpr uint64_t kInitStream = 3;

bool has_batch_norm(nn::Module& m) {
    bool found = false;
    m.apply([&](nn::Module& child) { found = found || dynamic_cast<nn::BatchNorm*>(&child) != nullptr; });
    return found;
}

/// The metric plugins the experiment names, each with the metrics asked of it and its options
/// (evaluate.options.<plugin> when the file sets them, else the plugin's defaults).
std::vector<MetricPlugin> create_metrics(const config::ExperimentSpec& spec, PluginSession& session,
                                         const plugin::Context& context) {
    std::map<std::string, std::vector<std::string>> by_plugin;
    for (const auto& [metric, plugin_name] : spec.metric_plugins) by_plugin[plugin_name].push_back(metric);
    std::vector<MetricPlugin> metrics;
    for (auto& [plugin_name, names] : by_plugin) {
        // A copy of the name: clang 14 cannot capture a structured binding in a lambda.
        const std::string name = plugin_name;
        const auto set = std::find_if(spec.evaluate.options.begin(), spec.evaluate.options.end(),
                                      [&](const config::PluginSection& s) { return s.plugin == name; });
        const plugin::Options options =
            set != spec.evaluate.options.end()
                ? set->options
                : config::default_options(*session.host->find(plugin::Kind::metric, name),
                                          spec.source_file + ": evaluate.metrics");
        metrics.push_back({session.host->create_metric(name, options, context), names});
    }
    return metrics;
}

/// An architecture that refuses its options at build time (the mlp refuses batch norm in D)
/// throws a plain Error: without this the user would get exit 1 and a message naming neither
/// the file nor the section to change.
std::shared_ptr<nn::Module> build_network(Architecture& arch, const NetworkSpec& network,
                                          const config::ExperimentSpec& spec, const char* section,
                                          const std::string& plugin_name) {
    try {
        return arch.build(network);
    } catch (const PluginError&) {
        throw;
    } catch (const DataError&) {
        throw;
    } catch (const OutputError&) {
        throw;
    } catch (const ConfigError&) {
        throw;
    } catch (const Error& e) {
        throw ConfigError(detail::concat(spec.source_file, ": ", section, ": plugin '", plugin_name,
                                         "' cannot build the ", section, " with these options: ",
                                         e.what()));
    }
}

TrainerOptions trainer_options(const config::ExperimentSpec& spec) {
    TrainerOptions options;
    options.iterations = spec.schedule.iterations;
    options.batch = spec.schedule.batch;
    options.steps = spec.schedule.steps;
    options.latent = spec.generator.latent;
    options.pack = spec.discriminator.pack;
    options.ema_decay = spec.schedule.ema.decay;
    options.ema_start = spec.schedule.ema.start;
    options.seed = spec.seed;
    options.generator_lr = spec.optimizers.generator.schedule;
    options.discriminator_lr = spec.optimizers.discriminator.schedule;
    return options;
}

}  // namespace

Assembly assemble(const config::ExperimentSpec& spec, PluginSession& session) {
    Assembly run;
    run.spec = spec;
    plugin::Host& host = *session.host;
    const plugin::Context context{spec.seed, spec.base_dir};
    run.dataset = host.create_dataset(spec.data.plugin, spec.data.options, context);
    run.data = run.dataset->info();
    run.generator_arch = host.create_architecture(spec.generator.plugin, spec.generator.options, context);
    run.discriminator_arch =
        host.create_architecture(spec.discriminator.plugin, spec.discriminator.options, context);
    run.loss = host.create_loss(spec.loss.plugin, spec.loss.options, context);
    run.metrics = create_metrics(spec, session, context);

    // G first, then D, from one stream: the initial weights are a function of the seed alone.
    Rng init_rng(spec.seed, kInitStream);
    NetworkSpec g_spec{Role::generator, run.data, spec.generator.latent, 1, &init_rng};
    NetworkSpec d_spec{Role::discriminator, run.data, spec.generator.latent, spec.discriminator.pack, &init_rng};
    TrainerParts parts;
    parts.generator = build_network(*run.generator_arch, g_spec, spec, "generator", spec.generator.plugin);
    parts.discriminator =
        build_network(*run.discriminator_arch, d_spec, spec, "discriminator", spec.discriminator.plugin);
    GANTRY_CHECK_AS(ConfigError, !(run.loss->penalizes_input_gradient() && has_batch_norm(*parts.discriminator)),
                    spec.source_file, ": discriminator: batch normalisation in a critic under a "
                    "gradient penalty (loss '", spec.loss.plugin, "') makes each sample's gradient "
                    "depend on the whole batch, so the per-sample penalty is wrong (Gulrajani et "
                    "al. 2017, sec. 4); use layer normalisation or none in the discriminator");
    if (spec.schedule.ema.decay > 0) {
        Rng scratch(spec.seed, kInitStream + 100);  // its values are overwritten by G's
        g_spec.init_rng = &scratch;
        parts.generator_ema = run.generator_arch->build(g_spec);
    }
    parts.loss = run.loss.get();
    parts.dataset = run.dataset.get();
    parts.generator_optimizer = make_optimizer(spec.optimizers.generator, parts.generator->parameters());
    parts.discriminator_optimizer =
        make_optimizer(spec.optimizers.discriminator, parts.discriminator->parameters());
    run.trainer = std::make_unique<Trainer>(trainer_options(spec), std::move(parts));
    return run;
}

void check_experiment_builds(const config::ExperimentSpec& spec, PluginSession& session) {
    (void)assemble(spec, session);
}

}  // namespace gantry::train
