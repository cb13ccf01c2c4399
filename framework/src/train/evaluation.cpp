// SPDX-License-Identifier: Apache-2.0
#include "train/evaluation.hpp"

#include <chrono>

namespace gantry::train {

Evaluation evaluate(const Assembly& run, const FixedInputs& fixed, const std::string& cache_dir) {
    const auto t0 = std::chrono::steady_clock::now();
    MetricContext context;
    context.dataset = run.dataset.get();
    context.data = run.data;
    context.fake = run.trainer->generate(fixed.eval_noise, fixed.eval_labels);
    context.fake_labels = fixed.eval_labels;
    if (run.trainer->conditional()) {
        // G's context was the pairs' conditions; the metrics see the pairs' classes.
        context.fake_labels = fixed.eval_pairs.labels;
        context.condition = fixed.eval_pairs.condition;
        context.target = fixed.eval_pairs.target;
    }
    context.seed = run.spec.seed;
    context.cache_dir = cache_dir;
    Evaluation evaluation = score(run.metrics, context);
    evaluation.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return evaluation;
}

Evaluation score(const std::vector<MetricPlugin>& metrics, const MetricContext& context) {
    const auto t0 = std::chrono::steady_clock::now();
    Evaluation evaluation;
    for (const MetricPlugin& plugin : metrics)
        for (MetricValue& v : plugin.metric->evaluate(context, plugin.names))
            evaluation.values.push_back(std::move(v));
    evaluation.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return evaluation;
}

}  // namespace gantry::train
