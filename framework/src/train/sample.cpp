// SPDX-License-Identifier: Apache-2.0
// `gantry sample`: the run's own experiment rebuilt, its newest good checkpoint loaded, and the
// (EMA) generator drawn on fresh noise into a PNG, a CSV or a .npy file.
#include <cstdio>
#include <filesystem>
#include <optional>

#include "gantry/datasets/condition.hpp"
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

/// The condition in a PNG file, as a (1, condition shape...) batch in the data's scale. Throws
/// DataError naming the file, its shape and the expected one.
Tensor condition_from_png(const fs::path& file, const Shape& expected) {
    const Tensor pixels = io::read_png(file);  // (C, H, W) in [0, 1]
    GANTRY_CHECK_AS(DataError, expected.rank() == 3 && pixels.shape() == expected, "gantry sample: ",
                    file.string(), ": the image is ", pixels.shape(), " (channels, height, width) but the "
                    "run's conditions are ", expected, "; give a ", expected.rank() == 3 ? std::to_string(expected[2]) : std::string("?"),
                    "x", expected.rank() == 3 ? std::to_string(expected[1]) : std::string("?"), " ",
                    expected.rank() == 3 && expected[0] == 1 ? "grey" : "RGB", " PNG");
    std::vector<int64_t> dims{1};
    for (int64_t d : expected.dims()) dims.push_back(d);
    return reshape(affine(pixels, 2.f, -1.f), dims);
}

/// A run directory's experiment rebuilt and its newest good checkpoint loaded.
struct LoadedRun {
    config::ExperimentSpec spec;
    Assembly run;
    std::vector<std::string> warnings;
};

LoadedRun load_run(const std::string& dir, PluginSession& plugins) {
    const fs::path run_dir = dir;
    const fs::path saved_file = run_dir / "experiment.yaml";
    GANTRY_CHECK_AS(ConfigError, fs::exists(saved_file), "gantry sample: ", dir,
                    " has no experiment.yaml; is it a Gantry run directory?");
    const config::ExperimentSpec spec = resolve_experiment(saved_file.string(), {}, plugins, config::Spelling::v1);
    Assembly run = assemble(spec, plugins);
    std::optional<io::FoundCheckpoint> found = io::find_latest_good(run_dir / "checkpoints");
    GANTRY_CHECK_AS(DataError, found.has_value(), "gantry sample: ", dir, " has no checkpoint yet");
    LoadedRun loaded{spec, std::move(run), {}};
    if (found->fell_back) loaded.warnings.push_back(found->note);
    loaded.run.trainer->load_state(found->data.tensors);
    return loaded;
}

/// `gantry sample --condition`: rows of condition | baseline | each run's output | target.
io::Image conditional_grid(const SampleRequest& request, const LoadedRun& main, PluginSession& plugins,
                           std::vector<std::string>& warnings) {
    const Assembly& run = main.run;
    const Shape condition_shape = *datasets::find_condition_shape(run.data);
    Tensor condition, target;
    int64_t outputs_per_row = 1;
    if (request.condition == "test") {
        const Pairs pairs = heldout_pairs(run, request.count);
        condition = pairs.condition;
        target = pairs.target;
    } else {
        GANTRY_CHECK_AS(ConfigError, request.count <= 16, "gantry sample: with --condition FILE, -n is "
                        "the number of outputs beside the condition (at most 16), got ", request.count);
        condition = condition_from_png(request.condition, condition_shape);
        outputs_per_row = request.count;
    }
    const int64_t rows = condition.size(0);
    Rng rng(request.seed.value_or(main.spec.seed), kSampleNoiseStream);
    std::vector<Tensor> outputs;
    auto draw = [&](Trainer& trainer, int64_t latent) {
        if (outputs_per_row == 1) {
            outputs.push_back(trainer.generate(rng.normal({rows, latent}), condition));
            return;
        }
        for (int64_t k = 0; k < outputs_per_row; ++k)
            outputs.push_back(trainer.generate(rng.normal({1, latent}), condition));
    };
    draw(*run.trainer, main.spec.generator.latent);
    for (const std::string& other_dir : request.compare) {
        LoadedRun other = load_run(other_dir, plugins);
        for (std::string& w : other.warnings) warnings.push_back(std::move(w));
        const std::optional<Shape> other_shape = datasets::find_condition_shape(other.run.data);
        GANTRY_CHECK_AS(ConfigError, other_shape == condition_shape && other.run.data.sample_shape == run.data.sample_shape,
                        "gantry sample: --compare ", other_dir, " maps conditions ",
                        other_shape ? other_shape->str() : std::string("(none)"), " to samples ",
                        other.run.data.sample_shape, ", but ", request.run_dir, " maps ", condition_shape,
                        " to ", run.data.sample_shape, "; compare runs of the same data");
        draw(*other.run.trainer, other.spec.generator.latent);
    }
    return pairs_grid(run, condition, outputs, target);
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
    PluginSession plugins;
    LoadedRun loaded = load_run(request.run_dir, plugins);
    const config::ExperimentSpec& spec = loaded.spec;
    set_num_threads(static_cast<int>(spec.threads));
    const Assembly& run = loaded.run;
    SampleResult result;
    result.warnings = loaded.warnings;
    Trainer& trainer = *run.trainer;
    const bool conditional = trainer.conditional();
    GANTRY_CHECK_AS(ConfigError, request.condition.empty() || conditional, "gantry sample: --condition: ",
                    request.run_dir, " was trained on data '", spec.data.plugin, "', which has no condition");
    GANTRY_CHECK_AS(ConfigError, request.compare.empty() || !request.condition.empty(),
                    "gantry sample: --compare needs --condition (test or a PNG file)");
    if (conditional) {
        GANTRY_CHECK_AS(ConfigError, request.format == "png" && !request.interpolate,
                        "gantry sample: a conditional run draws PNG grids of condition | baseline | "
                        "output | target; --format ", request.format, request.interpolate ? " and --interpolate" : "",
                        " are for unconditional runs");
        SampleRequest rows = request;
        if (rows.condition.empty()) rows.condition = "test";
        const io::Image grid = conditional_grid(rows, loaded, plugins, result.warnings);
        const fs::path out = request.out.empty() ? default_output(run_dir, trainer.iteration(), "png")
                                                 : fs::path(request.out);
        io::write_png(out, grid);
        result.file = out.string();
        return result;
    }

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
