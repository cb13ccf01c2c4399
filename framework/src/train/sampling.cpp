// SPDX-License-Identifier: Apache-2.0
#include "train/sampling.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
#include <vector>

#include "gantry/datasets/mixture.hpp"
#include "gantry/datasets/sequence.hpp"
#include "io/image_grid.hpp"
#include "gantry/random.hpp"

namespace gantry::train {

Tensor fixed_labels(const DataInfo& data, int64_t n) {
    if (data.classes == 0) return {};
    Tensor labels = Tensor::empty({n});
    for (int64_t i = 0; i < n; ++i) labels.data()[i] = static_cast<float>(i % data.classes);
    return labels;
}

Tensor row_labels(const DataInfo& data, int64_t rows, int64_t per_row) {
    if (data.classes == 0) return {};
    Tensor labels = Tensor::empty({rows * per_row});
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < per_row; ++c)
            labels.data()[r * per_row + c] = static_cast<float>(r % data.classes);
    return labels;
}

int64_t generator_classes(const Assembly& run) {
    const config::GeneratorSection& g = run.spec.generator;
    return g.options.has("conditional") && g.options.get_bool("conditional") ? run.data.classes : 0;
}

Tensor reference_real(const Assembly& run, int64_t n) {
    Rng rng(run.spec.seed, kEvalRealStream);
    std::vector<int64_t> indices(static_cast<size_t>(n));
    for (int64_t& i : indices) i = static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(run.data.size)));
    return run.dataset->get(indices).x;
}

const Dataset& heldout_data(const Assembly& run) { return run.heldout ? *run.heldout : *run.dataset; }

Pairs heldout_pairs(const Assembly& run, int64_t n) {
    const Dataset& source = heldout_data(run);
    const DataInfo info = source.info();
    // Sequences: the first sample of each sequence, so that n pairs are n different sequences
    // and each can be rolled out for the sequence's whole length.
    const std::optional<datasets::SequenceLayout> layout = datasets::find_sequence_layout(info);
    const int64_t stride = layout ? layout->steps : 1;
    std::vector<int64_t> indices(static_cast<size_t>(std::min(n, info.size / stride)));
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int64_t>(i) * stride;
    Batch batch = source.get(indices);
    return {source.condition(indices), batch.x, batch.labels, indices};
}

namespace {

/// A condition as a picture of the samples' shape: channels cut or repeated to the samples',
/// pixels repeated (nearest) up to their size. Undefined when the condition is not an image
/// whose sides divide the samples'.
Tensor condition_picture(const Tensor& condition, const Shape& sample) {
    if (condition.shape().rank() != 4 || sample.rank() != 3) return {};
    const int64_t n = condition.size(0), cc = condition.size(1), h = condition.size(2), w = condition.size(3);
    const int64_t c = sample[0], H = sample[1], W = sample[2];
    if (H % h != 0 || W % w != 0) return {};
    Tensor out = Tensor::empty({n, c, H, W});
    const float* src = condition.data();
    float* dst = out.data();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < c; ++k) {
            const int64_t from = std::min(k, cc - 1);
            for (int64_t y = 0; y < H; ++y)
                for (int64_t x = 0; x < W; ++x)
                    dst[((i * c + k) * H + y) * W + x] =
                        src[((i * cc + from) * h + y / (H / h)) * w + x / (W / w)];
        }
    return out;
}

}  // namespace

io::Image pairs_grid(const Assembly& run, const Tensor& condition, const std::vector<Tensor>& outputs,
                     const Tensor& target) {
    std::vector<Tensor> columns;
    if (Tensor picture = condition_picture(condition, run.data.sample_shape); picture.defined())
        columns.push_back(picture);
    if (Tensor baseline = run.dataset->baseline(condition); baseline.defined()) columns.push_back(baseline);
    for (const Tensor& output : outputs) columns.push_back(output);
    if (target.defined()) columns.push_back(target);
    const int64_t rows = condition.size(0);
    const int64_t per_sample = run.data.sample_shape.numel();
    std::vector<int64_t> dims{rows * static_cast<int64_t>(columns.size())};
    for (int64_t d : run.data.sample_shape.dims()) dims.push_back(d);
    Tensor cells = Tensor::empty(Shape(dims));
    for (int64_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < columns.size(); ++c)
            std::copy_n(columns[c].data() + r * per_sample, per_sample,
                        cells.data() + (r * static_cast<int64_t>(columns.size()) + static_cast<int64_t>(c)) * per_sample);
    return io::image_grid(cells, static_cast<int>(columns.size()));
}

FixedInputs fixed_inputs(const Assembly& run) {
    const config::ExperimentSpec& spec = run.spec;
    FixedInputs fixed;
    const int64_t grid = spec.samples.grid;
    const int64_t eval_n = spec.evaluate.samples;
    if (run.trainer->conditional()) {
        // The held-out pairs, and noise for as many as there are.
        fixed.sample_pairs = heldout_pairs(run, grid);
        fixed.eval_pairs = heldout_pairs(run, eval_n);
        fixed.sample_labels = fixed.sample_pairs.condition;
        fixed.eval_labels = fixed.eval_pairs.condition;
        fixed.sample_noise = Rng(spec.seed, kSampleNoiseStream)
                                 .normal({fixed.sample_pairs.target.size(0), spec.generator.latent});
        fixed.eval_noise = Rng(spec.seed, kEvalNoiseStream)
                               .normal({fixed.eval_pairs.target.size(0), spec.generator.latent});
        return fixed;
    }
    fixed.sample_noise = Rng(spec.seed, kSampleNoiseStream).normal({grid, spec.generator.latent});
    fixed.sample_labels = fixed_labels(run.data, grid);
    fixed.eval_noise = Rng(spec.seed, kEvalNoiseStream).normal({eval_n, spec.generator.latent});
    fixed.eval_labels = fixed_labels(run.data, eval_n);
    if (run.data.images) return fixed;
    fixed.plot_real = reference_real(run, std::min<int64_t>(eval_n, 2500));
    if (const std::optional<datasets::Mixture> mixture = datasets::find_mixture(run.data)) {
        fixed.mode_centres = Tensor::empty({static_cast<int64_t>(mixture->means.size()), 2});
        for (size_t i = 0; i < mixture->means.size(); ++i)
            for (size_t j = 0; j < 2; ++j)
                fixed.mode_centres.data()[2 * i + j] = static_cast<float>(mixture->means[i][j]);
    }
    fixed.plot_range = io::scatter_range(fixed.plot_real, fixed.mode_centres);
    return fixed;
}

io::Image sample_frame(const Assembly& run, const FixedInputs& fixed) {
    Trainer& trainer = *run.trainer;
    if (trainer.conditional())
        return pairs_grid(run, fixed.sample_pairs.condition,
                          {trainer.generate(fixed.sample_noise, fixed.sample_pairs.condition)},
                          fixed.sample_pairs.target);
    if (run.data.images) return io::image_grid(trainer.generate(fixed.sample_noise, fixed.sample_labels));
    return io::scatter_image(fixed.plot_real, trainer.generate(fixed.eval_noise, fixed.eval_labels),
                             fixed.mode_centres, fixed.plot_range);
}

}  // namespace gantry::train
