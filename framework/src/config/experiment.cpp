// SPDX-License-Identifier: Apache-2.0
// The experiment schema (docs/configuration.md): Node tree → ExperimentSpec. Every check adds to
// one Diagnostics list, so a file with five mistakes is reported with five lines in one run.
#include "config/experiment.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "config/document.hpp"
#include "metric_direction.hpp"
#include "suggest.hpp"
#include "keys.hpp"
#include "plugin_options.hpp"
#include "section.hpp"
#include "values.hpp"

namespace gantry::config {

namespace fs = std::filesystem;
using detail::above;
using detail::at_least;
using detail::Range;
using detail::Section;

namespace {

/// The name becomes one directory: keep it well inside a file system's 255-byte component.
constexpr size_t kMaxExperimentName = 128;

/// loss.weight and a term's weight: a finite non-negative factor (the reader refuses inf and NaN).
const Range kWeightRange{0, 1e9, false, false};

std::string list_names(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out;
}

class SchemaReader {
public:
    SchemaReader(Diagnostics& d, const CatalogProvider& provider, std::string base_dir, Spelling accept)
        : d_(d), provider_(provider), base_dir_(std::move(base_dir)), accept_(accept) {}

    void read(const Node& root, ExperimentSpec& spec) {
        Section top(&root, "", d_, root.mark);
        read_name(top, spec);
        if (const Node* n = top.take("seed"))
            if (auto v = detail::read_unsigned(*n, "seed", d_)) spec.seed = *v;
        read_threads(top, spec);
        read_precision(top, spec);
        top.know("include");  // resolved before the schema sees the tree
        read_plugin_dirs(top, spec);
        catalog_ = provider_ ? provider_(spec.plugins) : nullptr;
        read_plugin(top, "data", plugin::Kind::dataset, {}, spec.data);
        Section g = read_plugin(top, "generator", plugin::Kind::architecture, {"latent"},
                                spec.generator);
        g.integer("latent", spec.generator.latent, at_least(1));
        Section dsc = read_plugin(top, "discriminator", plugin::Kind::architecture, {"pack"},
                                  spec.discriminator);
        dsc.integer("pack", spec.discriminator.pack, at_least(1));
        Section loss = read_plugin(top, "loss", plugin::Kind::loss, {"weight"}, spec.loss);
        loss.number("weight", spec.loss.weight, kWeightRange);
        read_terms(top, spec.terms);
        read_optimizers(top, spec.optimizers);
        read_schedule(top, spec.schedule);
        read_evaluate(top, spec.evaluate, spec);
        read_section(top, "log", detail::log_keys(), spec.log);
        read_section(top, "samples", detail::samples_keys(), spec.samples);
        read_section(top, "checkpoint", detail::checkpoint_keys(), spec.checkpoint);
        top.finish();
        cross_checks(root, spec);
    }

    /// load_data_sections: the keys that name data and its scoring, and nothing else.
    void read_data_sections(const Node& root, ExperimentSpec& spec) {
        Section top(&root, "", d_, root.mark);
        if (const Node* n = top.take("seed"))
            if (auto v = detail::read_unsigned(*n, "seed", d_)) spec.seed = *v;
        read_plugin_dirs(top, spec);
        catalog_ = provider_ ? provider_(spec.plugins) : nullptr;
        read_plugin(top, "data", plugin::Kind::dataset, {}, spec.data);
        Section s(top.take("evaluate"), "evaluate", d_, top.mark());
        if (const Node* n = s.take("metrics")) read_metrics(*n, spec.evaluate, spec);
        if (const Node* n = s.take("options")) read_metric_options(*n, spec.evaluate, spec);
        s.finish();
        top.finish();
    }

private:
    void read_name(Section& top, ExperimentSpec& spec) {
        const Node* n = top.take("experiment");
        if (!n) {
            top.missing("experiment", "the experiment's name; runs go to <out>/<experiment>/");
            return;
        }
        auto name = detail::read_string(*n, "experiment", d_);
        if (!name) return;
        const bool valid_chars =
            !name->empty() && std::all_of(name->begin(), name->end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                       c == '-';
            });
        // The name becomes a directory: "." and ".." would escape the output root.
        if (!valid_chars || *name == "." || *name == ".." || name->size() > kMaxExperimentName)
            d_.add(n->mark, "experiment",
                   "expected a name of at most " + std::to_string(kMaxExperimentName) +
                       " letters, digits, '_', '.' and '-', got " + describe(*n),
                   "the name becomes a directory under the output root");
        else
            spec.experiment = *name;
    }

    /// `auto` (the spelling a file or `--set threads=auto` uses to undo an included file's pin) is
    /// all cores, as 0; the resolved experiment writes 0, so both spellings have one hash.
    void read_threads(Section& top, ExperimentSpec& spec) {
        const Node* n = top.take("threads");
        if (!n) return;
        if (n->is_scalar() && !n->quoted && n->scalar == "auto") {
            spec.threads = 0;
            return;
        }
        // A word other than auto (a number, even a bad one, gets read_integer's message).
        if (n->is_scalar() && !n->quoted && !n->scalar.empty() && std::isalpha(static_cast<unsigned char>(n->scalar[0]))) {
            d_.add(n->mark, "threads", "expected auto or an integer 0..4096, got '" + n->scalar + "'",
                   "auto (or 0) = all cores");
            return;
        }
        if (auto v = detail::read_integer(*n, "threads", d_, Range{0, 4096, false, false})) spec.threads = *v;
    }

    void read_precision(Section& top, ExperimentSpec& spec) {
        const Node* n = top.take("precision");
        if (!n) return;
        // Whether this CPU runs bf16 is asked when the run is assembled (train::assemble): a
        // bf16 run's experiment.yaml must still open for sampling on any machine.
        if (auto v = detail::read_string(*n, "precision", d_, {"fp32", "bf16"})) {
            spec.precision = *v == "bf16" ? Precision::bf16 : Precision::fp32;
            spec.precision_mark = n->mark;
        }
    }

    void read_plugin_dirs(Section& top, ExperimentSpec& spec) {
        const Node* n = top.take("plugins");
        if (!n) return;
        auto dirs = detail::read_list<Node>(*n, "plugins", d_, "a list of directories",
                                            [&](const Node& item, const std::string& p) {
                                                return detail::read_string(item, p, d_)
                                                           ? std::optional<Node>(item)
                                                           : std::nullopt;
                                            });
        if (!dirs) return;
        for (const Node& dir : *dirs)
            spec.plugins.push_back(fs::path(dir.scalar).is_absolute()
                                       ? fs::path(dir.scalar).lexically_normal().string()
                                       : detail::absolute_path(dir.scalar, dir, base_dir_));
    }

    std::string available_plugins(plugin::Kind kind) const {
        if (!catalog_) return {};
        const std::string kind_name = to_string(kind);
        const auto names = catalog_->names(kind);
        return names.empty() ? "no " + kind_name + " plugins were found"
                             : kind_name + " plugins: " + list_names(names);
    }

    Section read_plugin(Section& top, const std::string& key, plugin::Kind kind,
                        const std::vector<std::string>& runtime_keys, PluginSection& out) {
        const Node* node = top.take(key);
        Section s(node, key, d_, top.mark());
        const std::string kind_name = to_string(kind);
        const std::string available = available_plugins(kind);
        if (!node) {
            top.missing(key, "a section naming " + std::string(kind == plugin::Kind::architecture
                                                                   ? "an "
                                                                   : "a ") +
                                 kind_name + " plugin and its options",
                        available);
            return s;
        }
        if (!s.present()) {
            if (node->is_null()) s.missing("plugin", "the " + kind_name + " plugin", available);
            return s;
        }
        read_plugin_body(s, *node, key, kind, runtime_keys, out);
        return s;
    }

    /// A plugin section that is there and a mapping: its name, checked against the catalogue, and
    /// its options against the plugin's table (`runtime_keys` are the framework's, read by the caller).
    void read_plugin_body(Section& s, const Node& node, const std::string& key, plugin::Kind kind,
                          const std::vector<std::string>& runtime_keys, PluginSection& out) {
        const std::string kind_name = to_string(kind);
        const std::string available = available_plugins(kind);
        const Node* name_node = s.take("plugin");
        if (!name_node) {
            s.missing("plugin", "the " + kind_name + " plugin", available);
            return;
        }
        auto name = detail::read_string(*name_node, s.child("plugin"), d_);
        if (!name) return;
        out.plugin = *name;
        out.where = name_node->mark.file + ":" + std::to_string(name_node->mark.line) + ":" +
                    std::to_string(name_node->mark.col);
        if (!catalog_) {
            detail::infer_plugin_options(node, key, runtime_keys, d_, out);
            return;
        }
        const plugin::PluginInfo* schema = catalog_->find(kind, *name);
        if (!schema) {
            if (std::string why = catalog_->unusable_library(*name); !why.empty())
                throw PluginError(gantry::detail::concat(name_node->mark.file, ":", name_node->mark.line, ":",
                                                 name_node->mark.col, ": ", s.child("plugin"), ": ",
                                                 kind_name, " plugin '", *name, "' cannot be loaded: ", why));
            std::string hint = did_you_mean(*name, catalog_->names(kind));
            d_.add(name_node->mark, s.child("plugin"),
                   "unknown " + kind_name + " plugin '" + *name + "'",
                   hint.empty() ? available : hint);
            return;
        }
        detail::check_plugin_options(node, key, *schema, runtime_keys, base_dir_, d_, out);
        return;
    }

    /// A section of scalar keys only, read from its table.
    template <typename S>
    void read_section(Section& parent, const std::string& key, std::span<const detail::Key<S>> keys, S& out) {
        Section s(parent.take(key), parent.child(key), d_, parent.mark());
        read_keys(s, keys, out);
        finish(s, keys, out);
    }

    template <typename S>
    void read_keys(Section& s, std::span<const detail::Key<S>> keys, S& out) {
        detail::read_keys(s, keys, out, accept_);
    }

    /// Reports the keys nobody took: renamed and inapplicable ones with their own message, the
    /// rest with a suggestion (`other` may explain a key first, e.g. one of another optimizer).
    template <typename S, typename Other>
    void finish(Section& s, std::span<const detail::Key<S>> keys, const S& values, Other other) {
        s.finish([&](const std::string& k) {
            std::string why = detail::explain_key(keys, values, k);
            return why.empty() ? other(k) : why;
        });
    }
    template <typename S>
    void finish(Section& s, std::span<const detail::Key<S>> keys, const S& values) {
        finish(s, keys, values, [](const std::string&) { return std::string{}; });
    }

    /// `terms: [{plugin: l1, weight: 100, <options>}, ...]`: loss plugins added to G's objective.
    void read_terms(Section& top, std::vector<LossSection>& out) {
        const Node* n = top.take("terms");
        if (!n || n->is_null()) return;
        if (!n->is_sequence()) {
            d_.add(n->mark, "terms",
                   "expected a list of terms like {plugin: l1, weight: 100}, got " + describe(*n));
            return;
        }
        for (size_t i = 0; i < n->items.size(); ++i) {
            const Node& item = n->items[i];
            const std::string path = "terms[" + std::to_string(i) + "]";
            Section s(&item, path, d_, n->mark);  // refuses an item that is not a mapping
            if (!s.present()) continue;
            LossSection term;
            read_plugin_body(s, item, path, plugin::Kind::loss, {"weight"}, term);
            s.number("weight", term.weight, kWeightRange);
            out.push_back(std::move(term));
        }
    }

    void read_optimizers(Section& top, Optimizers& out) {
        Section s(top.take("optimizers"), "optimizers", d_, top.mark());
        read_optimizer(s, "generator", out.generator);
        read_optimizer(s, "discriminator", out.discriminator);
        s.finish();
    }

    void read_optimizer(Section& parent, const std::string& key, OptimizerSpec& out) {
        Section s(parent.take(key), parent.child(key), d_, parent.mark());
        std::string type = detail::optimizer_keys()[0].default_value;
        s.string("type", type, {std::begin(detail::kOptimizerTypes), std::end(detail::kOptimizerTypes)});
        out.options = detail::optimizer_options(type);
        // The keys of every type: one of another type is refused as such, not as a typo.
        std::vector<std::string> own{"type"}, all;
        std::visit([&](auto& options) {
            for (const auto& k : detail::keys_of(options)) own.push_back(k.name);
            read_keys(s, detail::keys_of(options), options);
        }, out.options);
        own.push_back("schedule");
        for (const char* each : detail::kOptimizerTypes)
            std::visit([&](const auto& o) { for (const auto& k : detail::keys_of(o)) all.push_back(k.name); },
                       detail::optimizer_options(each));
        // PyTorch refuses Nesterov without momentum: it would silently be plain SGD.
        if (const auto* sgd = std::get_if<optim::SGDOptions>(&out.options); sgd && sgd->nesterov && sgd->momentum == 0)
            d_.add(s.mark(), s.child("nesterov"), "nesterov needs momentum > 0");
        Section schedule(s.take("schedule"), s.child("schedule"), d_, s.mark());
        read_keys(schedule, detail::lr_schedule_keys(), out.schedule);
        finish(schedule, detail::lr_schedule_keys(), out.schedule);
        s.finish([&](const std::string& k) {
            if (std::find(all.begin(), all.end(), k) == all.end()) return std::string{};
            return "'" + k + "' is not an option of " + type + " (its options: " + list_names(own) + ")";
        });
    }

    void read_schedule(Section& top, Schedule& out) {
        const Node* node = top.take("schedule");
        Section s(node, "schedule", d_, top.mark());
        if (!node)
            top.missing("schedule", "at least schedule.iterations");
        else if (node->is_null())
            s.missing("iterations", detail::schedule_keys()[0].doc);
        read_keys(s, detail::schedule_keys(), out);
        Diagnostics table;
        const Node* steps = s.take("steps");
        read_steps(steps ? *steps : parse_yaml(detail::schedule_keys()[2].default_value, "<default>", table), out);
        const Node* ema = s.take("ema");
        read_ema(ema ? *ema : parse_yaml(detail::schedule_keys()[3].default_value, "<default>", table), out.ema);
        s.finish();
    }

    void read_steps(const Node& n, Schedule& out) {
        if (!n.is_sequence()) {
            d_.add(n.mark, "schedule.steps",
                   "expected a list of steps like {train: discriminator, repeat: 5}, got " +
                       describe(n));
            return;
        }
        if (n.items.empty()) {
            d_.add(n.mark, "schedule.steps", "expected at least one step, got an empty list");
            return;
        }
        bool all_read = true;
        for (size_t i = 0; i < n.items.size(); ++i) {
            const std::string path = "schedule.steps[" + std::to_string(i) + "]";
            Section step(&n.items[i], path, d_, n.mark);
            train::Step out_step;
            const size_t before = d_.size();
            read_keys(step, detail::step_keys(), out_step);
            if (!step.present() || d_.size() != before) all_read = false;
            finish(step, detail::step_keys(), out_step);
            out.steps.push_back(out_step);
        }
        if (!all_read) return;
        for (Role role : {Role::discriminator, Role::generator}) {
            const bool trained = std::any_of(out.steps.begin(), out.steps.end(),
                                             [&](const train::Step& s) { return s.network == role; });
            if (!trained)
                d_.add(n.mark, "schedule.steps",
                       std::string("the ") + to_string(role) + " is never trained",
                       std::string("add a step {train: ") + to_string(role) + "}");
        }
    }

    /// `ema: 0.999` is short for `ema: {decay: 0.999}`.
    void read_ema(const Node& n, Ema& out) {
        if (n.is_mapping()) {
            Section s(&n, "schedule.ema", d_, n.mark);
            read_keys(s, detail::ema_keys(), out);
            finish(s, detail::ema_keys(), out);
            return;
        }
        if (auto v = detail::read_as<double>(n, "schedule.ema", detail::ema_keys()[0].range, d_)) out.decay = *v;
        Section rest(nullptr, "schedule.ema", d_, n.mark);
        read_keys(rest, detail::ema_keys().subspan(1), out);
    }

    void read_evaluate(Section& top, Evaluate& out, ExperimentSpec& spec) {
        Section s(top.take("evaluate"), "evaluate", d_, top.mark());
        read_keys(s, detail::evaluate_keys(), out);
        if (const Node* n = s.take("metrics")) read_metrics(*n, out, spec);
        if (const Node* n = s.take("stop_when")) read_stop_when(*n, out);
        if (const Node* n = s.take("options")) read_metric_options(*n, out, spec);
        s.finish();
    }

    // evaluate.options.<metric plugin>: that plugin's options, checked against its table like a
    // data or loss section. Options for a plugin none of evaluate.metrics uses are an error: they
    // would change nothing, and silently ignoring them is what unknown keys are refused for.
    void read_metric_options(const Node& n, Evaluate& out, const ExperimentSpec& spec) {
        Section s(&n, "evaluate.options", d_, n.mark);
        if (!s.present()) return;
        std::vector<std::string> metric_plugins;
        if (catalog_) metric_plugins = catalog_->names(plugin::Kind::metric);
        for (const Entry& e : n.entries) {
            const std::string path = "evaluate.options." + e.key;
            PluginSection section;
            section.plugin = e.key;
            if (!e.value.is_mapping()) {
                d_.add(e.value.mark, path, "expected a mapping of the options of metric plugin '" + e.key +
                                               "', got " + describe(e.value));
                continue;
            }
            if (const Node* p = e.value.find("plugin")) {
                d_.add(p->mark, path + ".plugin",
                       "the key under evaluate.options names the plugin; 'plugin' is not one of its options");
                continue;
            }
            if (!catalog_) {
                detail::infer_plugin_options(e.value, path, {}, d_, section);
                out.options.push_back(std::move(section));
                continue;
            }
            const plugin::PluginInfo* schema = catalog_->find(plugin::Kind::metric, e.key);
            if (!schema) {
                std::string hint = did_you_mean(e.key, metric_plugins);
                d_.add(e.key_mark, path, "unknown metric plugin '" + e.key + "'",
                       hint.empty() ? "metric plugins: " + list_names(metric_plugins) : hint);
                continue;
            }
            const bool used = std::any_of(spec.metric_plugins.begin(), spec.metric_plugins.end(),
                                          [&](const auto& mp) { return mp.second == e.key; });
            if (!used) {
                d_.add(e.key_mark, path,
                       "no metric of evaluate.metrics comes from plugin '" + e.key + "'",
                       "add one of its metrics (" + list_names(schema->provides) +
                           ") to evaluate.metrics, or remove these options");
                continue;
            }
            detail::check_plugin_options(e.value, path, *schema, {}, base_dir_, d_, section);
            out.options.push_back(std::move(section));
        }
    }

    void read_metrics(const Node& n, Evaluate& out, ExperimentSpec& spec) {
        auto names = detail::read_list<std::string>(
            n, "evaluate.metrics", d_, "a list of metric names",
            [&](const Node& item, const std::string& p) { return detail::read_string(item, p, d_); });
        if (!names) return;
        // metric → plugin, from what each metric plugin says it provides.
        std::vector<std::pair<std::string, std::string>> provided;
        if (catalog_)
            for (const std::string& plugin_name : catalog_->names(plugin::Kind::metric))
                if (const plugin::PluginInfo* p = catalog_->find(plugin::Kind::metric, plugin_name))
                    for (const std::string& m : p->provides) provided.emplace_back(m, plugin_name);
        std::vector<std::string> all;
        for (const auto& [m, p] : provided) all.push_back(m);
        for (size_t i = 0; i < names->size(); ++i) {
            const std::string& name = (*names)[i];
            const Node& item = n.items[i];
            const std::string path = "evaluate.metrics[" + std::to_string(i) + "]";
            if (std::find(out.metrics.begin(), out.metrics.end(), name) != out.metrics.end()) {
                d_.add(item.mark, path, "metric '" + name + "' is listed twice");
                continue;
            }
            out.metrics.push_back(name);
            if (!catalog_) continue;
            auto it = std::find_if(provided.begin(), provided.end(),
                                   [&](const auto& mp) { return mp.first == name; });
            if (it == provided.end()) {
                std::string hint = did_you_mean(name, all);
                if (hint.empty())
                    hint = all.empty() ? "no metric plugins were found"
                                       : "known metrics: " + list_names(all);
                d_.add(item.mark, path, "unknown metric '" + name + "'", hint);
                continue;
            }
            spec.metric_plugins.emplace_back(name, it->second);
        }
    }

    void read_stop_when(const Node& n, Evaluate& out) {
        Section s(&n, "evaluate.stop_when", d_, n.mark);
        if (!s.present()) return;
        StopWhen stop;
        const Node* metric = s.take("metric");
        if (!metric) s.missing("metric", "one of evaluate.metrics");
        s.string("metric", stop.metric);
        double bound = 0;
        const Node* least = s.take("at_least");
        const Node* most = s.take("at_most");
        const Node* delta = s.take("min_delta");
        const Node* mode = s.take("mode");
        if ((least != nullptr) + (most != nullptr) + (delta != nullptr) > 1) {
            const bool second_is_delta = delta != nullptr;
            d_.add((second_is_delta ? delta : most)->mark,
                   second_is_delta ? "evaluate.stop_when.min_delta" : "evaluate.stop_when.at_most",
                   "give one of at_least, at_most (a bound) or min_delta (a plateau), not several");
        } else if (!least && !most && !delta) {
            s.missing("at_least", "or at_most (the value that counts as good enough), or min_delta (stop when "
                                  "the metric stops improving by more than it)");
        } else if (least) {
            s.number("at_least", bound);
            stop.at_least = bound;
        } else if (most) {
            s.number("at_most", bound);
            stop.at_most = bound;
        } else {
            s.number("min_delta", bound, at_least(0.0));
            stop.min_delta = bound;
        }
        std::string direction;
        s.string("mode", direction, {"min", "max"});
        if (mode && !delta) {
            d_.add(mode->mark, "evaluate.stop_when.mode", "mode goes with min_delta (the plateau rule)",
                   "drop mode, or use min_delta instead of a bound");
        } else if (delta && !stop.metric.empty()) {
            const Better better = better_direction(stop.metric);
            if (!direction.empty()) {
                stop.minimize = direction == "min";
            } else if (better == Better::neither) {
                d_.add(delta->mark, "evaluate.stop_when.mode",
                       "'" + stop.metric + "' is best when closest to the real data's value: say which way "
                       "is an improvement",
                       "add mode: min or mode: max");
            } else {
                stop.minimize = better == Better::lower;
            }
        }
        s.integer("patience", stop.patience, at_least(1));
        s.finish();
        if (metric && !stop.metric.empty() &&
            std::find(out.metrics.begin(), out.metrics.end(), stop.metric) == out.metrics.end()) {
            std::string hint = did_you_mean(stop.metric, out.metrics);
            d_.add(metric->mark, "evaluate.stop_when.metric",
                   "'" + stop.metric + "' is not one of evaluate.metrics [" +
                       list_names(out.metrics) + "]",
                   hint.empty() ? "add it to evaluate.metrics" : hint);
        }
        out.stop_when = stop;
    }

    void cross_checks(const Node& root, const ExperimentSpec& spec) {
        if (spec.loss.weight == 0 && spec.terms.empty()) {
            const Node* loss = root.find("loss");
            const Node* weight = loss && loss->is_mapping() ? loss->find("weight") : nullptr;
            d_.add(weight ? weight->mark : root.mark, "loss.weight",
                   "with loss.weight 0 and no terms the generator has nothing to minimise",
                   "add a term such as terms: [{plugin: l1, weight: 100}], or give the loss a weight > 0");
        }
        const int64_t batch = spec.schedule.batch, pack = spec.discriminator.pack;
        if (batch >= 1 && pack >= 1 && batch % pack != 0) {
            Mark where = root.mark;
            std::string path = "schedule.batch";
            if (const Node* s = root.find("schedule"); s && s->is_mapping()) {
                if (const Node* b = s->find("batch")) where = b->mark;
                else where = s->mark;
            }
            d_.add(where, path,
                   "batch " + std::to_string(batch) + " is not divisible by discriminator.pack " +
                       std::to_string(pack),
                   "the discriminator sees batch / pack packed samples");
        }
    }

    Diagnostics& d_;
    const CatalogProvider& provider_;
    const plugin::Catalog* catalog_ = nullptr;
    std::string base_dir_;
    Spelling accept_;
};

// `--set loss.plugin=hinge` on a file written for wgan_gp: the file's options belong to the old
// plugin (lambda means nothing to hinge), so they go; runtime keys and options set by earlier
// overrides stay. This is what makes a sweep over loss.plugin work from one base file.
void forget_options_of_replaced_plugin(Node& root, const std::string& assignment) {
    static const std::pair<const char*, const char*> kSections[] = {
        {"data", ""}, {"generator", "latent"}, {"discriminator", "pack"}, {"loss", "weight"}};
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || !root.is_mapping()) return;
    for (const auto& [section, runtime_key] : kSections) {
        if (assignment.substr(0, eq) != std::string(section) + ".plugin") continue;
        Node* s = root.find(section);
        if (!s || !s->is_mapping()) return;
        const Node* old_name = s->find("plugin");
        if (!old_name || !old_name->is_scalar() || old_name->scalar == assignment.substr(eq + 1))
            return;
        // A copy: clang 14 cannot capture a structured binding in a lambda.
        const char* const kept = runtime_key;
        std::erase_if(s->entries, [kept](const Entry& e) {
            return e.key != "plugin" && e.key != kept && e.key_mark.line > 0;
        });
    }
}

ExperimentSpec resolve(Node root, const std::string& file,
                       const std::vector<std::string>& overrides, const CatalogProvider& catalog,
                       Diagnostics& d, Spelling accept = Spelling::current) {
    ExperimentSpec spec;
    spec.source_file = file;
    spec.base_dir = fs::absolute(fs::path(file)).parent_path().lexically_normal().string();
    const bool file_ok = d.empty();
    if (file_ok && !root.is_mapping()) {
        if (root.is_null())
            d.add({file, 1, 1}, "", "the file is empty; expected a mapping of experiment keys");
        else
            d.add(root.mark, "", "expected a mapping of experiment keys, got " + describe(root));
    }
    for (const std::string& o : overrides) {
        forget_options_of_replaced_plugin(root, o);
        apply_override(root, o, d);
    }
    if (root.is_mapping()) SchemaReader(d, catalog, spec.base_dir, accept).read(root, spec);
    d.throw_if_any();
    spec.resolved_yaml = to_yaml(spec);
    spec.config_hash = config_hash(spec);
    return spec;
}

}  // namespace

ExperimentSpec load_data_sections(const std::string& file, const std::string& data_plugin,
                                  const std::vector<std::string>& overrides, const CatalogProvider& catalog) {
    Diagnostics d;
    Node root;
    ExperimentSpec spec;
    if (!file.empty()) {
        root = load_composed(file, d);
        spec.source_file = file;
        spec.base_dir = fs::absolute(fs::path(file)).parent_path().lexically_normal().string();
        if (d.empty() && !root.is_mapping())
            d.add(root.is_null() ? Mark{file, 1, 1} : root.mark, "",
                  "expected a mapping of experiment keys, got " + describe(root));
        if (root.is_mapping()) {
            // A model's sections and the run's schedule mean nothing here: an experiment file is
            // read for its data and its metrics only.
            std::erase_if(root.entries, [](const Entry& e) {
                return e.key != "seed" && e.key != "plugins" && e.key != "data" && e.key != "evaluate";
            });
            if (Node* e = root.find("evaluate"); e && e->is_mapping())
                std::erase_if(e->entries, [](const Entry& k) { return k.key != "metrics" && k.key != "options"; });
        }
    } else {
        const Mark where{"--real-plugin " + data_plugin, 0, 0};
        spec.source_file = "(command line)";
        spec.base_dir = fs::current_path().lexically_normal().string();
        root = Node::of(Node::Type::mapping, where);
        Node data = Node::of(Node::Type::mapping, where);
        Node name = Node::of(Node::Type::scalar, where);
        name.scalar = data_plugin;
        name.quoted = true;
        data.entries.push_back({"plugin", where, std::move(name)});
        root.entries.push_back({"data", where, std::move(data)});
    }
    for (const std::string& o : overrides) {
        forget_options_of_replaced_plugin(root, o);
        apply_override(root, o, d);
    }
    if (root.is_mapping()) SchemaReader(d, catalog, spec.base_dir, Spelling::current).read_data_sections(root, spec);
    d.throw_if_any();
    return spec;
}

static CatalogProvider fixed(const plugin::Catalog* catalog) {
    return [catalog](const std::vector<std::string>&) { return catalog; };
}

ExperimentSpec load_experiment(const std::string& path, const std::vector<std::string>& overrides,
                               const CatalogProvider& catalog, Spelling accept) {
    Diagnostics d;
    Node root = load_composed(path, d);
    return resolve(std::move(root), path, overrides, catalog, d, accept);
}

ExperimentSpec load_experiment(const std::string& path, const std::vector<std::string>& overrides,
                               const plugin::Catalog* catalog) {
    return load_experiment(path, overrides, fixed(catalog));
}

ExperimentSpec parse_experiment(std::string_view text, const std::string& file,
                                const std::vector<std::string>& overrides,
                                const plugin::Catalog* catalog) {
    Diagnostics d;
    Node root = compose_text(text, file, d);
    return resolve(std::move(root), file, overrides, fixed(catalog), d);
}

const char* type_name(const OptimizerOptions& options) {
    return detail::kOptimizerTypes[options.index()];
}

double learning_rate(const OptimizerOptions& options) {
    return std::visit([](const auto& o) { return o.lr; }, options);
}

}  // namespace gantry::config
