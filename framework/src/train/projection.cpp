// SPDX-License-Identifier: Apache-2.0
#include "train/projection.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>

#include "gantry/autograd.hpp"
#include "gantry/error.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/adam.hpp"
#include "gantry/random.hpp"
#include "gantry/io/png.hpp"
#include "io/array_export.hpp"
#include "io/atomic_file.hpp"
#include "io/image_grid.hpp"
#include "io/json.hpp"
#include "train/trained_run.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

void ProjectionOptions::validate(const char* command) const {
    GANTRY_CHECK_AS(ConfigError, latent >= 1, command, ": the generator's latent must be positive");
    GANTRY_CHECK_AS(ConfigError, restarts >= 1 && restarts <= 256, command,
                    ": --restarts must be in [1, 256], got ", restarts);
    GANTRY_CHECK_AS(ConfigError, steps >= 0 && steps <= 100000, command, ": --steps must be in [0, 100000], got ",
                    steps);
    GANTRY_CHECK_AS(ConfigError, std::isfinite(learning_rate) && learning_rate > 0, command,
                    ": --lr must be positive, got ", learning_rate);
    GANTRY_CHECK_AS(ConfigError, std::isfinite(prior_weight) && prior_weight >= 0, command,
                    ": --prior must be >= 0, got ", prior_weight);
    GANTRY_CHECK_AS(ConfigError, std::isfinite(realism_weight) && realism_weight >= 0, command,
                    ": --realism must be >= 0, got ", realism_weight);
    if (label >= 0)
        GANTRY_CHECK_AS(ConfigError, classes > 0 && label < classes, command,
                        classes > 0 ? ": --class out of range" : ": --class needs a conditional generator");
}

namespace {

/// Freezes a network (G, or D for the realism term) for the search and puts it back as it was, even when the search throws.
class FrozenGenerator {
public:
    explicit FrozenGenerator(nn::Module& g) : g_(g), training_(g.is_training()), params_(g.parameters()) {
        for (const Tensor& p : params_) wanted_.push_back(p.requires_grad());
        g_.requires_grad_(false);
        g_.eval();
    }
    ~FrozenGenerator() {
        for (size_t i = 0; i < params_.size(); ++i) params_[i].requires_grad_(wanted_[i]);
        g_.train(training_);
    }
    FrozenGenerator(const FrozenGenerator&) = delete;
    FrozenGenerator& operator=(const FrozenGenerator&) = delete;

private:
    nn::Module& g_;
    bool training_;
    std::vector<Tensor> params_;
    std::vector<bool> wanted_;
};

/// Row `i` of `rows` (N, ...) copied to rows [i * k, (i + 1) * k) of the result.
Tensor repeat_rows(const Tensor& rows, int64_t k) {
    std::vector<int64_t> dims = rows.shape().dims();
    const int64_t n = dims[0];
    const int64_t row = rows.numel() / std::max<int64_t>(n, 1);
    dims[0] = n * k;
    Tensor out = Tensor::empty(Shape(dims));
    const Tensor src = rows;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j)
            std::memcpy(out.data() + (i * k + j) * row, src.data() + i * row, static_cast<size_t>(row) * sizeof(float));
    return out;
}

}  // namespace

Tensor mask_from_image(const Tensor& image) {
    GANTRY_CHECK_AS(ShapeError, image.shape().rank() == 3, "mask: expected (C, H, W), got ", image.shape().str());
    return mean(image, {0}, true);
}

Tensor projection_objective(nn::Module& generator, const Tensor& z, const Tensor& labels, const Tensor& targets,
                            const Tensor& weights, const Tensor& counts, float prior, Tensor* distance,
                            nn::Module* discriminator, float realism) {
    const Tensor x = labels.defined() ? generator(z, labels) : generator(z);
    GANTRY_CHECK_AS(ShapeError, x.shape() == targets.shape(), "projection: the generator makes ", x.shape().str(),
                    ", the targets are ", targets.shape().str());
    const Tensor d = sum(abs(x - targets) * weights, {1, 2, 3}) / counts;
    if (distance != nullptr) *distance = d;
    Tensor loss = d + mean(square(z), {1}) * prior;
    if (discriminator != nullptr && realism > 0.f) {
        const Tensor logits = reshape(labels.defined() ? (*discriminator)(x, labels) : (*discriminator)(x), {-1});
        GANTRY_CHECK_AS(ShapeError, logits.size(0) == x.size(0), "projection: the discriminator gives ",
                        logits.size(0), " logits for ", x.size(0), " samples (a packed D cannot score single samples)");
        loss = loss + softplus(-logits) * realism;
    }
    return loss;
}

std::vector<Projection> project(nn::Module& generator, const Tensor& targets, const Tensor& masks,
                                const ProjectionOptions& options, nn::Module* discriminator) {
    options.validate("projection");
    const bool realism = options.realism_weight > 0;
    GANTRY_CHECK_AS(ConfigError, !realism || discriminator != nullptr,
                    "projection: the realism term needs the discriminator");
    GANTRY_CHECK_AS(ShapeError, targets.shape().rank() == 4, "projection: targets must be (N, C, H, W), got ",
                    targets.shape().str());
    const int64_t n = targets.size(0), c = targets.size(1), h = targets.size(2), w = targets.size(3);
    Tensor weights = masks.defined() ? masks : Tensor::ones({n, 1, h, w});
    GANTRY_CHECK_AS(ShapeError,
                    weights.shape().rank() == 4 && weights.size(0) == n && (weights.size(1) == 1 || weights.size(1) == c) &&
                        weights.size(2) == h && weights.size(3) == w,
                    "projection: masks ", weights.shape().str(), " do not fit targets ", targets.shape().str());
    if (weights.size(1) != c) weights = broadcast_to(weights, Shape({n, c, h, w}));

    // Slots: target i, class l (one when the class is not searched), start r.
    const bool search_class = options.classes > 0 && options.label < 0;
    const int64_t per_label = options.restarts;
    const int64_t labels_each = search_class ? options.classes : 1;
    const int64_t per_target = labels_each * per_label;
    const int64_t slots = n * per_target;
    const Tensor slot_targets = repeat_rows(targets, per_target);
    const Tensor slot_weights = repeat_rows(weights, per_target);
    Tensor counts = Tensor::empty({slots});
    {
        const Tensor sums = sum(slot_weights, {1, 2, 3});
        for (int64_t s = 0; s < slots; ++s) counts.data()[s] = std::max(sums.data()[s], 1e-6f);
    }
    Tensor labels;
    if (options.classes > 0) {
        labels = Tensor::empty({slots});
        for (int64_t s = 0; s < slots; ++s)
            labels.data()[s] = static_cast<float>(search_class ? (s % per_target) / per_label : options.label);
    }

    FrozenGenerator frozen(generator);
    std::optional<FrozenGenerator> frozen_d;
    if (realism) frozen_d.emplace(*discriminator);
    autograd::EnableGradGuard recording;
    Tensor z = Rng(options.seed, kProjectionStream).normal({slots, options.latent});
    z.requires_grad_();
    optim::AdamOptions adam;
    adam.lr = options.learning_rate;
    optim::Adam optimizer({z}, adam);
    const float prior = static_cast<float>(options.prior_weight);

    auto objective = [&](const Tensor& latent, Tensor* distance) {
        return projection_objective(generator, latent, labels, slot_targets, slot_weights, counts, prior, distance,
                                    realism ? discriminator : nullptr, static_cast<float>(options.realism_weight));
    };

    std::vector<Projection> out(static_cast<size_t>(n));
    auto record_curve = [&](const Tensor& loss) {
        for (int64_t i = 0; i < n; ++i) {
            double best = INFINITY;
            for (int64_t k = 0; k < per_target; ++k) best = std::min<double>(best, loss.data()[i * per_target + k]);
            out[static_cast<size_t>(i)].curve.push_back(best);
        }
    };
    for (int64_t step = 0; step < options.steps; ++step) {
        optimizer.zero_grad();
        const Tensor loss = objective(z, nullptr);
        record_curve(loss.detach());
        autograd::backward(sum(loss));
        optimizer.step();
    }

    Tensor distance, images;
    Tensor loss;
    {
        autograd::NoGradGuard no_grad;
        const Tensor final_z = z.detach();
        loss = objective(final_z, &distance);
        images = labels.defined() ? generator(final_z, labels) : generator(final_z);
    }
    record_curve(loss);
    const Tensor final_z = z.detach();
    
    const int64_t pixels = c * h * w;
    for (int64_t i = 0; i < n; ++i) {
        Projection& p = out[static_cast<size_t>(i)];
        for (int64_t k = 0; k < per_target; ++k) {
            const int64_t s = i * per_target + k;
            ProjectionCandidate cand;
            cand.z = Tensor::from_vector({1, options.latent},
                                         std::vector<float>(final_z.data() + s * options.latent,
                                                            final_z.data() + (s + 1) * options.latent));
            cand.label = labels.defined() ? static_cast<int64_t>(labels.data()[s]) : -1;
            cand.image = Tensor::from_vector({1, c, h, w}, std::vector<float>(images.data() + s * pixels,
                                                                              images.data() + (s + 1) * pixels));
            cand.loss = loss.data()[s];
            cand.distance = distance.data()[s];
            p.candidates.push_back(std::move(cand));
        }
        std::stable_sort(p.candidates.begin(), p.candidates.end(),
                         [](const ProjectionCandidate& a, const ProjectionCandidate& b) { return a.loss < b.loss; });
    }
    return out;
}

}  // namespace gantry::train

// ---- `gantry project` ------------------------------------------------------------------------

namespace gantry::train {

namespace {

/// A PNG as (C, H, W) in [-1, 1] (or [0, 1] for a mask), checked against the expected shape.
Tensor read_image_as(const std::string& file, const Shape& expected, const char* what) {
    const Tensor pixels = io::read_png(file);
    GANTRY_CHECK_AS(DataError, pixels.shape() == expected, "gantry project: ", what, " ", file, " is ",
                    pixels.shape().str(), " (C, H, W); this run's generator makes ", expected.str());
    return pixels;
}

}  // namespace

ProjectResult project_images(const ProjectRequest& request) {
    GANTRY_CHECK_AS(ConfigError, !request.images.empty(), "gantry project: give at least one --image");
    TrainedRun trained = open_trained_run(request.run_dir, "gantry project");
    refuse_conditional_data(trained, "gantry project");
    GANTRY_CHECK_AS(ConfigError, trained.run.data.images, "gantry project: ", request.run_dir,
                    " is a run on points; projection needs an image generator");
    ProjectionOptions options = request.options;
    options.latent = trained.latent();
    options.classes = trained.classes();
    options.seed = request.seed.value_or(trained.run.spec.seed);
    if (options.label >= 0) constant_labels(options.classes, options.label, 1, "gantry project");
    options.validate("gantry project");

    const Shape sample = trained.run.data.sample_shape;
    const int64_t n = static_cast<int64_t>(request.images.size());
    const int64_t c = sample[0], h = sample[1], w = sample[2];
    Tensor targets = Tensor::empty({n, c, h, w});
    for (int64_t i = 0; i < n; ++i) {
        const Tensor x = read_image_as(request.images[static_cast<size_t>(i)], sample, "image");
        for (int64_t k = 0; k < c * h * w; ++k) targets.data()[i * c * h * w + k] = x.data()[k] * 2.f - 1.f;
    }
    Tensor masks;
    if (!request.mask.empty()) {
        const Tensor m = io::read_png(request.mask);
        GANTRY_CHECK_AS(DataError, m.size(1) == h && m.size(2) == w, "gantry project: mask ", request.mask, " is ",
                        m.size(2), "x", m.size(1), " pixels; the images are ", w, "x", h);
        const Tensor one = mask_from_image(m);
        masks = Tensor::empty({n, 1, h, w});
        for (int64_t i = 0; i < n; ++i) std::memcpy(masks.data() + i * h * w, one.data(), sizeof(float) * h * w);
    }

    GANTRY_CHECK_AS(ConfigError, options.realism_weight == 0 || trained.run.spec.discriminator.pack == 1,
                    "gantry project: --realism needs a discriminator of single samples; this run packs ",
                    trained.run.spec.discriminator.pack);
    const std::vector<Projection> found =
        project(trained.generator(), targets, masks, options, &trained.run.trainer->discriminator());

    ProjectResult result;
    result.warnings = trained.warnings;
    result.iteration = trained.run.trainer->iteration();
    const fs::path root = request.out.empty() ? fs::path(request.run_dir) / "projections" : fs::path(request.out);
    std::map<std::string, int> seen;
    for (int64_t i = 0; i < n; ++i) {
        const std::string& file = request.images[static_cast<size_t>(i)];
        std::string stem = fs::path(file).stem().string();
        if (seen[stem]++ > 0) stem += "-" + std::to_string(seen[stem]);  // two a.png from two folders
        const fs::path dir = root / stem;
        fs::create_directories(dir);
        const ProjectionCandidate& best = found[static_cast<size_t>(i)].candidates.front();
        io::write_png(dir / "reconstruction.png", io::image_grid(best.image, 1, 0));
        // The target, what the search saw of it (the hole grey), and the reconstruction.
        Tensor strip = Tensor::empty({3, c, h, w});
        const float* target = targets.data() + i * c * h * w;
        for (int64_t k = 0; k < c * h * w; ++k) {
            const float m = masks.defined() ? masks.data()[i * h * w + k % (h * w)] : 1.f;
            strip.data()[k] = target[k];
            strip.data()[c * h * w + k] = m * target[k];
            strip.data()[2 * c * h * w + k] = best.image.data()[k];
        }
        io::write_png(dir / "comparison.png", io::image_grid(strip, 3));
        io::write_npy(dir / "z.npy", best.z);
        const std::vector<double>& curve = found[static_cast<size_t>(i)].curve;
        Tensor curve_t = Tensor::empty({static_cast<int64_t>(curve.size()), 2});
        for (size_t s = 0; s < curve.size(); ++s) {
            curve_t.data()[2 * s] = static_cast<float>(s);
            curve_t.data()[2 * s + 1] = static_cast<float>(curve[s]);
        }
        io::write_csv(dir / "loss.csv", curve_t, {"step", "loss"});
        io::JsonLine json;
        json.add("image", file).add("run_dir", request.run_dir).add("iteration", result.iteration);
        json.add("label", best.label).add("loss", best.loss).add("distance", best.distance);
        json.add("restarts", options.restarts).add("steps", options.steps).add("lr", options.learning_rate);
        json.add("prior", options.prior_weight).add("realism", options.realism_weight).add("seed", options.seed).add("mask", request.mask);
        io::atomic_write(dir / "projection.json", json.str() + "\n");
        result.projected.push_back({file, dir.string(), best.label, best.loss, best.distance});
    }
    return result;
}

}  // namespace gantry::train
