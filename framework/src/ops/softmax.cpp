// SPDX-License-Identifier: Apache-2.0
// Softmax and log-softmax: forward on oneDNN softmax_v2, rules in ops on the saved output (so the
// gradients are differentiable again).
#include "kernels/softmax.hpp"
#include "ops/op_utils.hpp"

namespace gantry {

using namespace ops;

namespace {
Tensor softmax_forward(const char* op, const Tensor& x, int axis, bool log, int& a) {
    expect_defined(x, op, "x");
    expect_shape(x.rank() >= 1, op, "x must have at least one axis", x);
    a = axis < 0 ? axis + x.rank() : axis;
    GANTRY_CHECK_AS(ShapeError, a >= 0 && a < x.rank(), op, ": axis ", axis,
                    " is out of range for shape ", x.shape());
    Tensor y = Tensor::empty(x.shape());
    kernels::softmax_forward(x.shape(), a, log, x.data(), y.data());
    return y;
}
}  // namespace

Tensor softmax(const Tensor& x, int axis) {
    int a = 0;
    Tensor y = softmax_forward("softmax", x, axis, /*log=*/false, a);
    return record(
        "softmax", y, {x},
        [a](const BackwardContext& ctx) {
            const Tensor y = ctx.output();
            const Tensor& g = ctx.grad();
            return std::vector<Tensor>{y * (g - sum(g * y, {a}, true))};
        },
        /*keep_output=*/true);
}

Tensor log_softmax(const Tensor& x, int axis) {
    int a = 0;
    Tensor y = softmax_forward("log_softmax", x, axis, /*log=*/true, a);
    return record(
        "log_softmax", y, {x},
        [a](const BackwardContext& ctx) {
            const Tensor& g = ctx.grad();
            return std::vector<Tensor>{g - exp(ctx.output()) * sum(g, {a}, true)};
        },
        /*keep_output=*/true);
}

}  // namespace gantry
