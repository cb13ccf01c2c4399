// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A finished (or stopped) run reopened for drawing from it: its own experiment.yaml resolved
/// against the real plugins, the networks assembled and the newest good checkpoint loaded.
/// What `gantry sample`, `gantry project` and `gantry studio` share.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gantry/nn/module.hpp"
#include "gantry/tensor.hpp"
#include "train/assembly.hpp"
#include "train/plugin_session.hpp"

namespace gantry::train {

struct TrainedRun {
    /// Declared first so that it is destroyed last: the plugin libraries outlive their objects.
    std::unique_ptr<PluginSession> plugins;
    Assembly run;
    std::filesystem::path dir;
    /// E.g. "the newest checkpoint failed verification; using ...".
    std::vector<std::string> warnings;

    int64_t latent() const { return run.spec.generator.latent; }
    /// The class count a conditional generator takes; 0 for an unconditional one (the generator
    /// section's `conditional:` option on labelled data).
    int64_t classes() const;
    /// The generator samples come from: the EMA copy when the run has EMA.
    nn::Module& generator() { return run.trainer->sampling_generator(); }
    /// Samples of `noise` (N, latent) and `labels` (N) (undefined for an unconditional G), in
    /// eval mode without recording.
    Tensor generate(const Tensor& noise, const Tensor& labels = {});
};

/// Opens `run_dir`. `command` names the caller in messages ("gantry project"). Throws ConfigError
/// when the directory has no experiment.yaml, DataError (exit 4) when it has no checkpoint that
/// verifies, and whatever resolving and assembling throw.
TrainedRun open_trained_run(const std::filesystem::path& run_dir, const std::string& command);

/// Throws ConfigError (exit 2) naming `command` when the run was trained on conditional data
/// (image to image): the latent tools search z of an unconditional or class-conditional G.
void refuse_conditional_data(const TrainedRun& trained, const std::string& command);

/// The labels a conditional generator is given: `label` for all n, checked against `classes`.
/// Throws ConfigError (exit 2) naming `command` when the run is unconditional or the class is out
/// of [0, classes).
Tensor constant_labels(int64_t classes, int64_t label, int64_t n, const std::string& command);

/// A latent vector saved by `gantry project` or `gantry sample --format npy`: a little-endian
/// float32 .npy file holding exactly `latent` values (shape (latent) or (1, latent)). Throws
/// DataError naming the file and both sizes otherwise.
Tensor read_latent_npy(const std::filesystem::path& path, int64_t latent);

}  // namespace gantry::train
