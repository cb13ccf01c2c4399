// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Weight initialisation, after torch.nn.init. Each function overwrites the values of `tensor`
/// in place (bypassing autograd, as PyTorch's run under no_grad), returns the same handle, and
/// draws from the given gantry::Rng, so that a network built from one seed is the same on every
/// machine and thread count.
///
/// Design note: the Rng is always the second argument (before the defaulted ones), unlike
/// PyTorch's trailing `generator=`: C++ needs it before the defaults, and making it mandatory
/// means no initialisation ever depends on hidden global state.
///
/// Example (DCGAN's initialisation, Radford et al. 2015):
/// ```
/// Rng rng(seed);
/// for (auto& [name, p] : generator.named_parameters())
///     if (name.ends_with("weight")) nn::init::normal_(p, rng, 0.0, 0.02);
/// ```
#include <cstdint>
#include <optional>
#include <utility>

#include "gantry/random.hpp"
#include "gantry/tensor.hpp"

namespace gantry::nn::init {

/// The nonlinearity that follows a layer, for calculate_gain().
enum class Nonlinearity {
    linear,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    sigmoid,
    tanh,
    relu,
    leaky_relu,
    selu,
};

/// Which fan keeps the variance: fan_in preserves it in the forward pass, fan_out in backward.
enum class FanMode { fan_in, fan_out };

/// PyTorch's recommended gain for `nonlinearity`: 1 for linear/conv/sigmoid, 5/3 for tanh,
/// sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (`param` is the slope, 0.01 when
/// absent), 3/4 for selu.
double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param = std::nullopt);

/// (fan_in, fan_out) as PyTorch's _calculate_fan_in_and_fan_out: for a weight of shape
/// (d0, d1, k...) fan_in = d1 * prod(k), fan_out = d0 * prod(k). Note that for a transposed
/// convolution's weight (Cin, Cout, kH, kW) this makes fan_in = Cout * kH * kW, a PyTorch quirk
/// kept so that default initialisations match. Throws gantry::Error for rank < 2.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

/// U[a, b) in every element.
Tensor uniform_(Tensor tensor, Rng& rng, double a = 0.0, double b = 1.0);
/// N(mean, std^2) in every element.
Tensor normal_(Tensor tensor, Rng& rng, double mean = 0.0, double std = 1.0);
/// `value` in every element.
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);

/// Glorot & Bengio 2010: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, Rng& rng, double gain = 1.0);
/// Glorot & Bengio 2010: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, Rng& rng, double gain = 1.0);

/// He et al. 2015: U(-bound, bound) with bound = sqrt(3) * gain / sqrt(fan), gain =
/// calculate_gain(nonlinearity, a). PyTorch's layers use a = sqrt(5), which gives
/// bound = 1 / sqrt(fan_in).
Tensor kaiming_uniform_(Tensor tensor, Rng& rng, double a = 0.0, FanMode mode = FanMode::fan_in,
                        Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
/// He et al. 2015: N(0, std^2) with std = gain / sqrt(fan).
Tensor kaiming_normal_(Tensor tensor, Rng& rng, double a = 0.0, FanMode mode = FanMode::fan_in,
                       Nonlinearity nonlinearity = Nonlinearity::leaky_relu);

/// Saxe et al. 2013: the tensor, flattened to (rows = size(0), cols = numel / rows), becomes a
/// (semi-)orthogonal matrix times `gain`: W W^T = gain^2 I when rows <= cols, W^T W = gain^2 I
/// otherwise. As in PyTorch the matrix is the Q of a QR factorisation of a standard normal
/// matrix with the signs of R's diagonal folded in (so it is Haar-distributed); here the QR is
/// a modified Gram-Schmidt with one re-orthogonalisation pass, in double, with plain loops:
/// initialisation runs once and needs no LAPACK. Throws for rank < 2.
Tensor orthogonal_(Tensor tensor, Rng& rng, double gain = 1.0);

}  // namespace gantry::nn::init
