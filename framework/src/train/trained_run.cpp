// SPDX-License-Identifier: Apache-2.0
#include "train/trained_run.hpp"

#include <cmath>
#include <cstring>
#include <optional>

#include "gantry/error.hpp"
#include "gantry/threads.hpp"
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
    const config::ExperimentSpec spec =
        resolve_experiment(saved_file.string(), {}, *trained.plugins, config::Spelling::v1);
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
    const std::string bytes = io::detail::read_file_bytes(path, "latent vector");
    const std::string name = path.string();
    GANTRY_CHECK_AS(DataError, bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, name,
                    ": not a .npy file");
    const int major = static_cast<unsigned char>(bytes[6]);
    size_t header_len = 0, offset = 0;
    if (major == 1) {
        header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        offset = 10;
    } else {
        GANTRY_CHECK_AS(DataError, (major == 2 || major == 3) && bytes.size() >= 12, name,
                        ": unsupported .npy version ", major);
        for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
        offset = 12;
    }
    GANTRY_CHECK_AS(DataError, header_len <= 65536 && offset + header_len <= bytes.size(), name,
                    ": truncated .npy header");
    const std::string header = bytes.substr(offset, header_len);
    GANTRY_CHECK_AS(DataError, header.find("'descr': '<f4'") != std::string::npos, name,
                    ": expected little-endian float32 values ('<f4')");
    GANTRY_CHECK_AS(DataError, header.find("'fortran_order': False") != std::string::npos, name,
                    ": expected C order");
    const size_t data = offset + header_len;
    const size_t count = (bytes.size() - data) / sizeof(float);
    GANTRY_CHECK_AS(DataError, (bytes.size() - data) % sizeof(float) == 0 && static_cast<int64_t>(count) == latent,
                    name, ": holds ", count, " values; this run's generator takes a latent of ", latent);
    Tensor z = Tensor::empty({1, latent});
    std::memcpy(z.data(), bytes.data() + data, count * sizeof(float));
    for (int64_t i = 0; i < latent; ++i)
        GANTRY_CHECK_AS(DataError, std::isfinite(z.data()[i]), name, ": value ", i, " is not finite");
    return z;
}

}  // namespace gantry::train
