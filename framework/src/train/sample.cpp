// SPDX-License-Identifier: Apache-2.0
// `gantry sample`: the run's own experiment rebuilt, its newest good checkpoint loaded, and the
// (EMA) generator drawn on fresh noise into a PNG, a CSV or a .npy file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "gantry/datasets/condition.hpp"
#include "gantry/error.hpp"
#include "gantry/io/numbers.hpp"
#include "io/array_export.hpp"
#include "io/atomic_file.hpp"
#include "io/json.hpp"
#include "io/checkpoint_dir.hpp"
#include "io/gif.hpp"
#include "io/image_grid.hpp"
#include "gantry/io/png.hpp"
#include "io/scatter.hpp"
#include "gantry/ops.hpp"
#include "gantry/random.hpp"
#include "gantry/threads.hpp"
#include "train/plugin_session.hpp"
#include "train/run.hpp"
#include "train/assembly.hpp"
#include "train/captions.hpp"
#include "train/rollout.hpp"
#include "train/sampling.hpp"
#include "train/trained_run.hpp"

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

/// `gantry sample --condition`: rows of condition | baseline | each run's output | target.
io::Image conditional_grid(const SampleRequest& request, const TrainedRun& main, std::vector<std::string>& warnings) {
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
    Rng rng(request.seed.value_or(run.spec.seed), kSampleNoiseStream);
    std::vector<Tensor> outputs;
    auto draw = [&](Trainer& trainer, int64_t latent) {
        if (outputs_per_row == 1) {
            outputs.push_back(trainer.generate(rng.normal({rows, latent}), condition));
            return;
        }
        for (int64_t k = 0; k < outputs_per_row; ++k)
            outputs.push_back(trainer.generate(rng.normal({1, latent}), condition));
    };
    draw(*run.trainer, main.latent());
    for (const std::string& other_dir : request.compare) {
        TrainedRun other = open_trained_run(other_dir, "gantry sample");
        for (std::string& w : other.warnings) warnings.push_back(std::move(w));
        const std::optional<Shape> other_shape = datasets::find_condition_shape(other.run.data);
        GANTRY_CHECK_AS(ConfigError, other_shape == condition_shape && other.run.data.sample_shape == run.data.sample_shape,
                        "gantry sample: --compare ", other_dir, " maps conditions ",
                        other_shape ? other_shape->str() : std::string("(none)"), " to samples ",
                        other.run.data.sample_shape, ", but ", request.run_dir, " maps ", condition_shape,
                        " to ", run.data.sample_shape, "; compare runs of the same data");
        draw(*other.run.trainer, other.latent());
    }
    return pairs_grid(run, condition, outputs, target);
}

// ---- latent tools (issue 15) ------------------------------------------------------------------

/// The point a fraction t of the way from a to b (both `latent` long): on the chord, or with
/// `slerp` on the great circle between them (the chord when they are (anti)parallel).
void interpolate_into(float* out, const float* a, const float* b, int64_t latent, float t, bool slerp) {
    if (!slerp) {  // as interpolation_noise, in float
        for (int64_t k = 0; k < latent; ++k) out[k] = (1.f - t) * a[k] + t * b[k];
        return;
    }
    double wa = 1.0 - t, wb = t;
    {
        double dot = 0, na = 0, nb = 0;
        for (int64_t k = 0; k < latent; ++k) {
            dot += double(a[k]) * b[k];
            na += double(a[k]) * a[k];
            nb += double(b[k]) * b[k];
        }
        const double cosine = std::clamp(dot / std::sqrt(std::max(na * nb, 1e-30)), -1.0, 1.0);
        const double omega = std::acos(cosine);
        if (std::sin(omega) > 1e-6) {
            wa = std::sin((1.0 - t) * omega) / std::sin(omega);
            wb = std::sin(t * omega) / std::sin(omega);
        }
    }
    for (int64_t k = 0; k < latent; ++k) out[k] = static_cast<float>(wa * a[k] + wb * b[k]);
}

/// Standard normal noise with every component of magnitude above `t` drawn again.
Tensor truncated_normal(Rng& rng, const Shape& shape, double t) {
    Tensor z = rng.normal(shape);
    for (int64_t i = 0, n = z.numel(); i < n; ++i)
        while (std::fabs(z.data()[i]) > t) z.data()[i] = rng.normal({1}).data()[0];
    return z;
}

/// Rows of kRow samples between pairs of ends (rows * 2, latent): ends 2r and 2r + 1.
Tensor rows_between(const Tensor& ends, int64_t per_row, bool slerp) {
    const int64_t rows = ends.size(0) / 2, latent = ends.size(1);
    Tensor noise = Tensor::empty({rows * per_row, latent});
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < per_row; ++c)
            interpolate_into(noise.data() + (r * per_row + c) * latent, ends.data() + 2 * r * latent,
                             ends.data() + (2 * r + 1) * latent, latent,
                             per_row == 1 ? 0.f : static_cast<float>(c) / static_cast<float>(per_row - 1), slerp);
    return noise;
}

/// The noise of a request that uses any of the latent tools, and the row length of its grid.
Tensor latent_tool_noise(const SampleRequest& request, Rng& rng, int64_t latent, int64_t* per_row) {
    if (!request.from.empty() || !request.to.empty()) {
        GANTRY_CHECK_AS(ConfigError, !request.from.empty() && !request.to.empty(),
                        "gantry sample: --from and --to go together");
        const Tensor ends = concat({read_latent_npy(request.from, latent), read_latent_npy(request.to, latent)}, 0);
        *per_row = request.count;
        return rows_between(ends, request.count, request.slerp);
    }
    const auto draw = [&](const Shape& shape) {
        return request.truncation ? truncated_normal(rng, shape, *request.truncation) : rng.normal(shape);
    };
    if (!request.interpolate && !request.slerp) {
        *per_row = 0;
        return draw({request.count, latent});
    }
    const int64_t rows = (request.count + kRow - 1) / kRow;
    *per_row = kRow;
    return rows_between(draw({2 * rows, latent}), kRow, request.slerp);
}

/// --class, --truncation, --from/--to: what they need of the run and of each other.
void check_latent_tools(const SampleRequest& request, const Assembly& run) {
    if (request.truncation)
        GANTRY_CHECK_AS(ConfigError, std::isfinite(*request.truncation) && *request.truncation > 0,
                        "gantry sample: --truncation must be > 0, got ", *request.truncation);
    if (request.label) constant_labels(generator_classes(run), *request.label, 1, "gantry sample");
    GANTRY_CHECK_AS(ConfigError, request.from.empty() || !request.truncation,
                    "gantry sample: --truncation draws noise; --from/--to give it: use one or the other");
    GANTRY_CHECK_AS(ConfigError, request.from.empty() || request.label || generator_classes(run) == 0,
                    "gantry sample: this run's generator is conditional: give --class with --from/--to");
    GANTRY_CHECK_AS(ConfigError, request.from.empty() || request.count <= 1000,
                    "gantry sample: with --from/--to, -n (the row's length) must be at most 1000");
}

/// Labels that stay fixed along a row: --class for all, else row r has class r mod classes.
Tensor latent_tool_labels(const SampleRequest& request, const Assembly& run, int64_t n, int64_t per_row) {
    if (request.label) return constant_labels(generator_classes(run), *request.label, n, "gantry sample");
    if (run.data.classes == 0) return {};
    if (per_row <= 0) return fixed_labels(run.data, n);
    return row_labels(run.data, n / per_row, per_row);
}

bool uses_latent_tools(const SampleRequest& request) {
    return request.label || request.truncation || request.slerp || !request.from.empty() || !request.to.empty();
}

/// `gantry sample --rollout K`: the strip of the first 8 sequences, the same as an animated GIF
/// (a frame every half second), and each step's metrics over all `count` of them, beside it.
constexpr int kRolloutFrameCentiseconds = 50;

SampleResult rollout_sample(const SampleRequest& request, const Assembly& run, const fs::path& out_png,
                            SampleResult result) {
    GANTRY_CHECK_AS(ConfigError, request.rollout <= 1000, "gantry sample: --rollout must be at most 1000, got ",
                    request.rollout);
    const Rollout rollout = roll_out(run, request.count, request.rollout);
    io::write_png(out_png, rollout_strip(run, rollout, 8));
    fs::path gif = out_png;
    gif.replace_extension(".gif");
    io::write_gif(gif, rollout_film(run, rollout, 8), kRolloutFrameCentiseconds);
    const std::vector<std::vector<MetricValue>> steps =
        rollout_metrics(run, rollout, (fs::path(request.run_dir) / "cache").string());
    std::string lines;
    for (size_t k = 0; k < steps.size(); ++k) {
        io::JsonLine line;
        line.add("step", static_cast<int64_t>(k + 1)).add("sequences", rollout.start.target.size(0));
        for (const MetricValue& v : steps[k]) line.add(v.name, v.value);
        lines += line.str() + "\n";
    }
    fs::path jsonl = out_png;
    jsonl.replace_extension(".jsonl");
    io::atomic_write(jsonl, lines);
    result.file = out_png.string();
    result.metrics_file = jsonl.string();
    result.film_file = gif.string();
    return result;
}

/// `gantry sample --text A [B...]` (a row of `count` samples per caption, each from fresh noise)
/// and `--interpolate-text A B` (one row of `count` samples at one noise vector, the bag of words
/// walking from A's to B's: a bag is linear, so this is the path GAN-INT trains G on).
io::Image text_grid(const SampleRequest& request, const Assembly& run) {
    const bool walk = !request.interpolate_text.empty();
    const std::string what = walk ? "gantry sample: --interpolate-text" : "gantry sample: --text";
    GANTRY_CHECK_AS(ConfigError, request.text.empty() || request.interpolate_text.empty(),
                    "gantry sample: --text and --interpolate-text draw different grids; give one of them");
    GANTRY_CHECK_AS(ConfigError, !walk || request.interpolate_text.size() == 2, what,
                    " walks between two captions: give exactly two (\"A\" \"B\"), got ",
                    request.interpolate_text.size());
    GANTRY_CHECK_AS(ConfigError, request.text.size() <= 64, what, ": at most 64 captions (one row each), got ",
                    request.text.size());
    GANTRY_CHECK_AS(ConfigError, request.count <= 64, what, ": -n (samples per row) must be at most 64, got ",
                    request.count);
    GANTRY_CHECK_AS(ConfigError, request.format == "png" && request.condition.empty() && request.compare.empty() &&
                                     request.rollout == 0 && !request.interpolate && !request.eval_noise &&
                                     !uses_latent_tools(request),
                    what, " draws a PNG grid and takes only -n (samples per row), --seed and --out");
    const Tensor bags = caption_bags(run.data, walk ? request.interpolate_text : request.text, what, run.spec.data.plugin);
    const int64_t v = bags.size(1), per_row = request.count, latent = run.spec.generator.latent;
    Rng rng(request.seed.value_or(run.spec.seed), kSampleNoiseStream);
    Tensor noise, condition;
    if (!walk) {
        const int64_t rows = bags.size(0);
        noise = rng.normal({rows * per_row, latent});
        condition = Tensor::empty({rows * per_row, v});
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < per_row; ++c)
                std::copy_n(bags.data() + r * v, v, condition.data() + (r * per_row + c) * v);
    } else {
        const Tensor z = rng.normal({1, latent});
        noise = Tensor::empty({per_row, latent});
        condition = Tensor::empty({per_row, v});
        for (int64_t c = 0; c < per_row; ++c) {
            std::copy_n(z.data(), latent, noise.data() + c * latent);
            const float t = per_row == 1 ? 0.f : static_cast<float>(c) / static_cast<float>(per_row - 1);
            for (int64_t k = 0; k < v; ++k)
                condition.data()[c * v + k] = (1.f - t) * bags.data()[k] + t * bags.data()[v + k];
        }
    }
    return io::image_grid(run.trainer->generate(noise, condition), static_cast<int>(per_row));
}

/// The CSV header row: x,y for 2-D points (x,y,z in 3-D, x0,x1,... otherwise); for images one
/// column per value in C, H, W order, named c<channel>_y<row>_x<column>.
std::vector<std::string> csv_header(const DataInfo& data) {
    const std::vector<int64_t>& dims = data.sample_shape.dims();
    std::vector<std::string> names;
    if (data.images && dims.size() == 3) {
        for (int64_t c = 0; c < dims[0]; ++c)
            for (int64_t y = 0; y < dims[1]; ++y)
                for (int64_t x = 0; x < dims[2]; ++x) {
                    char name[72];
                    std::snprintf(name, sizeof name, "c%ld_y%ld_x%ld", static_cast<long>(c), static_cast<long>(y),
                                  static_cast<long>(x));
                    names.emplace_back(name);
                }
        return names;
    }
    const int64_t n = data.sample_shape.numel();
    if (n == 2) return {"x", "y"};
    if (n == 3) return {"x", "y", "z"};
    for (int64_t i = 0; i < n; ++i) names.push_back(std::string("x").append(std::to_string(i)));
    return names;
}

/// What distinguishes a request's samples from the plain ones of the same iteration, as a file
/// name suffix ("-interpolate", "-slerp-class3-trunc0.7", "-condition-test"): each kind of
/// sample gets its own file, none overwrites another's.
std::string variant_suffix(const SampleRequest& request) {
    std::string out;
    if (!request.condition.empty())
        out += "-condition-" + (request.condition == "test" ? std::string("test") : fs::path(request.condition).stem().string());
    if (!request.compare.empty()) out += "-compare" + std::to_string(request.compare.size());
    if (!request.from.empty() || !request.to.empty()) out += "-path";
    if (request.interpolate) out += "-interpolate";
    if (request.slerp) out += "-slerp";
    if (request.label) out += "-class" + std::to_string(*request.label);
    if (request.truncation) out += "-trunc" + io::format_double(*request.truncation);
    if (request.seed) out += "-seed" + std::to_string(*request.seed);
    if (request.eval_noise) out += "-eval-noise";
    if (!request.text.empty()) out += "-text";
    if (!request.interpolate_text.empty()) out += "-interpolate-text";
    return out;
}

fs::path default_output(const fs::path& run_dir, int64_t iteration, const SampleRequest& request,
                        const std::string& format) {
    char name[48];
    std::snprintf(name, sizeof name, "sample-%09ld", static_cast<long>(iteration));
    const fs::path out = run_dir / "samples" / (name + variant_suffix(request) + "." + format);
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
    TrainedRun loaded = open_trained_run(request.run_dir, "gantry sample");
    const config::ExperimentSpec& spec = loaded.run.spec;
    const Assembly& run = loaded.run;
    SampleResult result;
    result.warnings = loaded.warnings;
    Trainer& trainer = *run.trainer;
    const bool conditional = trainer.conditional();
    GANTRY_CHECK_AS(ConfigError, request.condition.empty() || conditional, "gantry sample: --condition: ",
                    request.run_dir, " was trained on data '", spec.data.plugin, "', which has no condition");
    GANTRY_CHECK_AS(ConfigError, request.compare.empty() || !request.condition.empty(),
                    "gantry sample: --compare needs --condition (test or a PNG file)");
    GANTRY_CHECK_AS(ConfigError, request.rollout >= 0, "gantry sample: --rollout must be >= 1, got ", request.rollout);
    if (request.rollout > 0) {
        GANTRY_CHECK_AS(ConfigError, conditional && request.condition.empty() && request.compare.empty() &&
                                         request.format == "png" && !request.interpolate && !uses_latent_tools(request),
                        "gantry sample: --rollout is for runs of sequence data (e.g. data: {plugin: moving_fashion}) "
                        "and takes only -n (the sequences) and --out");
        char name[48];
        std::snprintf(name, sizeof name, "rollout-%09ld.png", static_cast<long>(trainer.iteration()));
        fs::path out = request.out.empty() ? run_dir / "samples" / name : fs::path(request.out);
        if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
        return rollout_sample(request, run, out, std::move(result));
    }
    if (!request.text.empty() || !request.interpolate_text.empty()) {
        const io::Image grid = text_grid(request, run);
        const fs::path out = request.out.empty() ? default_output(run_dir, trainer.iteration(), request, "png")
                                                 : fs::path(request.out);
        if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
        io::write_png(out, grid);
        result.file = out.string();
        return result;
    }
    if (conditional) {
        GANTRY_CHECK_AS(ConfigError, request.format == "png" && !request.interpolate && !uses_latent_tools(request) &&
                                            !request.eval_noise,
                        "gantry sample: a conditional run draws PNG grids of condition | baseline | "
                        "output | target; --format, --interpolate and the latent tools (--class, --truncation, "
                        "--slerp, --from/--to) are for unconditional or class-conditional runs");
        SampleRequest rows = request;
        if (rows.condition.empty()) rows.condition = "test";
        const io::Image grid = conditional_grid(rows, loaded, result.warnings);
        const fs::path out = request.out.empty() ? default_output(run_dir, trainer.iteration(), request, "png")
                                                 : fs::path(request.out);
        io::write_png(out, grid);
        result.file = out.string();
        return result;
    }

    Rng rng(request.seed.value_or(spec.seed), kSampleNoiseStream);
    int64_t per_row = request.interpolate ? kRow : 0;
    Tensor noise, labels;
    if (request.eval_noise) {
        GANTRY_CHECK_AS(ConfigError, !request.interpolate && !uses_latent_tools(request) && !request.seed,
                        "gantry sample: --eval-noise draws the run's own evaluation batch; it takes no -n, --seed, "
                        "--interpolate or latent tools");
        const FixedInputs fixed = fixed_inputs(run);
        noise = fixed.eval_noise;
        labels = fixed.eval_labels;
    } else if (uses_latent_tools(request)) {
        check_latent_tools(request, run);
        noise = latent_tool_noise(request, rng, spec.generator.latent, &per_row);
        labels = latent_tool_labels(request, run, noise.size(0), per_row);
    } else {
        noise = request.interpolate ? interpolation_noise(rng, request.count, spec.generator.latent)
                                    : rng.normal({request.count, spec.generator.latent});
        // An interpolation row keeps its class (row r: class r mod classes).
        labels = request.interpolate && run.data.classes > 0 ? row_labels(run.data, noise.size(0) / kRow, kRow)
                                                             : fixed_labels(run.data, noise.size(0));
    }
    const Tensor samples = trainer.generate(noise, labels);

    const fs::path out = request.out.empty() ? default_output(run_dir, trainer.iteration(), request, request.format)
                                             : fs::path(request.out);
    if (request.format == "png" && run.data.images) {
        io::write_png(out, io::image_grid(samples, static_cast<int>(per_row)));
    } else if (request.format == "png") {
        // The real points under the plot, drawn once: they also fix the plot's window.
        const Tensor real = reference_real(run, 2500);
        io::write_png(out, io::scatter_image(real, samples, Tensor(), io::scatter_range(real)));
    } else {
        // The data's own scale: points as generated, images back from [-1, 1] to [0, 255].
        const Tensor values = run.data.images ? affine(samples, 127.5f, 127.5f) : samples;
        if (request.format == "csv") io::write_csv(out, values, csv_header(run.data));
        else io::write_npy(out, values);
    }
    result.file = out.string();
    return result;
}

}  // namespace gantry::train
