// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Every differentiable op. Forward runs on a oneDNN primitive where oneDNN has one; each op's
/// backward rule is written in these same ops (framework/src/ops/), so every gradient is itself
/// differentiable, except where a line below says otherwise.
/// Shapes: N batch, C channels, H x W image, F features. Errors: ShapeError naming the op, the
/// shapes and what was expected.
#include <array>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/random.hpp"
#include "gantry/tensor.hpp"

namespace gantry {

/// Debug checks make ops verify their numeric domain (log of a non-positive, sqrt of a negative)
/// and throw DomainError. Off by default; GANTRY_DEBUG_CHECKS=1 in the environment turns them on.
void set_debug_checks(bool on);
bool debug_checks();

// ---- element-wise, one input --------------------------------------------------------------
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
/// log(1 + exp(x)), computed without overflow.
Tensor softplus(const Tensor& x);
/// log(sigmoid(x)) = -softplus(-x), computed without overflow.
Tensor log_sigmoid(const Tensor& x);
Tensor exp(const Tensor& x);
/// Natural log; in debug checks (GANTRY_DEBUG_CHECKS=1) a non-positive input throws DomainError.
Tensor log(const Tensor& x);
/// Square root; in debug checks a negative input throws DomainError.
Tensor sqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor neg(const Tensor& x);
/// -1, 0 or 1; its gradient is zero.
Tensor sign(const Tensor& x);

/// The gradient rules of relu/leaky_relu as ops (PyTorch's threshold_backward): grad where
/// x > 0, slope * grad elsewhere. Differentiable in `grad`; zero gradient in `x`.
Tensor leaky_relu_backward(const Tensor& grad, const Tensor& x, float negative_slope);

// ---- scalar arithmetic: alpha * x + beta ----------------------------------------------------
Tensor affine(const Tensor& x, float alpha, float beta);
/// x ** exponent, element-wise (x > 0 unless the exponent is an integer).
Tensor pow(const Tensor& x, float exponent);

// ---- binary, with broadcasting (numpy rules; e.g. (N, C, H, W) with (1, C, 1, 1) or (N, 1)) --
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
/// a + t * (b - a); t broadcasts (one value per sample for interpolates).
Tensor lerp(const Tensor& a, const Tensor& b, const Tensor& t);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& x, float s);
Tensor operator+(float s, const Tensor& x);
Tensor operator-(const Tensor& x, float s);
Tensor operator-(float s, const Tensor& x);
Tensor operator*(const Tensor& x, float s);
Tensor operator*(float s, const Tensor& x);
Tensor operator/(const Tensor& x, float s);
Tensor operator/(float s, const Tensor& x);

// ---- reductions ------------------------------------------------------------------------------
/// Sum of every element: a rank-0 tensor.
Tensor sum(const Tensor& x);
/// Sum over `axes` (negative counts from the end); kept as size-1 axes when `keepdim`.
Tensor sum(const Tensor& x, const std::vector<int>& axes, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int>& axes, bool keepdim = false);
/// Sums `x` down to `shape` (the inverse of broadcasting; the gradient of broadcast_to).
Tensor sum_to(const Tensor& x, const Shape& shape);
/// Repeats `x` along its size-1 (or missing leading) axes up to `shape`.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/// sqrt(sum of squares + eps) of each sample: (N, ...) -> (N). eps keeps the gradient finite at 0.
Tensor per_sample_norm(const Tensor& x, float eps = 1e-12f);

// ---- shape -----------------------------------------------------------------------------------
/// Same values, new shape (a view sharing storage). One entry may be -1 (inferred).
Tensor reshape(const Tensor& x, std::vector<int64_t> shape);
/// Collapses axes start_axis.. into one: (N, C, H, W) -> (N, C*H*W) for start_axis = 1.
Tensor flatten(const Tensor& x, int start_axis = 1);
/// Joins tensors along `axis` (all other axes equal).
Tensor concat(const std::vector<Tensor>& xs, int axis = 1);
/// The slice [start, start + length) of `axis`.
Tensor narrow(const Tensor& x, int axis, int64_t start, int64_t length);
/// Zeros of `shape` with `grad` written at [start, start + length) of `axis` (narrow's gradient).
Tensor narrow_backward(const Tensor& grad, const Shape& shape, int axis, int64_t start);

// ---- linear algebra --------------------------------------------------------------------------
/// (M, K) x (K, N) -> (M, N); `trans_a` / `trans_b` use a's / b's transpose instead.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
/// x (N, in) . weight (out, in)^T + bias (out) -> (N, out). `bias` may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// ---- convolution -----------------------------------------------------------------------------
struct Conv2dParams {
    std::array<int64_t, 2> stride{1, 1};
    std::array<int64_t, 2> padding{0, 0};
    std::array<int64_t, 2> dilation{1, 1};
};
/// x (N, Cin, H, W) * weight (Cout, Cin, kH, kW) + bias (Cout) -> (N, Cout, Ho, Wo).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              const Conv2dParams& params = {});
/// The transposed convolution: x (N, Cin, H, W), weight (Cin, Cout, kH, kW) as in PyTorch, output
/// (N, Cout, (H-1)*s - 2p + d*(k-1) + output_padding + 1, ...).
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                        const Conv2dParams& params = {},
                        std::array<int64_t, 2> output_padding = {0, 0});
/// conv2d's gradient with respect to its input, as an op (oneDNN backward-data): grad
/// (N, Cout, Ho, Wo), weight (Cout, Cin, kH, kW) -> (N, Cin, H, W) of `input_shape`.
Tensor conv2d_input_grad(const Tensor& grad, const Tensor& weight, const Shape& input_shape,
                         const Conv2dParams& params);
/// conv2d's gradient with respect to its weight, as an op (oneDNN backward-weights): grad
/// (N, Cout, Ho, Wo), x (N, Cin, H, W) -> (Cout, Cin, kH, kW) of `weight_shape`.
Tensor conv2d_weight_grad(const Tensor& grad, const Tensor& x, const Shape& weight_shape,
                          const Conv2dParams& params);

// ---- resampling (NCHW, integer factors) -----------------------------------------------------
/// Nearest-neighbour upsampling: x (N, C, H, W) -> (N, C, H*f, W*f), each value repeated over an
/// f x f block. Its gradient is sum_pool2d(grad, f) and sum_pool2d's is upsample_nearest: the two
/// are each other's adjoints, so both are differentiable to any order.
Tensor upsample_nearest(const Tensor& x, int64_t factor);
/// The sum of each non-overlapping k x k block: (N, C, H, W) -> (N, C, H/k, W/k); H and W must
/// be divisible by k.
Tensor sum_pool2d(const Tensor& x, int64_t k);
/// The mean of each k x k block (area downsampling, stride k): sum_pool2d(x, k) / (k * k).
Tensor avg_pool2d(const Tensor& x, int64_t k);

// ---- normalisation ---------------------------------------------------------------------------
/// Batch normalisation of x (N, C[, H, W]) per channel. Training: batch statistics, and
/// running_mean/running_var (if defined) updated in place with `momentum` (PyTorch's convention,
/// unbiased variance). Eval: running statistics. weight/bias (C) may be undefined.
/// Its gradient is first-order only: differentiating it again throws.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  float momentum = 0.1f, float eps = 1e-5f);
/// Layer normalisation over every axis but the first; weight/bias have the shape of one sample
/// (C[, H, W]) or are undefined. Twice differentiable.
Tensor layer_norm(const Tensor& x, const Tensor& weight = {}, const Tensor& bias = {},
                  float eps = 1e-5f);

// ---- classification helpers ------------------------------------------------------------------
/// Softmax along `axis`.
Tensor softmax(const Tensor& x, int axis = 1);
Tensor log_softmax(const Tensor& x, int axis = 1);
/// labels (N) of integers in [0, classes) -> (N, classes) of 0/1. Not differentiable.
Tensor one_hot(const Tensor& labels, int64_t classes);
/// Rows of `table` (classes, F) picked by labels (N) -> (N, F); differentiable in `table`.
Tensor embedding(const Tensor& labels, const Tensor& table);

// ---- discriminator helpers -------------------------------------------------------------------
/// Max over groups of `pieces` consecutive features of axis 1 (maxout, Goodfellow et al. 2013):
/// (N, C*pieces, ...) -> (N, C, ...).
Tensor maxout(const Tensor& x, int64_t pieces);
/// Zeroes each element with probability p and scales the rest by 1/(1-p) in training; identity
/// in eval. Draws its mask from `rng`.
Tensor dropout(const Tensor& x, float p, bool training, Rng& rng);

}  // namespace gantry
