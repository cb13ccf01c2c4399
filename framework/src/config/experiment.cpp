// SPDX-License-Identifier: Apache-2.0
// The experiment schema (docs/configuration.md): Node tree → ExperimentSpec. Every check adds to
// one Diagnostics list, so a file with five mistakes is reported with five lines in one run.
#include "gantry/config/experiment.hpp"

#include <algorithm>
#include <filesystem>

#include "gantry/config/document.hpp"
#include "gantry/suggest.hpp"
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

std::string list_names(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out;
}

class SchemaReader {
public:
    SchemaReader(Diagnostics& d, const CatalogProvider& provider, std::string base_dir)
        : d_(d), provider_(provider), base_dir_(std::move(base_dir)) {}

    void read(const Node& root, ExperimentSpec& spec) {
        Section top(&root, "", d_, root.mark);
        read_name(top, spec);
        if (const Node* n = top.take("seed"))
            if (auto v = detail::read_unsigned(*n, "seed", d_)) spec.seed = *v;
        top.integer("threads", spec.threads, Range{0, 4096, false, false});
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
        read_plugin(top, "loss", plugin::Kind::loss, {}, spec.loss);
        read_optimizers(top, spec.optimizers);
        read_schedule(top, spec.schedule);
        read_evaluate(top, spec.evaluate, spec);
        Section log(top.take("log"), "log", d_, top.mark());
        log.integer("every", spec.log.every, at_least(1));
        log.finish();
        Section samples(top.take("samples"), "samples", d_, top.mark());
        samples.integer("every", spec.samples.every, at_least(0));
        samples.integer("grid", spec.samples.grid, at_least(1));
        samples.finish();
        Section ckpt(top.take("checkpoint"), "checkpoint", d_, top.mark());
        ckpt.integer("every", spec.checkpoint.every, at_least(0));
        ckpt.integer("keep", spec.checkpoint.keep, at_least(1));
        ckpt.finish();
        top.finish();
        cross_checks(root, spec);
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

    Section read_plugin(Section& top, const std::string& key, plugin::Kind kind,
                        const std::vector<std::string>& runtime_keys, PluginSection& out) {
        const Node* node = top.take(key);
        Section s(node, key, d_, top.mark());
        const std::string kind_name = to_string(kind);
        std::string available;
        if (catalog_) {
            const auto names = catalog_->names(kind);
            available = names.empty() ? "no " + kind_name + " plugins were found"
                                      : kind_name + " plugins: " + list_names(names);
        }
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
        const Node* name_node = s.take("plugin");
        if (!name_node) {
            s.missing("plugin", "the " + kind_name + " plugin", available);
            return s;
        }
        auto name = detail::read_string(*name_node, s.child("plugin"), d_);
        if (!name) return s;
        out.plugin = *name;
        if (!catalog_) {
            detail::infer_plugin_options(*node, key, runtime_keys, d_, out);
            return s;
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
            return s;
        }
        detail::check_plugin_options(*node, key, *schema, runtime_keys, base_dir_, d_, out);
        return s;
    }

    void read_optimizers(Section& top, Optimizers& out) {
        Section s(top.take("optimizers"), "optimizers", d_, top.mark());
        read_optimizer(s, "generator", out.generator);
        read_optimizer(s, "discriminator", out.discriminator);
        s.finish();
    }

    void read_optimizer(Section& parent, const std::string& key, OptimizerSpec& out) {
        Section s(parent.take(key), parent.child(key), d_, parent.mark());
        std::string type = "adam";
        s.string("type", type, {"adam", "sgd", "rmsprop"});
        out.type = type == "sgd" ? OptimizerType::sgd
                   : type == "rmsprop" ? OptimizerType::rmsprop
                                       : OptimizerType::adam;
        s.number("lr", out.lr, above(0));
        s.number("weight_decay", out.weight_decay, at_least(0));
        std::vector<std::string> own{"type", "lr", "weight_decay", "schedule"};
        if (out.type == OptimizerType::adam) {
            if (const Node* n = s.take("betas")) read_betas(*n, s.child("betas"), out);
            s.number("eps", out.eps, above(0));
            s.boolean("amsgrad", out.amsgrad);
            own.insert(own.end(), {"betas", "eps", "amsgrad"});
        } else if (out.type == OptimizerType::sgd) {
            s.number("momentum", out.momentum, at_least(0));
            s.boolean("nesterov", out.nesterov);
            own.insert(own.end(), {"momentum", "nesterov"});
            // PyTorch refuses Nesterov without momentum: it would silently be plain SGD.
            if (out.nesterov && out.momentum == 0)
                d_.add(s.mark(), s.child("nesterov"), "nesterov needs momentum > 0");
        } else {
            s.number("alpha", out.alpha, Range{0, 1, false, true});
            s.number("eps", out.eps, above(0));
            s.number("momentum", out.momentum, at_least(0));
            own.insert(own.end(), {"alpha", "eps", "momentum"});
        }
        read_lr_schedule(s, out.schedule);
        static const std::vector<std::string> kAll{"betas", "eps",      "amsgrad", "momentum",
                                                   "nesterov", "alpha"};
        s.finish([&](const std::string& k) {
            if (std::find(kAll.begin(), kAll.end(), k) == kAll.end()) return std::string{};
            return "'" + k + "' is not an option of " + type + " (its options: " +
                   list_names(own) + ")";
        });
    }

    void read_betas(const Node& n, const std::string& path, OptimizerSpec& out) {
        const Range unit{0, 1, false, true};
        auto betas = detail::read_list<double>(
            n, path, d_, "a list [beta1, beta2]",
            [&](const Node& item, const std::string& p) {
                return detail::read_number(item, p, d_, unit);
            });
        if (!betas) return;
        if (betas->size() != 2) {
            d_.add(n.mark, path,
                   "expected two values [beta1, beta2], got " + std::to_string(betas->size()));
            return;
        }
        out.betas = {(*betas)[0], (*betas)[1]};
    }

    void read_lr_schedule(Section& parent, LrSchedule& out) {
        Section s(parent.take("schedule"), parent.child("schedule"), d_, parent.mark());
        std::string type = "constant";
        s.string("type", type, {"constant", "linear", "cosine"});
        out.type = type == "linear"   ? LrScheduleType::linear
                   : type == "cosine" ? LrScheduleType::cosine
                                      : LrScheduleType::constant;
        if (out.type != LrScheduleType::constant)
            s.number("final_lr", out.final_lr, Range{0, 1});
        s.finish([&](const std::string& k) {
            return k == "final_lr" ? std::string("'final_lr' has no effect with type constant")
                                   : std::string{};
        });
    }

    void read_schedule(Section& top, Schedule& out) {
        const Node* node = top.take("schedule");
        Section s(node, "schedule", d_, top.mark());
        if (!node)
            top.missing("schedule", "at least schedule.iterations");
        else if (!s.take("iterations") && (s.present() || node->is_null()))
            s.missing("iterations", "how many times to run the steps");
        s.integer("iterations", out.iterations, at_least(1));
        s.integer("batch", out.batch, at_least(1));
        if (const Node* steps = s.take("steps"))
            read_steps(*steps, out);
        else
            out.steps = {{Role::discriminator, 1}, {Role::generator, 1}};
        if (const Node* ema = s.take("ema")) read_ema(*ema, out.ema);
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
            Step out_step;
            std::string train;
            if (!step.take("train") && step.present())
                step.missing("train", "discriminator or generator");
            step.string("train", train, {"discriminator", "generator"});
            out_step.train = train == "generator" ? Role::generator : Role::discriminator;
            step.integer("repeat", out_step.repeat, at_least(1));
            step.finish();
            if (train.empty()) all_read = false;
            out.steps.push_back(out_step);
        }
        if (!all_read) return;
        for (Role role : {Role::discriminator, Role::generator}) {
            const bool trained = std::any_of(out.steps.begin(), out.steps.end(),
                                             [&](const Step& s) { return s.train == role; });
            if (!trained)
                d_.add(n.mark, "schedule.steps",
                       std::string("the ") + to_string(role) + " is never trained",
                       std::string("add a step {train: ") + to_string(role) + "}");
        }
    }

    void read_ema(const Node& n, Ema& out) {
        auto decay = [&](const Node& v, const std::string& path) {
            auto x = detail::read_number(v, path, d_, Range{0, 1, false, true});
            if (x) out.decay = *x;
        };
        if (n.is_mapping()) {
            Section s(&n, "schedule.ema", d_, n.mark);
            if (const Node* v = s.take("decay")) decay(*v, "schedule.ema.decay");
            else s.missing("decay", "0 = off, else in (0, 1), e.g. 0.999");
            s.integer("start", out.start, at_least(0));
            s.finish();
        } else {
            decay(n, "schedule.ema");
        }
    }

    void read_evaluate(Section& top, Evaluate& out, ExperimentSpec& spec) {
        Section s(top.take("evaluate"), "evaluate", d_, top.mark());
        s.integer("every", out.every, at_least(0));
        s.integer("samples", out.samples, at_least(1));
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
        if (least && most) {
            d_.add(most->mark, "evaluate.stop_when.at_most",
                   "give either at_least or at_most, not both");
        } else if (!least && !most) {
            s.missing("at_least", "or at_most: the value that counts as good enough");
        } else if (least) {
            s.number("at_least", bound);
            stop.at_least = bound;
        } else {
            s.number("at_most", bound);
            stop.at_most = bound;
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
};

// `--set loss.plugin=hinge` on a file written for wgan_gp: the file's options belong to the old
// plugin (lambda means nothing to hinge), so they go; runtime keys and options set by earlier
// overrides stay. This is what makes a sweep over loss.plugin work from one base file.
void forget_options_of_replaced_plugin(Node& root, const std::string& assignment) {
    static const std::pair<const char*, const char*> kSections[] = {
        {"data", ""}, {"generator", "latent"}, {"discriminator", "pack"}, {"loss", ""}};
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
                       Diagnostics& d) {
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
    if (root.is_mapping()) SchemaReader(d, catalog, spec.base_dir).read(root, spec);
    d.throw_if_any();
    spec.resolved_yaml = to_yaml(spec);
    spec.config_hash = fnv1a_hex(spec.resolved_yaml);
    return spec;
}

}  // namespace

static CatalogProvider fixed(const plugin::Catalog* catalog) {
    return [catalog](const std::vector<std::string>&) { return catalog; };
}

ExperimentSpec load_experiment(const std::string& path, const std::vector<std::string>& overrides,
                               const CatalogProvider& catalog) {
    Diagnostics d;
    Node root = load_composed(path, d);
    return resolve(std::move(root), path, overrides, catalog, d);
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

const char* to_string(OptimizerType type) {
    switch (type) {
        case OptimizerType::adam: return "adam";
        case OptimizerType::sgd: return "sgd";
        case OptimizerType::rmsprop: return "rmsprop";
    }
    return "adam";
}

const char* to_string(LrScheduleType type) {
    switch (type) {
        case LrScheduleType::constant: return "constant";
        case LrScheduleType::linear: return "linear";
        case LrScheduleType::cosine: return "cosine";
    }
    return "constant";
}

}  // namespace gantry::config
