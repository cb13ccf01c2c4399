// SPDX-License-Identifier: Apache-2.0
#pragma once
/// `gantry eval`: samples made anywhere (a .npy file or a folder of PNG files) scored against real
/// data by the same metric plugins, through the same path (train::score), as a run's evaluation.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/metric.hpp"
#include "train/data_source.hpp"

namespace gantry::train {

struct EvalRequest {
    /// The real data, and the metrics' options (evaluate.options) when it is an experiment file.
    DataSource real;
    /// A .npy file or a folder of PNG files.
    std::string fake;
    /// Metric names; empty: the experiment's evaluate.metrics, else by the data: fd, kid,
    /// precision, recall for images, modes, high_quality, kl_modes for a mixture's points.
    std::vector<std::string> metrics;
    /// Score the first N samples only (default: all).
    std::optional<int64_t> samples;
    /// Where metric plugins may cache real features; empty: nowhere.
    std::string cache_dir;
};

struct EvalResult {
    std::vector<MetricValue> values;
    int64_t n_fake = 0;
    /// What was read: "samples.npy: float32 (2000, 1, 28, 28), values in [0, 255]".
    std::string fake;
    /// The data's identity (plugin, options, split) and its sample shape.
    std::string real;
    Shape sample_shape;
    /// The metrics' time, real features included.
    double seconds = 0;
    std::vector<std::string> warnings;
};

/// Reads, checks and scores. Throws ConfigError (exit 2) for a bad request (--samples above the
/// samples there are, conditional data, no metrics known for the data), DataError (exit 4) for a
/// file that is not samples of the data's shape (naming the file, its shape and the expected
/// one), and whatever resolving, the plugins and the metrics throw.
EvalResult evaluate_samples(const EvalRequest& request);

/// Samples of `data` read from `path` in the data's own scale (what the metrics see): a .npy
/// file holding (N, sample shape...) — images also (N, H, W, C), or (N, H, W) for one channel —
/// with image values in [0, 255] (what `gantry sample --format npy` writes) mapped to [-1, 1];
/// or a folder of PNG files (*.png, in name order, each of the data's (C, H, W)). `described`
/// receives what was read. Throws DataError as evaluate_samples.
Tensor read_samples(const std::string& path, const DataInfo& data, std::string* described,
                    std::vector<std::string>* warnings);

}  // namespace gantry::train
