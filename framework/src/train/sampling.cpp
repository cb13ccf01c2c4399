// SPDX-License-Identifier: Apache-2.0
#include "train/sampling.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "gantry/datasets/mixture.hpp"
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

FixedInputs fixed_inputs(const Assembly& run) {
    const config::ExperimentSpec& spec = run.spec;
    FixedInputs fixed;
    const int64_t grid = spec.samples.grid;
    fixed.sample_noise = Rng(spec.seed, kSampleNoiseStream).normal({grid, spec.generator.latent});
    fixed.sample_labels = fixed_labels(run.data, grid);
    const int64_t eval_n = spec.evaluate.samples;
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
    if (run.data.images) return io::image_grid(trainer.generate(fixed.sample_noise, fixed.sample_labels));
    return io::scatter_image(fixed.plot_real, trainer.generate(fixed.eval_noise, fixed.eval_labels),
                             fixed.mode_centres, fixed.plot_range);
}

}  // namespace gantry::train
