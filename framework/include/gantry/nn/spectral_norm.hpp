// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Spectral normalisation: Miyato et al. 2018, "Spectral Normalization for Generative
/// Adversarial Networks", arXiv:1802.05957, with the semantics of PyTorch's
/// torch.nn.utils.spectral_norm.
///
/// The wrapped layer is applied with W / sigma(W), sigma the largest singular value of W viewed
/// as a matrix W_mat (out, rest): the output axis (WeightedModule::output_axis(), PyTorch's
/// `dim`) first, the remaining axes flattened in order. sigma is estimated by power iteration
/// with two buffers, u (out) and v (rest):
///  - training: each forward first runs n_power_iterations of v = normalize(W_mat^T u),
///    u = normalize(W_mat v) without gradient, updating u and v in place;
///  - always: sigma = u . (W_mat v) is computed WITH gradient through W (u, v constant), so the
///    weight's gradient contains the -W sigma'/sigma^2 term, as in PyTorch;
///  - eval mode: no power iteration; u and v as last stored.
///
/// The output axis: for ConvTranspose2d (weight (Cin, Cout, kH, kW)) it is axis 1, as in
/// PyTorch's spectral_norm, so W_mat is (Cout, Cin kH kW) with columns ordered (cin, kh, kw).
/// sigma is formed element-wise as sum(W * u * v) with u and v reshaped to broadcast along their
/// axes, which needs no transpose and is the same number as u^T W_mat v.
///
/// Names: the wrapped layer is the child "module" (its weight is "module.weight", as PyTorch's
/// "weight_orig"), the buffers are "weight_u" and "weight_v" as in PyTorch's state dict.
///
/// Example (an SN-GAN discriminator layer):
/// ```
/// auto conv = std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in_channels = 3,
///                 .out_channels = 64, .kernel_size = 3, .padding = 1}, rng);
/// auto sn_conv = std::make_shared<nn::SpectralNorm>(conv, rng);
/// Tensor h = (*sn_conv)(x);
/// ```
#include <memory>
#include <string>

#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/random.hpp"

namespace gantry::nn {

struct SpectralNormOptions {
    /// Power iterations per training forward (1 in the paper: u carries over between steps).
    int n_power_iterations = 1;
    /// Floor of the norms divided by when normalising u and v.
    float eps = 1e-12f;
    /// Throws gantry::Error naming the first bad value.
    void validate() const;
};

/// A WeightedModule applied with its weight divided by its spectral norm.
class SpectralNorm : public Module {
public:
    /// Wraps `inner` (registered as child "module"); u and v start as normalised N(0, 1) draws
    /// from `rng` (u first), without power iteration, as in PyTorch.
    SpectralNorm(std::shared_ptr<WeightedModule> inner, Rng& rng,
                 const SpectralNormOptions& options = {});

    using Module::forward;
    /// In training: power iteration, then inner->forward_with_weight(x, W / sigma).
    Tensor forward(const Tensor& x) override;

    /// Runs `n` power iterations on the current weight, without gradient, updating u and v.
    void power_iteration(int n);
    /// sigma = u . (W_mat v) for `weight` (the inner weight's shape), differentiable in `weight`
    /// with u and v held constant. A rank-0 tensor.
    Tensor sigma(const Tensor& weight) const;
    /// sigma of the inner layer's current weight.
    Tensor sigma() const { return sigma(inner->weight); }
    /// `weight` / sigma(weight): what forward applies (without the power iteration).
    Tensor normalize(const Tensor& weight) const;

    std::string extra_repr() const override;

    const SpectralNormOptions options;
    /// The wrapped layer.
    const std::shared_ptr<WeightedModule> inner;
    /// Estimates of the leading left (out) and right (rest) singular vectors (buffers).
    Tensor weight_u, weight_v;

private:
    /// The weight as (before, out, after) around the output axis.
    int64_t before_ = 1, out_ = 1, after_ = 1;
};

}  // namespace gantry::nn
