// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Next-frame prediction rolled out (issue 14): G's prediction becomes the newest frame of the
/// next condition, so step k shows how a model's errors compound over k frames. Only for data
/// with a sequence layout (datasets/sequence.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "gantry/io/png.hpp"
#include "gantry/metric.hpp"
#include "gantry/tensor.hpp"
#include "train/assembly.hpp"
#include "train/sampling.hpp"

namespace gantry::train {

struct Rollout {
    Pairs start;                    ///< the first pair of each rolled-out held-out sequence
    std::vector<Tensor> predicted;  ///< per step: G's frames (n, C, H, W)
    std::vector<Tensor> truth;      ///< per step: the true frames
};

/// `steps` steps of the run's sampling generator from the first `n` held-out sequences, with one
/// noise row per sequence (the sample frames' stream of the run's seed) kept for every step.
/// Throws ConfigError when the data is not a sequence or its sequences are shorter than `steps`.
Rollout roll_out(const Assembly& run, int64_t n, int64_t steps);

/// The run's metric plugins on each step: predicted against truth, the condition the sequence's
/// first (so baseline_* metrics score the last frame actually seen, copied forward).
std::vector<std::vector<MetricValue>> rollout_metrics(const Assembly& run, const Rollout& rollout,
                                                      const std::string& cache_dir);

/// Two rows per sequence (at most `sequences`): the context frames then the predicted frames;
/// under them, the true frames (the context's cells left black).
io::Image rollout_strip(const Assembly& run, const Rollout& rollout, int64_t sequences);

/// The same as a film, one image per time step (the context's frames, then each step): the
/// first `sequences` sequences side by side, the model's frames over the true ones.
std::vector<io::Image> rollout_film(const Assembly& run, const Rollout& rollout, int64_t sequences);

}  // namespace gantry::train
