// SPDX-License-Identifier: Apache-2.0
// The resolved experiment as canonical YAML: schema order, every default written out, numbers
// in their shortest round-trip form. Same spec ⇒ same bytes ⇒ same config_hash.
#include <sstream>

#include "gantry/config/experiment.hpp"
#include "plugin_options.hpp"
#include "values.hpp"

namespace gantry::config {

namespace {

using detail::format_number;
using detail::quote;

std::string flow_numbers(const std::vector<double>& values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + format_number(values[i]);
    return out + "]";
}

void emit_options(std::ostream& out, const PluginSection& s, const char* indent) {
    for (const std::string& name : s.option_order)
        out << indent << name << ": " << detail::emit_option(s.options.values().at(name)) << "\n";
}

void emit_plugin(std::ostream& out, const char* key, const PluginSection& s,
                 const std::string& runtime_line) {
    out << key << ":\n  plugin: " << quote(s.plugin) << "\n" << runtime_line;
    emit_options(out, s, "  ");
}

void emit_optimizer(std::ostream& out, const char* key, const OptimizerSpec& o) {
    out << "  " << key << ":\n";
    out << "    type: " << to_string(o.type) << "\n";
    out << "    lr: " << format_number(o.lr) << "\n";
    switch (o.type) {
        case OptimizerType::adam:
            out << "    betas: " << flow_numbers({o.betas[0], o.betas[1]}) << "\n";
            out << "    eps: " << format_number(o.eps) << "\n";
            out << "    weight_decay: " << format_number(o.weight_decay) << "\n";
            out << "    amsgrad: " << (o.amsgrad ? "true" : "false") << "\n";
            break;
        case OptimizerType::sgd:
            out << "    momentum: " << format_number(o.momentum) << "\n";
            out << "    nesterov: " << (o.nesterov ? "true" : "false") << "\n";
            out << "    weight_decay: " << format_number(o.weight_decay) << "\n";
            break;
        case OptimizerType::rmsprop:
            out << "    alpha: " << format_number(o.alpha) << "\n";
            out << "    eps: " << format_number(o.eps) << "\n";
            out << "    momentum: " << format_number(o.momentum) << "\n";
            out << "    weight_decay: " << format_number(o.weight_decay) << "\n";
            break;
    }
    out << "    schedule: {type: " << to_string(o.schedule.type);
    if (o.schedule.type != LrScheduleType::constant)
        out << ", final_lr: " << format_number(o.schedule.final_lr);
    out << "}\n";
}

}  // namespace

std::string to_yaml(const ExperimentSpec& spec) {
    std::ostringstream out;
    out << "experiment: " << quote(spec.experiment) << "\n";
    out << "seed: " << spec.seed << "\n";
    out << "threads: " << spec.threads << "\n";
    out << "plugins: [";
    for (size_t i = 0; i < spec.plugins.size(); ++i)
        out << (i ? ", " : "") << quote(spec.plugins[i]);
    out << "]\n";
    emit_plugin(out, "data", spec.data, "");
    emit_plugin(out, "generator", spec.generator,
                "  latent: " + std::to_string(spec.generator.latent) + "\n");
    emit_plugin(out, "discriminator", spec.discriminator,
                "  pack: " + std::to_string(spec.discriminator.pack) + "\n");
    emit_plugin(out, "loss", spec.loss, "");
    out << "optimizers:\n";
    emit_optimizer(out, "generator", spec.optimizers.generator);
    emit_optimizer(out, "discriminator", spec.optimizers.discriminator);

    const Schedule& s = spec.schedule;
    out << "schedule:\n";
    out << "  iterations: " << s.iterations << "\n";
    out << "  batch: " << s.batch << "\n";
    out << "  steps:\n";
    for (const Step& step : s.steps)
        out << "    - {train: " << to_string(step.train) << ", repeat: " << step.repeat << "}\n";
    out << "  ema: {decay: " << format_number(s.ema.decay) << ", start: " << s.ema.start << "}\n";

    const Evaluate& e = spec.evaluate;
    out << "evaluate:\n";
    out << "  every: " << e.every << "\n";
    out << "  samples: " << e.samples << "\n";
    out << "  metrics: [";
    for (size_t i = 0; i < e.metrics.size(); ++i) out << (i ? ", " : "") << quote(e.metrics[i]);
    out << "]\n";
    if (e.stop_when) {
        const StopWhen& w = *e.stop_when;
        out << "  stop_when: {metric: " << quote(w.metric);
        if (w.at_least) out << ", at_least: " << format_number(*w.at_least);
        if (w.at_most) out << ", at_most: " << format_number(*w.at_most);
        out << ", patience: " << w.patience << "}\n";
    }
    // Only the plugins the file configures: every other experiment keeps its bytes and hash.
    if (!e.options.empty()) {
        out << "  options:\n";
        for (const PluginSection& section : e.options) {
            out << "    " << quote(section.plugin) << (section.option_order.empty() ? ": {}\n" : ":\n");
            emit_options(out, section, "      ");
        }
    }
    out << "log: {every: " << spec.log.every << "}\n";
    out << "samples: {every: " << spec.samples.every << ", grid: " << spec.samples.grid << "}\n";
    out << "checkpoint: {every: " << spec.checkpoint.every << ", keep: " << spec.checkpoint.keep
        << "}\n";
    return out.str();
}

std::string fnv1a_hex(std::string_view text) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    static const char kHex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 0xf];
    return out;
}

}  // namespace gantry::config
