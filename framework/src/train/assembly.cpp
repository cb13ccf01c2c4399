// SPDX-License-Identifier: Apache-2.0
#include "train/assembly.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "gantry/datasets/condition.hpp"
#include "gantry/error.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "plugin/host.hpp"
#include "gantry/random.hpp"
#include "gantry/threads.hpp"
#include "gantry/precision.hpp"
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

}  // namespace

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

namespace {

/// "file:line:col: " of a section's plugin name (the file alone for a spec built by hand).
std::string at(const config::ExperimentSpec& spec, const config::PluginSection& section) {
    return (section.where.empty() ? spec.source_file : section.where) + ": ";
}

/// "samples (1, 28, 28) with conditions (1, 7, 7)": what an architecture was asked to fit.
std::string describe_data(const config::ExperimentSpec& spec, const NetworkSpec& network) {
    return "data '" + spec.data.plugin + "' (samples " + network.data.sample_shape.str() +
           (network.condition.rank() > 0 ? ", conditions " + network.condition.str()
                                         : std::string(", no condition")) +
           ")";
}

/// An architecture that refuses its options or the data at build time (the mlp refuses batch
/// norm in D, a U-Net data without a condition) throws a plain Error: without this the user
/// would get exit 1 and a message naming neither the file nor the section to change.
std::shared_ptr<nn::Module> build_network(Architecture& arch, const NetworkSpec& network,
                                          const config::ExperimentSpec& spec, const char* section,
                                          const config::PluginSection& plugin) {
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
        throw ConfigError(detail::concat(at(spec, plugin), section, ".plugin: plugin '", plugin.plugin, "' cannot build the ", section,
                                         " for ", describe_data(spec, network),
                                         " with these options: ", e.what()));
    }
}

/// Plugin API 2.1 added conditions: a 2.0 plugin's object has none of the new virtual functions,
/// so it is never asked, and a 2.0 architecture is refused on conditional data, which it would
/// silently read as class ids.
bool knows_conditions(PluginSession& session, plugin::Kind kind, const std::string& name) {
    const plugin::PluginInfo* info = session.host->find(kind, name);
    return info && (info->api_major > 2 || (info->api_major == 2 && info->api_minor >= 1));
}

/// The wiring of a conditional experiment, checked before anything is built.
void check_conditions(const config::ExperimentSpec& spec, PluginSession& session,
                      const std::optional<Shape>& condition, const Assembly& run) {
    if (condition) {
        for (const auto& [section, plugin] :
             {std::pair<const char*, const config::PluginSection*>{"generator", &spec.generator},
              {"discriminator", &spec.discriminator}})
            GANTRY_CHECK_AS(ConfigError, knows_conditions(session, plugin::Kind::architecture, plugin->plugin),
                            at(spec, *plugin), section, ".plugin: architecture plugin '", plugin->plugin,
                            "' was built for plugin API 2.0, which has no conditions, but ",
                            describe_data(spec, NetworkSpec{Role::generator, run.data, 0, 1, nullptr, *condition}),
                            " (", at(spec, spec.data), "data.plugin) gives one per sample; rebuild the plugin "
                            "against Gantry's SDK 2.1 or use an architecture that takes a condition "
                            "(unet, srresnet, patchgan)");
        return;
    }
    auto check_unpaired = [&](const Loss& loss, const config::PluginSection& section, const std::string& path) {
        if (!knows_conditions(session, plugin::Kind::loss, section.plugin) || !loss.needs_pairs()) return;
        throw ConfigError(detail::concat(at(spec, section), path, ".plugin: '", section.plugin,
                                         "' compares G's output with a paired target, but data '",
                                         spec.data.plugin, "' (", at(spec, spec.data),
                                         "data.plugin) has no condition and so no target; use a "
                                         "paired dataset (e.g. paired) or remove it"));
    };
    check_unpaired(*run.loss, spec.loss, "loss");
    for (size_t i = 0; i < run.terms.size(); ++i)
        check_unpaired(*run.terms[i], spec.terms[i], "terms[" + std::to_string(i) + "]");
}

/// bf16 on a CPU without avx512_core_bf16 (or with oneDNN capped below it): refused before
/// anything is built, since oneDNN would run it emulated or on its reference kernels, slower than
/// fp32 and with nothing gained.
void check_precision(const config::ExperimentSpec& spec) {
    const std::string missing = missing_cpu_isa(spec.precision);
    if (missing.empty()) return;
    config::Diagnostics d;
    const config::Mark where = spec.precision_mark.file.empty() ? config::Mark{spec.source_file} : spec.precision_mark;
    d.add(where, "precision",
          std::string(to_string(spec.precision)) + " runs on oneDNN's " + missing + " kernels, which this CPU lacks " +
              "(oneDNN's instruction set here: " + cpu_isa() + ", capped by ONEDNN_MAX_CPU_ISA if set)",
          "use precision: fp32 on this machine");
    d.throw_if_any();
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
    options.ema_warmup = spec.schedule.ema.warmup;
    options.seed = spec.seed;
    options.generator_lr = spec.optimizers.generator.schedule;
    options.discriminator_lr = spec.optimizers.discriminator.schedule;
    options.adversarial_weight = spec.loss.weight;
    options.precision = spec.precision;
    return options;
}

}  // namespace

Assembly assemble(const config::ExperimentSpec& spec, PluginSession& session) {
    check_precision(spec);
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
    for (const config::LossSection& term : spec.terms)
        run.terms.push_back(host.create_loss(term.plugin, term.options, context));
    const std::optional<Shape> condition = datasets::find_condition_shape(run.data);
    check_conditions(spec, session, condition, run);
    if (condition) {
        run.heldout = create_heldout(spec, session, context);
        if (run.heldout) {
            const DataInfo heldout = run.heldout->info();
            GANTRY_CHECK_AS(DataError, heldout.sample_shape == run.data.sample_shape &&
                                           datasets::find_condition_shape(heldout) == condition,
                            at(spec, spec.data), "data.plugin: the test split of data '", spec.data.plugin,
                            "' has samples ", heldout.sample_shape, " where the training split has ",
                            run.data.sample_shape, " (or conditions of another shape)");
        }
    }
    run.metrics = create_metrics(spec, session, context);

    // G first, then D, from one stream: the initial weights are a function of the seed alone.
    Rng init_rng(spec.seed, kInitStream);
    const Shape condition_shape = condition ? *condition : Shape{};
    NetworkSpec g_spec{Role::generator, run.data, spec.generator.latent, 1, &init_rng, condition_shape};
    const NetworkSpec d_spec{Role::discriminator, run.data, spec.generator.latent, spec.discriminator.pack,
                             &init_rng, condition_shape};
    TrainerParts parts;
    parts.generator = build_network(*run.generator_arch, g_spec, spec, "generator", spec.generator);
    parts.discriminator =
        build_network(*run.discriminator_arch, d_spec, spec, "discriminator", spec.discriminator);
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
    for (size_t i = 0; i < run.terms.size(); ++i) parts.terms.push_back({run.terms[i].get(), spec.terms[i].weight});
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

std::unique_ptr<Dataset> create_heldout(const config::ExperimentSpec& spec, PluginSession& session,
                                        const plugin::Context& context) {
    const plugin::PluginInfo* info = session.host->find(plugin::Kind::dataset, spec.data.plugin);
    const bool has_test_split =
        info && std::any_of(info->options.begin(), info->options.end(), [](const plugin::OptionInfo& o) {
            return o.name == "split" && std::find(o.choices.begin(), o.choices.end(), "test") != o.choices.end();
        });
    if (!has_test_split) return nullptr;
    plugin::Options options = spec.data.options;
    options.set("split", std::string("test"));
    return session.host->create_dataset(spec.data.plugin, options, context);
}

}  // namespace gantry::train
