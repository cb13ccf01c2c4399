// SPDX-License-Identifier: Apache-2.0
// The resolved experiment as canonical YAML: schema order, every default written out, numbers
// in their shortest round-trip form. Same spec ⇒ same bytes ⇒ same config_hash. Framework
// sections are written from their key tables (keys.cpp), plugin sections from the plugins'.
#include <sstream>

#include "config/experiment.hpp"
#include "keys.hpp"
#include "plugin_options.hpp"
#include "values.hpp"

namespace gantry::config {

namespace {

using detail::format_number;
using detail::quote;

void emit_options(std::ostream& out, const PluginSection& s, const char* indent) {
    for (const std::string& name : s.option_order)
        out << indent << name << ": " << detail::emit_option(s.options.values().at(name)) << "\n";
}

void emit_plugin(std::ostream& out, const char* key, const PluginSection& s,
                 const std::string& runtime_line) {
    out << key << ":\n  plugin: " << quote(s.plugin) << "\n" << runtime_line;
    emit_options(out, s, "  ");
}

void emit_optimizer(std::ostream& out, const char* key, const OptimizerSpec& o, Spelling spelling) {
    out << "  " << key << ":\n";
    out << "    type: " << type_name(o.options) << "\n";
    std::visit([&](const auto& options) {
        out << detail::block(detail::emit_keys(detail::keys_of(options), options, spelling), "    ");
    }, o.options);
    out << "    schedule: " << detail::flow(detail::emit_keys(detail::lr_schedule_keys(), o.schedule, spelling))
        << "\n";
}

}  // namespace

std::string to_yaml(const ExperimentSpec& spec, Spelling spelling) {
    using detail::emit_keys;
    using detail::flow;
    std::ostringstream out;
    out << "experiment: " << quote(spec.experiment) << "\n";
    out << "seed: " << spec.seed << "\n";
    out << "threads: " << spec.threads << "\n";
    // Only bf16 is written: every experiment written before the key existed (all fp32) keeps its
    // bytes and its hash.
    if (spec.precision != Precision::fp32) out << "precision: " << to_string(spec.precision) << "\n";
    out << "plugins: [";
    for (size_t i = 0; i < spec.plugins.size(); ++i)
        out << (i ? ", " : "") << quote(spec.plugins[i]);
    out << "]\n";
    emit_plugin(out, "data", spec.data, "");
    emit_plugin(out, "generator", spec.generator,
                "  latent: " + std::to_string(spec.generator.latent) + "\n");
    emit_plugin(out, "discriminator", spec.discriminator,
                "  pack: " + std::to_string(spec.discriminator.pack) + "\n");
    // loss.weight and terms are written only when the file uses them: every experiment written
    // before they existed keeps its bytes and its hash.
    emit_plugin(out, "loss", spec.loss,
                spec.loss.weight == 1.0 ? "" : "  weight: " + format_number(spec.loss.weight) + "\n");
    if (!spec.terms.empty()) {
        out << "terms:\n";
        for (const LossSection& term : spec.terms) {
            out << "  - plugin: " << quote(term.plugin) << "\n";
            out << "    weight: " << format_number(term.weight) << "\n";
            emit_options(out, term, "    ");
        }
    }
    out << "optimizers:\n";
    emit_optimizer(out, "generator", spec.optimizers.generator, spelling);
    emit_optimizer(out, "discriminator", spec.optimizers.discriminator, spelling);

    const Schedule& s = spec.schedule;
    out << "schedule:\n";
    out << detail::block(emit_keys(detail::schedule_keys(), s, spelling), "  ");
    out << "  steps:\n";
    for (const train::Step& step : s.steps)
        out << "    - " << flow(emit_keys(detail::step_keys(), step, spelling)) << "\n";
    // ema.warmup is written only when true: every experiment written before it existed (all
    // without warmup) keeps its bytes and its hash.
    auto ema = emit_keys(detail::ema_keys(), s.ema, spelling);
    std::erase_if(ema, [](const auto& kv) { return kv.first == "warmup" && kv.second == "false"; });
    out << "  ema: " << flow(ema) << "\n";

    const Evaluate& e = spec.evaluate;
    out << "evaluate:\n";
    out << detail::block(emit_keys(detail::evaluate_keys(), e, spelling), "  ");
    out << "  metrics: [";
    for (size_t i = 0; i < e.metrics.size(); ++i) out << (i ? ", " : "") << quote(e.metrics[i]);
    out << "]\n";
    if (e.stop_when) {
        const StopWhen& w = *e.stop_when;
        out << "  stop_when: {metric: " << quote(w.metric);
        if (w.at_least) out << ", at_least: " << format_number(*w.at_least);
        if (w.at_most) out << ", at_most: " << format_number(*w.at_most);
        if (w.min_delta) out << ", min_delta: " << format_number(*w.min_delta) << ", mode: " << (w.minimize ? "min" : "max");
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
    out << "log: " << flow(emit_keys(detail::log_keys(), spec.log, spelling)) << "\n";
    out << "samples: " << flow(emit_keys(detail::samples_keys(), spec.samples, spelling)) << "\n";
    out << "checkpoint: " << flow(emit_keys(detail::checkpoint_keys(), spec.checkpoint, spelling)) << "\n";
    return out.str();
}

std::string config_hash(const ExperimentSpec& spec) {
    return fnv1a_hex(to_yaml(spec, Spelling::v1));
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
