// SPDX-License-Identifier: Apache-2.0
// `gantry sample`: the run's own experiment rebuilt, its newest good checkpoint loaded, and the
// (EMA) generator drawn on fresh noise into a PNG, a CSV or a .npy file.
#include <cstdio>
#include <filesystem>
#include <optional>

#include "gantry/error.hpp"
#include "io/array_export.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/image_grid.hpp"
#include "gantry/io/png.hpp"
#include "io/scatter.hpp"
#include "gantry/ops.hpp"
#include "gantry/random.hpp"
#include "gantry/threads.hpp"
#include "train/plugin_session.hpp"
#include "train/run.hpp"
#include "train/assembly.hpp"
#include "train/sampling.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

namespace {

/// Samples in a row of an interpolation: the row walks from one random latent point to another.
constexpr int64_t kRow = 8;

Tensor interpolation_noise(Rng& rng, int64_t count, int64_t latent) {
    const int64_t rows = (count + kRow - 1) / kRow;
    const Tensor ends = rng.normal({2 * rows, latent});
    Tensor noise = Tensor::empty({rows * kRow, latent});
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < kRow; ++c) {
            const float t = static_cast<float>(c) / static_cast<float>(kRow - 1);
            for (int64_t k = 0; k < latent; ++k)
                noise.data()[(r * kRow + c) * latent + k] =
                    (1.f - t) * ends.data()[2 * r * latent + k] + t * ends.data()[(2 * r + 1) * latent + k];
        }
    return noise;
}

fs::path default_output(const fs::path& run_dir, int64_t iteration, const std::string& format) {
    char name[48];
    std::snprintf(name, sizeof name, "sample-%09ld.%s", static_cast<long>(iteration), format.c_str());
    const fs::path out = run_dir / "samples" / name;
    fs::create_directories(out.parent_path());
    return out;
}

}  // namespace

SampleResult sample_from_run(const SampleRequest& request) {
    GANTRY_CHECK_AS(ConfigError, request.format == "png" || request.format == "csv" || request.format == "npy",
                    "gantry sample: --format must be png, csv or npy, got '", request.format, "'");
    GANTRY_CHECK_AS(ConfigError, request.count >= 1 && request.count <= 1000000,
                    "gantry sample: -n must be in [1, 1000000], got ", request.count);
    const fs::path run_dir = request.run_dir;
    const fs::path saved_file = run_dir / "experiment.yaml";
    GANTRY_CHECK_AS(ConfigError, fs::exists(saved_file), "gantry sample: ", request.run_dir,
                    " has no experiment.yaml; is it a Gantry run directory?");
    PluginSession plugins;
    const config::ExperimentSpec spec = resolve_experiment(saved_file.string(), {}, plugins, config::Spelling::v1);
    set_num_threads(static_cast<int>(spec.threads));
    Assembly run = assemble(spec, plugins);
    std::optional<io::FoundCheckpoint> found = io::find_latest_good(run_dir / "checkpoints");
    GANTRY_CHECK_AS(DataError, found.has_value(), "gantry sample: ", request.run_dir, " has no checkpoint yet");
    SampleResult result;
    if (found->fell_back) result.warnings.push_back(found->note);
    Trainer& trainer = *run.trainer;
    trainer.load_state(found->data.tensors);

    Rng rng(request.seed.value_or(spec.seed), kSampleNoiseStream);
    const Tensor noise = request.interpolate ? interpolation_noise(rng, request.count, spec.generator.latent)
                                             : rng.normal({request.count, spec.generator.latent});
    const Tensor samples = trainer.generate(noise, fixed_labels(run.data, noise.size(0)));

    const fs::path out = request.out.empty() ? default_output(run_dir, trainer.iteration(), request.format)
                                             : fs::path(request.out);
    if (request.format == "png" && run.data.images) {
        io::write_png(out, io::image_grid(samples, request.interpolate ? static_cast<int>(kRow) : 0));
    } else if (request.format == "png") {
        // The real points under the plot, drawn once: they also fix the plot's window.
        const Tensor real = reference_real(run, 2500);
        io::write_png(out, io::scatter_image(real, samples, Tensor(), io::scatter_range(real)));
    } else {
        // The data's own scale: points as generated, images back from [-1, 1] to [0, 255].
        const Tensor values = run.data.images ? affine(samples, 127.5f, 127.5f) : samples;
        if (request.format == "csv") io::write_csv(out, values);
        else io::write_npy(out, values);
    }
    result.file = out.string();
    return result;
}

}  // namespace gantry::train
