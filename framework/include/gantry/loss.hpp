// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The loss plugin interface. A loss builds scalar terms; the runner alone zeroes gradients,
/// calls backward and steps the optimizers (one step per network per scheduled step, the
/// penalties included in that step).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gantry/plugin/object.hpp"
#include "gantry/random.hpp"
#include "gantry/tensor.hpp"

namespace gantry {

namespace nn {
class Module;
}

/// D applied to a batch: x (N, ...) and its context (the class ids (N), the condition
/// (N, condition shape...) for conditional data, or undefined) -> logits (N); a PatchGAN's
/// patches count as samples (N * patches), so a loss's means average over them.
using DiscriminatorFn = std::function<Tensor(const Tensor& x, const Tensor& labels)>;

/// Named scalar terms; the runner minimises their sum and logs each one.
using LossTerms = std::vector<std::pair<std::string, Tensor>>;

/// The *_labels fields are D's context for each batch (see DiscriminatorFn): class ids, or for
/// conditional data the condition itself — real and fake then share it, since the fake is G's
/// answer to the real batch's condition. A loss passes them to `discriminator` as they are.
struct DiscriminatorStep {
    Tensor real, real_labels;   ///< a fresh batch from the data
    Tensor fake, fake_labels;   ///< G(z), detached from G
    DiscriminatorFn discriminator;
    Rng* rng = nullptr;         ///< for a loss's own sampling (interpolation weights...)
    int64_t iteration = 0;
    /// API 2.1: the batch's condition (undefined for unconditional data), laid out like real.
    Tensor condition;
};

struct GeneratorStep {
    Tensor d_fake;              ///< D(G(z)) (N): gradients reach G through it; undefined when
                                ///< the adversarial weight is 0 (a reconstruction-only model)
    Tensor fake, fake_labels;   ///< G(z), on G's tape
    DiscriminatorFn discriminator;
    Rng* rng = nullptr;
    int64_t iteration = 0;
    /// API 2.1, conditional data: a fresh real batch's condition (N, condition shape...) — fake is
    /// G's answer to it — and its target (N, sample shape...), for reconstruction terms.
    Tensor condition, real;
    /// Conditional data: G on fresh noise (drawn from `rng`) for other contexts (N, condition
    /// shape...), on G's tape like `fake` — for a loss that asks G about conditions the batch
    /// does not hold (matching_aware's GAN-INT: interpolated captions). Empty otherwise.
    std::function<Tensor(const Tensor& context)> generator;
};

class Loss : public plugin::Object {
public:
    virtual LossTerms discriminator_loss(const DiscriminatorStep& step) = 0;
    virtual LossTerms generator_loss(const GeneratorStep& step) = 0;
    /// Applied to D after each of its optimizer steps (WGAN's weight clipping).
    virtual void constrain_discriminator(nn::Module& discriminator) {}
    /// True when the loss differentiates D with respect to its input (gradient penalties):
    /// the runtime then refuses a discriminator with batch normalisation.
    virtual bool penalizes_input_gradient() const { return false; }
    /// API 2.1: true for a term that compares G's output with its paired target (l1, l2, a
    /// perceptual term): the runtime refuses it, at validation, on data without a condition.
    virtual bool needs_pairs() const { return false; }
};

}  // namespace gantry
