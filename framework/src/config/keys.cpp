// SPDX-License-Identifier: Apache-2.0
// The framework sections' key tables: the one place where a framework key is declared. Adding an
// Adam option is a field in optim::AdamOptions and a row here; the reader, the resolved
// experiment, `gantry validate` and the tables of docs/configuration.md follow.
#include "keys.hpp"

#include <cctype>


namespace gantry::config::detail {

namespace {

using Kind = train::LrSchedule::Kind;

const Range kUnit{0, 1, false, true};  // [0, 1)

template <typename S, size_t N>
std::span<const Key<S>> span_of(const Key<S> (&table)[N]) {
    return {table, N};
}

}  // namespace

// Optimizers: PyTorch's options, DCGAN's and StudioGAN's defaults (Adam 2e-4, betas (0.5, 0.999)).
// Rows are in the order of the resolved experiment (hash format v1).
std::span<const Key<optim::AdamOptions>> adam_keys() {
    using O = optim::AdamOptions;
    static const Key<O> table[] = {
        {.name = "lr", .field = &O::lr, .default_value = "0.0002", .range = above(0), .doc = "Learning rate."},
        {.name = "betas", .field = &O::betas, .default_value = "[0.5, 0.999]", .range = kUnit,
         .doc = "Decay rates of the first and second moment estimates."},
        {.name = "eps", .field = &O::eps, .default_value = "1e-8", .range = above(0),
         .doc = "Added to the denominator."},
        {.name = "weight_decay", .field = &O::weight_decay, .default_value = "0", .range = at_least(0),
         .doc = "L2 penalty added to the gradient (as PyTorch; not AdamW)."},
        {.name = "amsgrad", .field = &O::amsgrad, .default_value = "false",
         .doc = "Use the running maximum of the second moment (AMSGrad)."},
    };
    return span_of(table);
}

std::span<const Key<optim::SGDOptions>> sgd_keys() {
    using O = optim::SGDOptions;
    static const Key<O> table[] = {
        {.name = "lr", .field = &O::lr, .default_value = "0.0002", .range = above(0), .doc = "Learning rate."},
        {.name = "momentum", .field = &O::momentum, .default_value = "0", .range = at_least(0),
         .doc = "Momentum factor."},
        {.name = "nesterov", .field = &O::nesterov, .default_value = "false",
         .doc = "Nesterov momentum; needs momentum > 0 (PyTorch refuses it otherwise)."},
        {.name = "weight_decay", .field = &O::weight_decay, .default_value = "0", .range = at_least(0),
         .doc = "L2 penalty added to the gradient."},
    };
    return span_of(table);
}

std::span<const Key<optim::RMSpropOptions>> rmsprop_keys() {
    using O = optim::RMSpropOptions;
    static const Key<O> table[] = {
        {.name = "lr", .field = &O::lr, .default_value = "0.0002", .range = above(0), .doc = "Learning rate."},
        {.name = "alpha", .field = &O::alpha, .default_value = "0.99", .range = kUnit,
         .doc = "Smoothing constant of the squared-gradient average."},
        {.name = "eps", .field = &O::eps, .default_value = "1e-8", .range = above(0),
         .doc = "Added to the denominator."},
        {.name = "momentum", .field = &O::momentum, .default_value = "0", .range = at_least(0),
         .doc = "Momentum factor."},
        {.name = "weight_decay", .field = &O::weight_decay, .default_value = "0", .range = at_least(0),
         .doc = "L2 penalty added to the gradient."},
    };
    return span_of(table);
}

OptimizerOptions optimizer_options(const std::string& name) {
    if (name == "sgd") return optim::SGDOptions{};
    if (name == "rmsprop") return optim::RMSpropOptions{};
    return optim::AdamOptions{};
}

std::span<const Key<OptimizerSpec>> optimizer_keys() {
    static const Key<OptimizerSpec> table[] = {
        {.name = "type", .field = {}, .default_value = "adam",
         .doc = "`adam`, `sgd` or `rmsprop` (PyTorch semantics); a key of another type is refused as such."},
        {.name = "schedule", .field = {}, .default_value = "{type: constant}",
         .doc = "The learning-rate schedule (its keys below)."},
    };
    return span_of(table);
}

std::span<const Key<train::LrSchedule>> lr_schedule_keys() {
    using S = train::LrSchedule;
    static const Key<S> table[] = {
        {.name = "type", .field = &S::kind, .default_value = "constant",
         .doc = "How the rate goes from lr at iteration 0 to lr * final_fraction at the last iteration."},
        {.name = "final_fraction", .field = &S::final_fraction, .default_value = "0", .range = Range{0, 1},
         .doc = "the fraction of lr reached at the last iteration",
         .applies = [](const S& s) { return s.kind != Kind::constant; },
         .applies_doc = "type linear or cosine", .v1_name = "final_lr"},
    };
    return span_of(table);
}

std::span<const Key<Schedule>> schedule_keys() {
    static const Key<Schedule> table[] = {
        {.name = "iterations", .field = &Schedule::iterations, .default_value = nullptr, .range = at_least(1),
         .doc = "how many times to run the steps"},
        {.name = "batch", .field = &Schedule::batch, .default_value = "64", .range = at_least(1),
         .doc = "Samples per step (StudioGAN's default)."},
        {.name = "steps", .field = {}, .default_value = "[{train: discriminator}, {train: generator}]",
         .doc = "The steps of one iteration, in order (their keys below); at least one, and both "
                "networks trained."},
        {.name = "ema", .field = {}, .default_value = "0",
         .doc = "EMA of G's weights for evaluation and samples: a decay, or {decay, start, warmup} "
                "(keys below). The resolved form is the mapping."},
    };
    return span_of(table);
}

std::span<const Key<train::Step>> step_keys() {
    using S = train::Step;
    static const Key<S> table[] = {
        {.name = "train", .field = &S::network, .default_value = nullptr,
         .doc = "discriminator or generator"},
        {.name = "repeat", .field = &S::repeat, .default_value = "1", .range = at_least(1),
         .doc = "Times the network is trained in this step, the other frozen."},
    };
    return span_of(table);
}

std::span<const Key<Ema>> ema_keys() {
    static const Key<Ema> table[] = {
        {.name = "decay", .field = &Ema::decay, .default_value = nullptr, .range = Range{0, 1, false, true},
         .doc = "0 = off, else in (0, 1), e.g. 0.999"},
        {.name = "start", .field = &Ema::start, .default_value = "0", .range = at_least(0),
         .doc = "First iteration that updates the average (before it, the average tracks the weights)."},
        {.name = "warmup", .field = &Ema::warmup, .default_value = "false",
         .doc = "The t-th update (t = 0, 1, ... from `start`) uses min(decay, (1 + t) / (10 + t)), as "
                "TF's ExponentialMovingAverage with num_updates: early averages are meaningful (below)."},
    };
    return span_of(table);
}

std::span<const Key<Evaluate>> evaluate_keys() {
    static const Key<Evaluate> table[] = {
        {.name = "every", .field = &Evaluate::every, .default_value = "1000", .range = at_least(0),
         .doc = "Iterations between evaluations; 0 = only at the end of the run."},
        {.name = "samples", .field = &Evaluate::samples, .default_value = "2500", .range = at_least(1),
         .doc = "Generated samples per evaluation (VEEGAN and PacGAN use 2500 on the 2-D mixtures)."},
        {.name = "metrics", .field = {}, .default_value = "[]",
         .doc = "Metric names, each provided by a metric plugin (`gantry plugins --kind metric`); none = "
                "no evaluation."},
        {.name = "stop_when", .field = {}, .default_value = nullptr,
         .doc = "{metric, at_least | at_most | min_delta, mode, patience}: stop early (below)."},
        {.name = "options", .field = {}, .default_value = nullptr,
         .doc = "Options of metric plugins, one mapping per plugin name (below)."},
    };
    return span_of(table);
}

std::span<const Key<Log>> log_keys() {
    static const Key<Log> table[] = {
        {.name = "every", .field = &Log::every, .default_value = "50", .range = at_least(1),
         .doc = "Iterations between rows of metrics.jsonl and progress updates."},
    };
    return span_of(table);
}

std::span<const Key<Samples>> samples_keys() {
    static const Key<Samples> table[] = {
        {.name = "every", .field = &Samples::every, .default_value = "1000", .range = at_least(0),
         .doc = "Iterations between sample grids and scatter plots; 0 = only at the end."},
        {.name = "grid", .field = &Samples::grid, .default_value = "64", .range = at_least(1),
         .doc = "Samples per grid (8x8)."},
    };
    return span_of(table);
}

std::span<const Key<Checkpoint>> checkpoint_keys() {
    static const Key<Checkpoint> table[] = {
        {.name = "every", .field = &Checkpoint::every, .default_value = "1000", .range = at_least(0),
         .doc = "Iterations between checkpoints; 0 = only at the end (and on Ctrl-C)."},
        {.name = "keep", .field = &Checkpoint::keep, .default_value = "2", .range = at_least(1),
         .doc = "Newest checkpoints kept."},
    };
    return span_of(table);
}

std::string flow(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string out = "{";
    for (size_t i = 0; i < pairs.size(); ++i)
        out += (i ? ", " : "") + pairs[i].first + ": " + pairs[i].second;
    return out + "}";
}

std::string block(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& indent) {
    std::string out;
    for (const auto& [name, value] : pairs) out += indent + name + ": " + value + "\n";
    return out;
}

namespace {

template <typename S>
void describe_table(const char* table, const char* path, std::span<const Key<S>> keys,
                    std::vector<KeyDoc>& out) {
    for (const Key<S>& k : keys) {
        KeyDoc doc;
        doc.table = table;
        doc.path = path;
        doc.name = k.name;
        doc.type = type_text(k);
        if (k.default_value) doc.default_value = k.default_value;
        doc.lo = k.range.lo;
        doc.hi = k.range.hi;
        doc.lo_open = k.range.lo_open;
        doc.hi_open = k.range.hi_open;
        doc.range = k.range.text();
        doc.doc = k.doc;
        if (k.applies_doc) doc.only_with = k.applies_doc;
        if (k.v1_name) doc.v1_name = k.v1_name;
        out.push_back(std::move(doc));
    }
}

}  // namespace

}  // namespace gantry::config::detail

namespace gantry::config {

std::vector<KeyDoc> framework_keys() {
    using namespace detail;
    std::vector<KeyDoc> out;
    describe_table("optimizer", "optimizers.<network>", optimizer_keys(), out);
    describe_table("adam", "optimizers.<network>", adam_keys(), out);
    describe_table("sgd", "optimizers.<network>", sgd_keys(), out);
    describe_table("rmsprop", "optimizers.<network>", rmsprop_keys(), out);
    describe_table("lr_schedule", "optimizers.<network>.schedule", lr_schedule_keys(), out);
    describe_table("schedule", "schedule", schedule_keys(), out);
    describe_table("step", "schedule.steps[i]", step_keys(), out);
    describe_table("ema", "schedule.ema", ema_keys(), out);
    describe_table("evaluate", "evaluate", evaluate_keys(), out);
    describe_table("log", "log", log_keys(), out);
    describe_table("samples", "samples", samples_keys(), out);
    describe_table("checkpoint", "checkpoint", checkpoint_keys(), out);
    return out;
}

std::string key_table_markdown(const std::string& table) {
    std::string out = "| key | type | default | meaning |\n| --- | --- | --- | --- |\n";
    bool found = false;
    for (const KeyDoc& k : framework_keys()) {
        if (k.table != table) continue;
        found = true;
        std::string type = k.type.empty() ? "see below" : k.type + k.range;
        std::string meaning = k.doc;
        if (!meaning.empty() && std::islower(static_cast<unsigned char>(meaning[0])))
            meaning[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(meaning[0])));
        if (!meaning.empty() && meaning.back() != '.') meaning += '.';
        if (!k.only_with.empty()) meaning += " Only with " + k.only_with + ".";
        if (!k.v1_name.empty()) meaning += " Formerly `" + k.v1_name + "` (refused now; see below).";
        auto cell = [](const std::string& text) {  // a '|' inside a cell would end it
            std::string out;
            for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
            return out;
        };
        const std::string fallback = k.type.empty() ? "none" : "required";
        std::string text = "| `" + k.name + "` | " + cell(type) + " | " +
                           (k.default_value ? "`" + *k.default_value + "`" : fallback) + " | " +
                           cell(meaning) + " |\n";
        out += text;
    }
    GANTRY_CHECK(found, "no framework key table '", table, "'");
    return out;
}

}  // namespace gantry::config
