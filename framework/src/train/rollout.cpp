// SPDX-License-Identifier: Apache-2.0
#include "train/rollout.hpp"

#include <algorithm>
#include <optional>

#include "gantry/datasets/sequence.hpp"
#include "gantry/error.hpp"
#include "gantry/random.hpp"
#include "io/image_grid.hpp"

namespace gantry::train {
namespace {

datasets::SequenceLayout sequence_layout(const Assembly& run) {
    const std::optional<datasets::SequenceLayout> layout = datasets::find_sequence_layout(run.data);
    GANTRY_CHECK_AS(ConfigError, layout.has_value(), "rollout: the run's data '", run.spec.data.plugin,
                    "' is not a sequence (no ", datasets::kSequenceLayout,
                    " in its metadata); roll-outs are for next-frame data, e.g. data: {plugin: moving_fashion}");
    return *layout;
}

/// The condition without its oldest frame, then `frame`: the next step's condition.
Tensor shifted(const Tensor& condition, const Tensor& frame) {
    const int64_t n = condition.size(0);
    const int64_t per_frame = frame.numel() / n;
    const int64_t per_condition = condition.numel() / n;
    Tensor out = Tensor::empty(condition.shape());
    for (int64_t i = 0; i < n; ++i) {
        const float* c = condition.data() + i * per_condition;
        float* o = out.data() + i * per_condition;
        std::copy(c + per_frame, c + per_condition, o);
        std::copy_n(frame.data() + i * per_frame, per_frame, o + per_condition - per_frame);
    }
    return out;
}

}  // namespace

Rollout roll_out(const Assembly& run, int64_t n, int64_t steps) {
    const datasets::SequenceLayout layout = sequence_layout(run);
    GANTRY_CHECK_AS(ConfigError, steps >= 1 && steps <= layout.steps, "rollout: ", steps,
                    " steps asked, but the data's sequences give ", layout.steps, " after their ", layout.context,
                    " context frames (data.length - data.context); ask at most ", layout.steps,
                    " or lengthen the sequences");
    Rollout rollout;
    rollout.start = heldout_pairs(run, n);
    const int64_t rows = rollout.start.target.size(0);
    const Tensor z = Rng(run.spec.seed, kSampleNoiseStream).normal({rows, run.spec.generator.latent});
    const Dataset& source = heldout_data(run);
    Tensor condition = rollout.start.condition;
    for (int64_t k = 0; k < steps; ++k) {
        Tensor frame = run.trainer->generate(z, condition);
        std::vector<int64_t> at = rollout.start.indices;
        for (int64_t& index : at) index += k;  // the same sequence, k frames on
        rollout.truth.push_back(k == 0 ? rollout.start.target : source.get(at).x);
        if (k + 1 < steps) condition = shifted(condition, frame);
        rollout.predicted.push_back(std::move(frame));
    }
    return rollout;
}

std::vector<std::vector<MetricValue>> rollout_metrics(const Assembly& run, const Rollout& rollout,
                                                      const std::string& cache_dir) {
    std::vector<std::vector<MetricValue>> out;
    for (size_t k = 0; k < rollout.predicted.size(); ++k) {
        MetricContext context;
        context.dataset = run.dataset.get();
        context.data = run.data;
        context.fake = rollout.predicted[k];
        context.fake_labels = rollout.start.labels;
        context.condition = rollout.start.condition;
        context.target = rollout.truth[k];
        context.seed = run.spec.seed;
        context.cache_dir = cache_dir;
        std::vector<MetricValue> step;
        for (const MetricPlugin& plugin : run.metrics)
            for (MetricValue& v : plugin.metric->evaluate(context, plugin.names)) step.push_back(std::move(v));
        out.push_back(std::move(step));
    }
    return out;
}

namespace {

/// The pixels of sequence r at time t (the context's frames first, then the steps) in the
/// model's row (its predictions) or the truth's row; nullptr for the truth's context, which the
/// strip leaves black (the model's row shows those frames).
const float* cell(const Rollout& rollout, const datasets::SequenceLayout& layout, int64_t per, int64_t r,
                  int64_t t, bool truth_row) {
    if (t < layout.context)
        return truth_row ? nullptr : rollout.start.condition.data() + (r * layout.context + t) * per;
    const size_t k = static_cast<size_t>(t - layout.context);
    return (truth_row ? rollout.truth[k] : rollout.predicted[k]).data() + r * per;
}

/// `cells` (N, sample...) filled from `at(i)` (black for nullptr), tiled `columns` wide.
template <typename At>
io::Image tiles(const Shape& sample, int64_t count, int64_t columns, At at) {
    const int64_t per = sample.numel();
    std::vector<int64_t> dims{count};
    for (int64_t d : sample.dims()) dims.push_back(d);
    Tensor cells = Tensor::full(Shape(dims), -1.f);
    for (int64_t i = 0; i < count; ++i)
        if (const float* pixels = at(i)) std::copy_n(pixels, per, cells.data() + i * per);
    return io::image_grid(cells, static_cast<int>(columns));
}

}  // namespace

io::Image rollout_strip(const Assembly& run, const Rollout& rollout, int64_t sequences) {
    const datasets::SequenceLayout layout = sequence_layout(run);
    const Shape& sample = run.data.sample_shape;
    const int64_t rows = std::min(sequences, rollout.start.target.size(0));
    const int64_t columns = layout.context + static_cast<int64_t>(rollout.predicted.size());
    // Row 2r: sequence r's context and predictions; row 2r + 1: its true frames.
    return tiles(sample, 2 * rows * columns, columns, [&](int64_t i) {
        return cell(rollout, layout, sample.numel(), i / (2 * columns), i % columns, (i / columns) % 2 == 1);
    });
}

std::vector<io::Image> rollout_film(const Assembly& run, const Rollout& rollout, int64_t sequences) {
    const datasets::SequenceLayout layout = sequence_layout(run);
    const Shape& sample = run.data.sample_shape;
    const int64_t rows = std::min(sequences, rollout.start.target.size(0));
    const int64_t frames = layout.context + static_cast<int64_t>(rollout.predicted.size());
    std::vector<io::Image> film;
    for (int64_t t = 0; t < frames; ++t)
        // Top row: each sequence as the model sees it; bottom row: the truth (the context too).
        film.push_back(tiles(sample, 2 * rows, rows, [&](int64_t i) {
            const bool truth_row = i >= rows && t >= layout.context;
            return cell(rollout, layout, sample.numel(), i % rows, t, truth_row);
        }));
    return film;
}

}  // namespace gantry::train
