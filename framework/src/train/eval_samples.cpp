// SPDX-License-Identifier: Apache-2.0
#include "train/eval_samples.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "gantry/datasets/condition.hpp"
#include "gantry/datasets/mixture.hpp"
#include "gantry/error.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/io/png.hpp"
#include "gantry/ops.hpp"
#include "io/array_import.hpp"
#include "train/assembly.hpp"
#include "train/evaluation.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

namespace {

std::string shape_text(const std::vector<int64_t>& dims) {
    std::string out = "(";
    for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
    return out + (dims.size() == 1 ? ",)" : ")");
}

/// (N, sample...) as text: "(N, 3, 32, 32)".
std::string expected_text(const DataInfo& data) {
    std::string out = "(N";
    for (int64_t d : data.sample_shape.dims()) out += ", " + std::to_string(d);
    return out + ")";
}

Tensor read_npy_samples(const fs::path& path, const DataInfo& data, std::string* described,
                        std::vector<std::string>* warnings) {
    const io::NpyArray array = io::read_npy(path);
    const std::vector<int64_t>& s = array.shape;
    const std::vector<int64_t> sample = data.sample_shape.dims();
    const std::string dtype = array.dtype == "<f4" ? "float32" : array.dtype == "<f8" ? "float64" : "uint8";
    Tensor x = array.values;
    std::string layout;
    const bool nchw = s.size() == sample.size() + 1 && std::equal(sample.begin(), sample.end(), s.begin() + 1);
    if (nchw) {
        // as stored
    } else if (data.images && sample.size() == 3 && s.size() == 4 && s[1] == sample[1] && s[2] == sample[2] &&
               s[3] == sample[0]) {
        // Channels last, as TensorFlow and PIL keep them.
        const int64_t n = s[0], h = s[1], w = s[2], c = s[3];
        Tensor nchw_x = Tensor::empty({n, c, h, w});
        for (int64_t i = 0; i < n; ++i)
            for (int64_t y = 0; y < h; ++y)
                for (int64_t xx = 0; xx < w; ++xx)
                    for (int64_t k = 0; k < c; ++k)
                        nchw_x.data()[((i * c + k) * h + y) * w + xx] = x.data()[((i * h + y) * w + xx) * c + k];
        x = nchw_x;
        layout = ", channels last";
    } else if (data.images && sample.size() == 3 && sample[0] == 1 && s.size() == 3 && s[1] == sample[1] &&
               s[2] == sample[2]) {
        x = reshape(x, {s[0], 1, s[1], s[2]});
    } else {
        throw DataError(detail::concat(path.string(), ": the array is ", dtype, " ", shape_text(s),
                                       "; the real data's samples need ", expected_text(data),
                                       data.images ? " (or (N, H, W, C) channels last)" : "",
                                       " — one row per sample"));
    }
    GANTRY_CHECK_AS(DataError, x.size(0) > 0, path.string(), ": the array holds no samples (shape ", shape_text(s), ")");
    if (data.images) {
        const auto [lo, hi] = std::minmax_element(x.data(), x.data() + x.numel());
        GANTRY_CHECK_AS(DataError, *lo >= 0.f && *hi <= 255.f, path.string(), ": image values must be in [0, 255] (",
                        "what gantry sample --format npy writes), found ", io::format_double(*lo), " to ",
                        io::format_double(*hi), "; from [-1, 1] save (x + 1) * 127.5, from [0, 1] save x * 255");
        if (*hi <= 1.f && warnings)
            warnings->push_back(path.string() + ": every value is at most 1; images are read in [0, 255], so these "
                                "are nearly black (from [0, 1] save x * 255)");
        // The inverse of sample's 127.5 x + 127.5, in double: within a rounding of the generator's values.
        Tensor scaled = Tensor::empty(x.shape());
        for (int64_t i = 0, n = x.numel(); i < n; ++i)
            scaled.data()[i] = static_cast<float>((static_cast<double>(x.data()[i]) - 127.5) / 127.5);
        x = scaled;
    }
    if (described)
        *described = path.string() + ": " + dtype + " " + shape_text(s) + layout +
                     (data.images ? ", values in [0, 255]" : "");
    return x;
}

Tensor read_png_samples(const fs::path& dir, const DataInfo& data, std::string* described) {
    GANTRY_CHECK_AS(DataError, data.images && data.sample_shape.rank() == 3, dir.string(),
                    ": a folder of PNG files is images, but the real data's samples are ", data.sample_shape,
                    "; give a .npy file ", expected_text(data));
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".png") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    GANTRY_CHECK_AS(DataError, !files.empty(), dir.string(), ": no PNG files (*.png) in the folder; expected one ",
                    data.sample_shape.dims()[2], "x", data.sample_shape.dims()[1], " image ",
                    data.sample_shape, " per sample");
    const int64_t per = data.sample_shape.numel();
    Tensor x = Tensor::empty(Shape(std::vector<int64_t>{static_cast<int64_t>(files.size()), data.sample_shape[0],
                                                        data.sample_shape[1], data.sample_shape[2]}));
    for (size_t i = 0; i < files.size(); ++i) {
        const Tensor image = io::read_png(files[i]);  // (C, H, W) in [0, 1]
        GANTRY_CHECK_AS(DataError, image.shape() == data.sample_shape, files[i].string(), ": the image is ",
                        image.shape(), " (channels, height, width); the real data's samples are ",
                        data.sample_shape, ", so every PNG of ", dir.string(), " must be ",
                        data.sample_shape[2], "x", data.sample_shape[1],
                        data.sample_shape[0] == 1 ? " grey" : data.sample_shape[0] == 3 ? " RGB" : "");
        // The byte back from pixel / 255, then the .npy path's mapping: a PNG and a uint8 .npy of
        // the same pixels give the same values.
        float* dst = x.data() + static_cast<int64_t>(i) * per;
        for (int64_t k = 0; k < per; ++k)
            dst[k] = static_cast<float>((std::nearbyint(static_cast<double>(image.data()[k]) * 255.0) - 127.5) / 127.5);
    }
    if (described)
        *described = dir.string() + ": " + std::to_string(files.size()) + " PNG files " + data.sample_shape.str();
    return x;
}

/// The metrics `gantry eval` scores when neither the request nor the experiment names any.
std::vector<std::string> default_metrics(const DataInfo& data, const std::string& plugin) {
    if (data.images) return {"fd", "kid", "precision", "recall"};
    if (datasets::find_mixture(data)) return {"modes", "high_quality", "kl_modes"};
    throw ConfigError("gantry eval: no default metrics for data '" + plugin + "' (samples " +
                      data.sample_shape.str() + "); name them with --metrics");
}

}  // namespace

Tensor read_samples(const std::string& path, const DataInfo& data, std::string* described,
                    std::vector<std::string>* warnings) {
    GANTRY_CHECK_AS(DataError, fs::exists(path), path, ": no such file or folder (--fake takes a .npy file or a "
                    "folder of PNG files)");
    if (fs::is_directory(path)) return read_png_samples(path, data, described);
    return read_npy_samples(path, data, described, warnings);
}

EvalResult evaluate_samples(const EvalRequest& request) {
    DataSource real = request.real;
    real.file_flag = "--real";
    real.plugin_flag = "--real-plugin";
    GANTRY_CHECK_AS(ConfigError, !request.samples || *request.samples >= 1, "gantry eval: --samples must be >= 1, got ",
                    request.samples.value_or(0));
    PluginSession session;
    // Without --metrics the data decides the defaults, so it is read first from the document
    // without its evaluate.* overrides (options of a metric plugin need one of its metrics).
    DataSource probe = real;
    if (request.metrics.empty())
        std::erase_if(probe.overrides, [](const std::string& o) { return o.rfind("evaluate.", 0) == 0; });
    config::ExperimentSpec spec = resolve_data_source(probe, session, request.metrics);
    const std::unique_ptr<Dataset> dataset = create_data(spec, session, false);
    const DataInfo data = dataset->info();
    GANTRY_CHECK_AS(ConfigError, !datasets::find_condition_shape(data), "gantry eval: data '", spec.data.plugin,
                    "' gives a condition per sample, and the metrics of conditional data compare each output "
                    "with its own condition's target; score a conditional run with its evaluation (gantry run)");
    if (request.metrics.empty()) {
        // The same data section; now with the metrics and their options.
        const bool named = !spec.evaluate.metrics.empty() ||
                           std::any_of(real.overrides.begin(), real.overrides.end(),
                                       [](const std::string& o) { return o.rfind("evaluate.metrics", 0) == 0; });
        const std::vector<std::string> metrics = named ? std::vector<std::string>{} : default_metrics(data, spec.data.plugin);
        spec = resolve_data_source(real, session, metrics);
    }

    EvalResult result;
    Tensor fake = read_samples(request.fake, data, &result.fake, &result.warnings);
    if (request.samples) {
        GANTRY_CHECK_AS(ConfigError, *request.samples <= fake.size(0), "gantry eval: --samples ", *request.samples,
                        " but ", request.fake, " holds ", fake.size(0),
                        fake.size(0) == 1 ? " sample" : " samples");
        fake = narrow(fake, 0, 0, *request.samples);
    }
    result.n_fake = fake.size(0);
    result.real = (data.identity.empty() ? spec.data.plugin : data.identity);
    result.sample_shape = data.sample_shape;

    const std::vector<MetricPlugin> metrics = create_metrics(spec, session, plugin::Context{spec.seed, spec.base_dir});
    MetricContext context;
    context.dataset = dataset.get();
    context.data = data;
    context.fake = fake;
    context.seed = spec.seed;
    context.cache_dir = request.cache_dir;
    Evaluation evaluation = score(metrics, context);
    result.values = std::move(evaluation.values);
    result.seconds = evaluation.seconds;
    return result;
}

}  // namespace gantry::train
