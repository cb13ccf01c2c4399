// SPDX-License-Identifier: Apache-2.0
// matmul and linear: forward on the oneDNN matmul kernel, each rule beside its forward. The rules
// are matmuls again (with other transposes), so they differentiate to any order.
#include "kernels/matmul.hpp"
#include "ops/op_utils.hpp"

namespace gantry {

using namespace ops;

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
    expect_defined(a, "matmul", "a");
    expect_defined(b, "matmul", "b");
    expect_shape(a.rank() == 2, "matmul", trans_a ? "a must be 2-D (K, M)" : "a must be 2-D (M, K)",
                 a);
    expect_shape(b.rank() == 2, "matmul", trans_b ? "b must be 2-D (N, K)" : "b must be 2-D (K, N)",
                 b);
    const int64_t m = trans_a ? a.size(1) : a.size(0);
    const int64_t k = trans_a ? a.size(0) : a.size(1);
    const int64_t k_b = trans_b ? b.size(1) : b.size(0);
    const int64_t n = trans_b ? b.size(0) : b.size(1);
    GANTRY_CHECK_AS(ShapeError, k == k_b, "matmul: inner dimensions differ: a ", a.shape(),
                    trans_a ? " (transposed)" : "", " has K = ", k, ", b ", b.shape(),
                    trans_b ? " (transposed)" : "", " has K = ", k_b);

    Tensor c = Tensor::empty(Shape{m, n});
    kernels::matmul(a.data(), b.data(), nullptr, c.data(), m, n, k, trans_a, trans_b);
    // c = op(a) op(b): dc/d op(a) = g op(b)^T, dc/d op(b) = op(a)^T g, each then transposed back
    // to the stored layout of a or b.
    return record("matmul", c, {a, b}, [a, b, trans_a, trans_b](const BackwardContext& ctx) {
        const Tensor& g = ctx.grad();
        Tensor ga, gb;
        if (ctx.needs(0))
            ga = trans_a ? matmul(b, g, trans_b, true) : matmul(g, b, false, !trans_b);
        if (ctx.needs(1))
            gb = trans_b ? matmul(g, a, true, trans_a) : matmul(a, g, !trans_a, false);
        return std::vector<Tensor>{ga, gb};
    });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    expect_defined(x, "linear", "x");
    expect_defined(weight, "linear", "weight");
    expect_shape(x.rank() == 2, "linear", "x must be 2-D (N, in_features)", x);
    expect_shape(weight.rank() == 2, "linear", "weight must be 2-D (out_features, in_features)",
                 weight);
    GANTRY_CHECK_AS(ShapeError, x.size(1) == weight.size(1), "linear: x ", x.shape(), " has ",
                    x.size(1), " features but weight ", weight.shape(), " expects ", weight.size(1),
                    " (weight is (out_features, in_features))");
    const int64_t n = x.size(0), in = x.size(1), out = weight.size(0);
    if (bias.defined())
        GANTRY_CHECK_AS(ShapeError, bias.shape() == Shape{out}, "linear: bias must be (", out,
                        ") for weight ", weight.shape(), ", got ", bias.shape());

    // One matmul primitive with the bias fused: x (N, in) . weight (out, in)^T + bias (out).
    Tensor y = Tensor::empty(Shape{n, out});
    kernels::matmul(x.data(), weight.data(), bias.defined() ? bias.data() : nullptr, y.data(), n,
                    out, in, false, true);
    std::vector<Tensor> inputs{x, weight};
    if (bias.defined()) inputs.push_back(bias);
    const bool has_bias = bias.defined();
    return record("linear", y, std::move(inputs),
                  [x, weight, has_bias](const BackwardContext& ctx) {
                      const Tensor& g = ctx.grad();  // (N, out)
                      std::vector<Tensor> grads(has_bias ? 3 : 2);
                      if (ctx.needs(0)) grads[0] = matmul(g, weight);          // (N, in)
                      if (ctx.needs(1)) grads[1] = matmul(g, x, true, false);  // (out, in)
                      if (has_bias && ctx.needs(2)) grads[2] = sum(g, {0});    // (out)
                      return grads;
                  });
}

}  // namespace gantry
