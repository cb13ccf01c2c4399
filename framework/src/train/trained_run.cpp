// SPDX-License-Identifier: Apache-2.0
#include "train/trained_run.hpp"

#include <cmath>
#include <cstring>
#include <optional>

#include "gantry/error.hpp"
#include "gantry/threads.hpp"
#include "io/array_import.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/posix_io.hpp"
#include "train/sampling.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

int64_t TrainedRun::classes() const {
    return generator_classes(run);
}

Tensor TrainedRun::generate(const Tensor& noise, const Tensor& labels) {
    return run.trainer->generate(noise, labels);
}

TrainedRun open_trained_run(const fs::path& run_dir, const std::string& command) {
    const fs::path saved_file = run_dir / "experiment.yaml";
    GANTRY_CHECK_AS(ConfigError, fs::exists(run_dir), command, ": ", run_dir.string(), " does not exist");
    GANTRY_CHECK_AS(ConfigError, fs::exists(saved_file), command, ": ", run_dir.string(),
                    " has no experiment.yaml; is it a Gantry run directory?");
    TrainedRun trained;
    trained.plugins = std::make_unique<PluginSession>();
    trained.dir = run_dir;
    config::ExperimentSpec spec =
        resolve_experiment(saved_file.string(), {}, *trained.plugins, config::Spelling::v1);
    // A trained run only samples (Trainer::generate, always fp32 on the fp32 weights): a bf16
    // run opens on a CPU without bf16 as well.
    spec.precision = Precision::fp32;
    set_num_threads(static_cast<int>(spec.threads));
    trained.run = assemble(spec, *trained.plugins);
    std::optional<io::FoundCheckpoint> found = io::find_latest_good(run_dir / "checkpoints");
    GANTRY_CHECK_AS(DataError, found.has_value(), command, ": ", run_dir.string(), " has no checkpoint yet");
    if (found->fell_back) trained.warnings.push_back(found->note);
    trained.run.trainer->load_state(found->data.tensors);
    return trained;
}

void refuse_conditional_data(const TrainedRun& trained, const std::string& command) {
    GANTRY_CHECK_AS(ConfigError, !trained.run.trainer->conditional(), command, ": ", trained.dir.string(),
                    " was trained on conditional data (data '", trained.run.spec.data.plugin,
                    "'): its generator answers a condition, and ", command,
                    " searches the noise of an unconditional or class-conditional generator; draw it "
                    "with gantry sample --condition (docs/conditional.md)");
}

Tensor constant_labels(int64_t classes, int64_t label, int64_t n, const std::string& command) {
    GANTRY_CHECK_AS(ConfigError, classes > 0, command,
                    ": --class needs a conditional generator; this run's generator takes no class");
    GANTRY_CHECK_AS(ConfigError, label >= 0 && label < classes, command, ": --class must be in [0, ",
                    classes - 1, "], got ", label);
    return Tensor::full({n}, static_cast<float>(label));
}

Tensor read_latent_npy(const fs::path& path, int64_t latent) {
    // The .npy reader of `gantry eval` (header, order, size and finiteness checks), then what a
    // latent point must be: float values, as many as the generator's latent.
    const io::NpyArray array = io::read_npy(path, int64_t{1} << 24);
    GANTRY_CHECK_AS(DataError, array.dtype != "|u1", path.string(),
                    ": expected float values ('<f4' or '<f8'), got bytes ('|u1')");
    GANTRY_CHECK_AS(DataError, array.values.numel() == latent, path.string(), ": holds ", array.values.numel(),
                    " values; this run's generator takes a latent of ", latent);
    Tensor z = Tensor::empty({1, latent});
    std::copy_n(array.values.data(), latent, z.data());
    return z;
}

}  // namespace gantry::train
