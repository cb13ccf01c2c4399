// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Data named outside a run, for `gantry eval --real` and `gantry train-classifier --data`: an
/// experiment file's data section (with its metric sections), or a dataset plugin given on the
/// command line, either way with `--set key.path=value` overrides on that document.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "gantry/data.hpp"
#include "train/plugin_session.hpp"

namespace gantry::train {

struct DataSource {
    /// An experiment file, or a run directory (its experiment.yaml); or
    std::string experiment;
    /// a dataset plugin whose options come from `overrides` (`data.<option>=value`).
    std::string plugin;
    /// --set key.path=value, applied to the document (data, evaluate, seed, plugins).
    std::vector<std::string> overrides;
    /// How the command line spells the two forms, for messages ("--real", "--real-plugin").
    std::string file_flag = "--data", plugin_flag = "--data-plugin";
};

/// `source` resolved against the real plugins (`session` keeps them). `metrics`, when given,
/// replace evaluate.metrics. Throws ConfigError when both forms or neither are given, or for the
/// document's problems (ConfigErrors), PluginError as the host does.
config::ExperimentSpec resolve_data_source(const DataSource& source, PluginSession& session,
                                           const std::vector<std::string>& metrics = {});

/// The dataset of a resolved data section; with `test_split`, the same plugin with `split: test`
/// when it has that option, else null.
std::unique_ptr<Dataset> create_data(const config::ExperimentSpec& spec, PluginSession& session, bool test_split);

/// Every sample of `dataset` (x and labels), at most `limit` (0: all) from the start.
Batch all_samples(const Dataset& dataset, int64_t limit = 0);

/// Labelled images split for training and testing a classifier: x (N, C, H, W) in [-1, 1],
/// labels (N) class ids in [0, classes); `description` says where they come from and how they
/// were split (the classifier's record keeps it).
struct LabelledImages {
    Batch train, test;
    int64_t classes = 0;
    std::string description;
};

/// `gantry train-classifier --data`: the labelled images of `source`, training and test. The test
/// images are the plugin's test split when it has one (`split: test`), else a fixed choice
/// (drawn from `seed`) of a sixth of the data, kept out of training. Throws ConfigError when the
/// data is not labelled images.
LabelledImages classifier_data(const DataSource& source, uint64_t seed, int64_t train_limit,
                                          int64_t test_limit);

}  // namespace gantry::train
