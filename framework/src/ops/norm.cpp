// SPDX-License-Identifier: Apache-2.0
// Batch and layer normalisation: forward on oneDNN. Batch norm's training gradient is oneDNN's
// backward primitive (first order only); layer norm's rule is written in ops, so a WGAN-GP critic
// can use it under a gradient penalty.
#include "kernels/norm.hpp"
#include "ops/op_utils.hpp"

namespace gantry {

using namespace ops;
using kernels::BatchNormDims;

namespace {
constexpr const char* kBatchNormDoubleBackward =
    "batch_norm: double backward is not supported; use layer_norm or no normalisation in a "
    "critic under a gradient penalty";

/// A (C) parameter or statistic must match the channels of x, when given.
void expect_channels(const Tensor& t, int64_t c, const char* op, const char* name) {
    if (!t.defined()) return;
    expect_shape(t.rank() == 1 && t.size(0) == c, op,
                 detail::concat(name, " must have C = ", c, " elements"), t);
}

BatchNormDims batch_norm_dims(const Tensor& x, const Tensor& weight, const Tensor& bias,
                              const Tensor& running_mean, const Tensor& running_var,
                              bool training) {
    expect_defined(x, "batch_norm", "x");
    expect_shape(x.rank() == 2 || x.rank() == 4, "batch_norm", "x must be (N, C) or (N, C, H, W)",
                 x);
    BatchNormDims dims{x.size(0), x.size(1), x.rank() == 4 ? x.size(2) * x.size(3) : 1};
    expect_channels(weight, dims.c, "batch_norm", "weight");
    expect_channels(bias, dims.c, "batch_norm", "bias");
    expect_channels(running_mean, dims.c, "batch_norm", "running_mean");
    expect_channels(running_var, dims.c, "batch_norm", "running_var");
    GANTRY_CHECK(running_mean.defined() == running_var.defined(),
                 "batch_norm: running_mean and running_var must be given together");
    GANTRY_CHECK(training || running_mean.defined(),
                 "batch_norm: eval mode needs running_mean and running_var, got none");
    // One value per channel has no variance (and n / (n - 1) would divide by zero).
    GANTRY_CHECK_AS(ShapeError, !training || dims.n * dims.spatial > 1,
                    "batch_norm: training needs more than one value per channel, got x of shape ",
                    x.shape());
    return dims;
}

const float* data_or_null(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

/// Records a gradient produced by the backward primitive so that differentiating it again fails
/// loudly instead of silently returning a wrong (zero) second derivative.
Tensor first_order_only(const Tensor& grad_part, const Tensor& grad, const Tensor& x,
                        const Tensor& weight) {
    return record("batch_norm_backward", grad_part, {grad, x, weight},
                  [](const BackwardContext&) -> std::vector<Tensor> {
                      throw Error(kBatchNormDoubleBackward);
                  });
}

/// The training-mode gradients {x, weight, bias} from oneDNN's backward primitive, given the
/// batch statistics the forward saved. Only the wanted ones are returned.
std::vector<Tensor> batch_norm_training_grads(const BackwardContext& ctx, const Tensor& x,
                                              const Tensor& weight, const Tensor& bias,
                                              const Tensor& mean, const Tensor& variance,
                                              const BatchNormDims& dims, float eps) {
    const Tensor& g = ctx.grad();
    Tensor grad_x = Tensor::empty(x.shape());
    Tensor grad_w = ctx.needs(1) ? Tensor::empty(weight.shape()) : Tensor();
    Tensor grad_b = ctx.needs(2) ? Tensor::empty(bias.shape()) : Tensor();
    kernels::batch_norm_backward(dims, eps, x.data(), g.data(), mean.data(), variance.data(),
                                 data_or_null(weight), data_or_null(bias), grad_x.data(),
                                 grad_w.defined() ? grad_w.data() : nullptr,
                                 grad_b.defined() ? grad_b.data() : nullptr);
    std::vector<Tensor> grads(3);
    if (ctx.needs(0)) grads[0] = first_order_only(grad_x, g, x, weight);
    if (ctx.needs(1)) grads[1] = first_order_only(grad_w, g, x, weight);
    if (ctx.needs(2)) grads[2] = first_order_only(grad_b, g, x, weight);
    return grads;
}

/// layer_norm's rule in ops. The statistics are recomputed from x (not taken from the kernel) so
/// that the gradient is differentiable in x again, as a gradient penalty needs.
std::vector<Tensor> layer_norm_grads(const BackwardContext& ctx, const Tensor& x,
                                     const Tensor& weight, const Tensor& bias, float eps) {
    const Tensor g = flatten(ctx.grad(), 1);  // (N, D)
    std::vector<Tensor> grads(3);
    if (ctx.needs(2)) grads[2] = reshape(sum(g, {0}), bias.shape().dims());
    if (!ctx.needs(0) && !ctx.needs(1)) return grads;
    const Tensor xf = flatten(x, 1);
    const Tensor centred = xf - mean(xf, {1}, true);
    const Tensor rstd = pow(mean(square(centred), {1}, true) + eps, -0.5f);  // (N, 1)
    const Tensor xhat = centred * rstd;
    if (ctx.needs(1)) grads[1] = reshape(sum(g * xhat, {0}), weight.shape().dims());
    if (ctx.needs(0)) {
        const Tensor gh = weight.defined() ? g * reshape(weight, {1, g.size(1)}) : g;
        const Tensor gx = rstd * (gh - mean(gh, {1}, true) - xhat * mean(gh * xhat, {1}, true));
        grads[0] = reshape(gx, x.shape().dims());
    }
    return grads;
}
}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  float momentum, float eps) {
    const BatchNormDims dims =
        batch_norm_dims(x, weight, bias, running_mean, running_var, training);
    Tensor y = Tensor::empty(x.shape());
    if (training) {
        Tensor mean = Tensor::empty({dims.c}), variance = Tensor::empty({dims.c});
        kernels::batch_norm_forward(dims, true, eps, x.data(), data_or_null(weight),
                                    data_or_null(bias), mean.data(), variance.data(), y.data());
        if (running_mean.defined()) {
            // PyTorch's convention: the running variance is the unbiased estimate, while the
            // batch is normalised with the biased one.
            const float m = static_cast<float>(dims.n * dims.spatial);
            const float unbias = m / (m - 1.f);
            Tensor rm = running_mean, rv = running_var;  // same storage, updated in place
            for (int64_t c = 0; c < dims.c; ++c) {
                rm.data()[c] = (1.f - momentum) * rm.data()[c] + momentum * mean.data()[c];
                rv.data()[c] =
                    (1.f - momentum) * rv.data()[c] + momentum * variance.data()[c] * unbias;
            }
        }
        return record("batch_norm", y, {x, weight, bias},
                      [x, weight, bias, mean, variance, dims, eps](const BackwardContext& ctx) {
                          return batch_norm_training_grads(ctx, x, weight, bias, mean, variance,
                                                           dims, eps);
                      });
    }
    // Eval: snapshots, so that a later training step updating the running statistics in place
    // cannot change this op's gradient.
    Tensor mean = running_mean.clone(), variance = running_var.clone();
    kernels::batch_norm_forward(dims, false, eps, x.data(), data_or_null(weight),
                                data_or_null(bias), mean.data(), variance.data(), y.data());
    // With fixed statistics the op is affine in x, so its rule is plain (twice differentiable) ops.
    const std::vector<int64_t> view =
        x.rank() == 4 ? std::vector<int64_t>{1, dims.c, 1, 1} : std::vector<int64_t>{1, dims.c};
    const std::vector<int> axes = x.rank() == 4 ? std::vector<int>{0, 2, 3} : std::vector<int>{0};
    return record("batch_norm", y, {x, weight, bias},
                  [x, weight, mean, variance, eps, view, axes](const BackwardContext& ctx) {
                      const Tensor& g = ctx.grad();
                      const Tensor rstd = reshape(pow(variance + eps, -0.5f), view);
                      std::vector<Tensor> grads(3);
                      if (ctx.needs(0))
                          grads[0] = g * (weight.defined() ? reshape(weight, view) * rstd : rstd);
                      if (ctx.needs(1))
                          grads[1] = sum(g * ((x - reshape(mean, view)) * rstd), axes);
                      if (ctx.needs(2)) grads[2] = sum(g, axes);
                      return grads;
                  });
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
    expect_defined(x, "layer_norm", "x");
    expect_shape(x.rank() >= 2, "layer_norm", "x must be (N, ...) with at least 2 axes", x);
    const Shape sample(std::vector<int64_t>(x.shape().dims().begin() + 1, x.shape().dims().end()));
    const std::string expected = "must have the shape of one sample " + sample.str();
    if (weight.defined())
        expect_shape(weight.shape() == sample, "layer_norm", "weight " + expected, weight);
    if (bias.defined())
        expect_shape(bias.shape() == sample, "layer_norm", "bias " + expected, bias);
    const int64_t n = x.size(0), d = sample.numel();
    Tensor y = Tensor::empty(x.shape());
    // x is (N, D) to oneDNN; weight/bias (C, H, W) are per-element scale/shift of length D.
    kernels::layer_norm_forward(n, d, eps, x.data(), data_or_null(weight), data_or_null(bias),
                                y.data());
    return record("layer_norm", y, {x, weight, bias},
                  [x, weight, bias, eps](const BackwardContext& ctx) {
                      return layer_norm_grads(ctx, x, weight, bias, eps);
                  });
}

}  // namespace gantry
