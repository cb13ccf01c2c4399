// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Projection: the latent point (and, for a conditional generator, the class) whose sample
/// matches an image where a mask says so — the search behind `gantry project` and `gantry
/// studio`'s "generate" (iGAN, Zhu et al. 2016, sec. 3: a masked reconstruction term plus a
/// term keeping z likely under the prior).
///
/// For each target, `restarts` starting points (times every class, when the class is searched)
/// are optimised together as one batch: Adam on z through autograd, the generator frozen (its
/// weights are not differentiated) and in eval mode (BatchNorm uses its running statistics, so
/// the starting points never interact). Per start the loss is
///
///   sum(mask * |G(z) - target|) / sum(mask)  +  prior_weight * mean(z^2)
///
/// (the first term is 0 where the mask is empty: then only the prior pulls), plus, optionally,
/// realism_weight * softplus(-D(G(z))) with D frozen too.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gantry/nn/module.hpp"
#include "gantry/tensor.hpp"

namespace gantry::train {

/// The random stream of the run's seed the starting points are drawn from (sampling uses 7-9).
constexpr uint64_t kProjectionStream = 11;

struct ProjectionOptions {
    int64_t latent = 0;
    /// The classes of a conditional generator; 0 for an unconditional one.
    int64_t classes = 0;
    /// Conditional only: the class to hold fixed; -1 searches every class (restarts per class).
    int64_t label = -1;
    /// Starting points per target (and per class searched).
    int64_t restarts = 4;
    /// Adam steps.
    int64_t steps = 200;
    double learning_rate = 0.05;
    /// Weight of mean(z^2), the Gaussian prior's negative log-density up to a constant and scale.
    double prior_weight = 0.01;
    /// Weight of D's realism term softplus(-D(G(z))) (the non-saturating generator loss per start,
    /// as TF-GAN's latent estimator adds); 0 = off. Needs the discriminator passed to project().
    double realism_weight = 0.0;
    uint64_t seed = 0;
    /// Throws ConfigError naming the first bad value (`command` names the caller).
    void validate(const char* command) const;
};

struct ProjectionCandidate {
    Tensor z;      ///< (1, latent)
    int64_t label = -1;
    Tensor image;  ///< (1, C, H, W) in [-1, 1]: G(z)
    double loss = 0;      ///< the whole objective at the end
    double distance = 0;  ///< its first term: the masked mean absolute difference
};

struct Projection {
    /// Every start's end point, best (lowest loss) first.
    std::vector<ProjectionCandidate> candidates;
    /// The best start's loss before each step and after the last (steps + 1 values).
    std::vector<double> curve;
};

/// The objective per start, (S): sum(weights * |G(z) - targets|, {1, 2, 3}) / counts +
/// prior * mean(z^2, {1}), for z (S, latent), labels (S) or undefined, targets and weights
/// (S, C, H, W), counts (S) (each start's sum of weights); `distance` (when given) gets its first
/// term. With `discriminator` and realism > 0, realism * softplus(-D(G(z))) is added (D given the
/// labels too when they are defined). Differentiable in z (and, through the networks, in their
/// weights).
Tensor projection_objective(nn::Module& generator, const Tensor& z, const Tensor& labels, const Tensor& targets,
                            const Tensor& weights, const Tensor& counts, float prior, Tensor* distance = nullptr,
                            nn::Module* discriminator = nullptr, float realism = 0.f);

/// Projects each of `targets` (N, C, H, W), values in [-1, 1], into the generator, weighting each
/// pixel by `masks` (N, 1 or C, H, W) in [0, 1] (undefined: every pixel counts fully). Returns one
/// Projection per target. `generator` is left as it was (training mode and requires_grad).
/// Throws ShapeError when a mask does not fit its target or the generator's output does not
/// match the targets' shape.
/// `discriminator` is needed (and frozen like G) when options.realism_weight > 0 (one that
/// takes single samples: no PacGAN packing).
std::vector<Projection> project(nn::Module& generator, const Tensor& targets, const Tensor& masks,
                                const ProjectionOptions& options, nn::Module* discriminator = nullptr);

/// The loss-weighted mask of a target read from a mask image (C', H, W) in [0, 1]: the mean over
/// its channels, (1, H, W); white (1) = constrained.
Tensor mask_from_image(const Tensor& image);

// ---- `gantry project` ------------------------------------------------------------------------

struct ProjectRequest {
    std::string run_dir;
    /// PNG files of the run's sample shape (C, H, W); projected together, one batch.
    std::vector<std::string> images;
    /// A PNG of the images' height and width: white = match here, black = free (the hole).
    std::string mask;
    /// Output directory; one sub-directory per image (its file stem). Empty:
    /// RUN_DIR/projections.
    std::string out;
    ProjectionOptions options;  ///< latent and classes are the run's; seed 0 = the run's seed
    std::optional<uint64_t> seed;
};

struct ProjectedImage {
    std::string image;      ///< the input file
    std::string directory;  ///< where its outputs are
    int64_t label = -1;     ///< the class found (conditional runs), else -1
    double loss = 0, distance = 0;
};

struct ProjectResult {
    int64_t iteration = 0;  ///< of the checkpoint used
    std::vector<ProjectedImage> projected;
    std::vector<std::string> warnings;
};

/// `gantry project`: opens the run (newest good checkpoint, EMA generator when it has one), reads
/// the images and the mask, projects them, and writes per image `reconstruction.png`,
/// `comparison.png` (target, target with the free pixels grey, reconstruction), `z.npy` (1, latent), `loss.csv` (the
/// best start's loss per step) and `projection.json` (label, loss, distance, the options).
/// Throws ConfigError (2) for bad options or --class on an unconditional run, DataError (4) for an
/// image or mask of the wrong shape (naming both shapes) or a run without a checkpoint.
ProjectResult project_images(const ProjectRequest& request);

}  // namespace gantry::train
