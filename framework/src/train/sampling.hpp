// SPDX-License-Identifier: Apache-2.0
#pragma once
/// What a run draws its generator on, and how a draw becomes a picture. Fixed inputs come from
/// their own streams of the run's seed, so every frame and every evaluation of a run (and of its
/// resumes) shows the same noise; a grid of images or, for 2-D points, a scatter plot over the
/// real data.
#include <cstdint>
#include <vector>

#include "gantry/io/png.hpp"
#include "io/scatter.hpp"
#include "gantry/tensor.hpp"
#include "train/assembly.hpp"

namespace gantry::train {

/// The run seed's streams used for sampling (the trainer and the networks' initialisation have
/// theirs: adding draws to one never shifts another).
constexpr uint64_t kSampleNoiseStream = 7;
constexpr uint64_t kEvalNoiseStream = 8;
constexpr uint64_t kEvalRealStream = 9;

/// Class labels 0, 1, 2, ... cycling, for a labelled dataset; undefined for unlabelled data.
Tensor fixed_labels(const DataInfo& data, int64_t n);

/// `rows * per_row` labels constant along each row: row r has class r mod classes (interpolation
/// rows keep their class). Undefined for unlabelled data.
Tensor row_labels(const DataInfo& data, int64_t rows, int64_t per_row);

/// The classes the run's generator is conditioned on: the data's classes when the generator
/// section sets `conditional: true`, else 0.
int64_t generator_classes(const Assembly& run);

/// `n` real samples in the data's scale, drawn by a fixed stream (for plots and metrics).
Tensor reference_real(const Assembly& run, int64_t n);

/// Pairs of conditional data: conditions, their targets and the targets' classes (undefined for
/// unlabelled data), and where in the held-out data they are.
struct Pairs {
    Tensor condition, target, labels;
    std::vector<int64_t> indices;
};

/// The held-out data: the test split when the dataset has one, else the training data.
const Dataset& heldout_data(const Assembly& run);

/// The first `n` pairs (at most all) of the held-out data: every run of a comparison is shown and
/// scored on the same pairs. For sequence data (datasets/sequence.hpp), the first pair of each of
/// the first `n` sequences.
Pairs heldout_pairs(const Assembly& run, int64_t n);

/// The grid of a conditional generator: one row per pair, columns condition | baseline (when the
/// dataset has one) | each of `outputs` | target (when defined). Conditions that are not images
/// of the samples' size or a whole fraction of it have no column.
io::Image pairs_grid(const Assembly& run, const Tensor& condition, const std::vector<Tensor>& outputs,
                     const Tensor& target);

/// The noise (and G's context) behind a run's sample frames and evaluations, and what its scatter
/// plots draw the samples over. For conditional data the context is the held-out pairs'
/// conditions (sample_labels, eval_labels) and the *_pairs keep their targets and classes.
struct FixedInputs {
    Tensor sample_noise, sample_labels;  ///< samples.grid of them
    Tensor eval_noise, eval_labels;      ///< evaluate.samples of them
    Pairs sample_pairs, eval_pairs;      ///< conditional data only
    Tensor plot_real;                    ///< points only: real samples under the scatter plots
    Tensor mode_centres;                 ///< mixtures only: (modes, 2)
    io::PlotRange plot_range;            ///< one range for every frame
};

FixedInputs fixed_inputs(const Assembly& run);

/// One sample frame of the run's current generator: a grid of the fixed noise batch for images;
/// for points, the fixed evaluation batch over the real data and the modes.
io::Image sample_frame(const Assembly& run, const FixedInputs& fixed);

}  // namespace gantry::train
