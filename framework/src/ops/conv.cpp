// SPDX-License-Identifier: Apache-2.0
// 2-D convolutions: forward on the oneDNN kernels, each rule beside its forward.
//
// conv2d is linear in x and in weight, so its two gradients are ops of their own
// (conv2d_input_grad, conv2d_weight_grad), each bilinear in (grad, other operand): their rules
// are conv2d, conv2d_input_grad and conv2d_weight_grad again. The family is closed under
// differentiation, which is what a gradient penalty through a conv critic needs.
#include "kernels/conv.hpp"

#include "gantry/autograd.hpp"
#include "ops/op_utils.hpp"

namespace gantry {

using namespace ops;
using kernels::ConvGeometry;

namespace {

void check_params(const char* op, const Conv2dParams& p) {
    for (int i = 0; i < 2; ++i) {
        GANTRY_CHECK_AS(ShapeError, p.stride[i] >= 1, op, ": stride must be >= 1, got (",
                        p.stride[0], ", ", p.stride[1], ")");
        GANTRY_CHECK_AS(ShapeError, p.padding[i] >= 0, op, ": padding must be >= 0, got (",
                        p.padding[0], ", ", p.padding[1], ")");
        GANTRY_CHECK_AS(ShapeError, p.dilation[i] >= 1, op, ": dilation must be >= 1, got (",
                        p.dilation[0], ", ", p.dilation[1], ")");
    }
}

std::string params_str(const Conv2dParams& p) {
    return detail::concat("stride (", p.stride[0], ", ", p.stride[1], "), padding (", p.padding[0],
                          ", ", p.padding[1], "), dilation (", p.dilation[0], ", ", p.dilation[1],
                          ")");
}

/// The forward geometry of x (N, Cin, H, W) * weight (Cout, Cin, kH, kW), checked. `x_name`
/// says what the op calls the input side ("x", "input_shape").
ConvGeometry geometry(const char* op, const Shape& x, const char* x_name, const Shape& w,
                      const Conv2dParams& p) {
    check_params(op, p);
    GANTRY_CHECK_AS(ShapeError, x.rank() == 4, op, ": ", x_name,
                    " must be 4-D (N, Cin, H, W), got ", x);
    GANTRY_CHECK_AS(ShapeError, w.rank() == 4, op, ": weight must be 4-D (Cout, Cin, kH, kW), got ",
                    w);
    GANTRY_CHECK_AS(ShapeError, x[1] == w[1], op, ": ", x_name, " ", x, " has ", x[1],
                    " channels but weight ", w, " expects Cin = ", w[1]);
    ConvGeometry g;
    g.n = x[0], g.c_in = x[1], g.h = x[2], g.w = x[3];
    g.c_out = w[0], g.kh = w[2], g.kw = w[3];
    g.stride = p.stride, g.padding = p.padding, g.dilation = p.dilation;
    GANTRY_CHECK_AS(ShapeError, g.kh >= 1 && g.kw >= 1, op, ": weight ", w,
                    " must have a kernel of at least 1x1");
    g.ho = g.out_extent(g.h, 0);
    g.wo = g.out_extent(g.w, 1);
    GANTRY_CHECK_AS(ShapeError, g.ho > 0 && g.wo > 0, op, ": output size must be > 0, but ", x_name,
                    " ", x, " with kernel ", g.kh, "x", g.kw, " and ", params_str(p),
                    " leaves none (the dilated kernel is larger than the padded image)");
    return g;
}

Shape y_shape(const ConvGeometry& g) { return Shape{g.n, g.c_out, g.ho, g.wo}; }

void check_bias(const char* op, const Tensor& bias, int64_t channels, const Shape& weight) {
    if (!bias.defined()) return;
    GANTRY_CHECK_AS(ShapeError, bias.shape() == Shape{channels}, op, ": bias must be (", channels,
                    ") for weight ", weight, ", got ", bias.shape());
}

// Gradients of a bias added per channel of an (N, C, H, W) output.
Tensor bias_grad(const Tensor& g) { return sum(g, {0, 2, 3}); }

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dParams& params) {
    expect_defined(x, "conv2d", "x");
    expect_defined(weight, "conv2d", "weight");
    const ConvGeometry g = geometry("conv2d", x.shape(), "x", weight.shape(), params);
    check_bias("conv2d", bias, g.c_out, weight.shape());

    Tensor y = Tensor::empty(y_shape(g));
    kernels::conv2d_forward(g, x.data(), weight.data(), bias.defined() ? bias.data() : nullptr,
                            y.data());
    std::vector<Tensor> inputs{x, weight};
    const bool has_bias = bias.defined();
    if (has_bias) inputs.push_back(bias);
    return record("conv2d", y, std::move(inputs),
                  [x, weight, has_bias, params, g](const BackwardContext& ctx) {
                      const Tensor& gy = ctx.grad();  // (N, Cout, Ho, Wo)
                      std::vector<Tensor> grads(has_bias ? 3 : 2);
                      if (ctx.needs(0)) grads[0] = conv2d_input_grad(gy, weight, x.shape(), params);
                      const bool need_b = has_bias && ctx.needs(2);
                      if (ctx.needs(1) && need_b && !autograd::grad_enabled()) {
                          // Not recorded: one backward-weights pass yields both, bias fused.
                          grads[1] = Tensor::empty(weight.shape());
                          grads[2] = Tensor::empty(Shape{g.c_out});
                          kernels::conv2d_backward_weights(g, gy.data(), x.data(), grads[1].data(),
                                                           grads[2].data());
                          return grads;
                      }
                      if (ctx.needs(1))
                          grads[1] = conv2d_weight_grad(gy, x, weight.shape(), params);
                      if (need_b) grads[2] = bias_grad(gy);
                      return grads;
                  });
}

Tensor conv2d_input_grad(const Tensor& grad, const Tensor& weight, const Shape& input_shape,
                         const Conv2dParams& params) {
    expect_defined(grad, "conv2d_input_grad", "grad");
    expect_defined(weight, "conv2d_input_grad", "weight");
    const ConvGeometry g =
        geometry("conv2d_input_grad", input_shape, "input_shape", weight.shape(), params);
    GANTRY_CHECK_AS(ShapeError, grad.shape() == y_shape(g), "conv2d_input_grad: grad must be ",
                    y_shape(g), " (conv2d's output for input ", input_shape, ", weight ",
                    weight.shape(), ", ", params_str(params), "), got ", grad.shape());

    Tensor dx = Tensor::empty(input_shape);
    kernels::conv2d_backward_data(g, grad.data(), weight.data(), dx.data());
    // dx = A_W^T grad, bilinear in (grad, weight): <gg, A_W^T grad> = <A_W gg, grad>.
    return record("conv2d_input_grad", dx, {grad, weight},
                  [grad, weight, params](const BackwardContext& ctx) {
                      const Tensor& gg = ctx.grad();  // (N, Cin, H, W)
                      std::vector<Tensor> grads(2);
                      if (ctx.needs(0)) grads[0] = conv2d(gg, weight, {}, params);
                      if (ctx.needs(1))
                          grads[1] = conv2d_weight_grad(grad, gg, weight.shape(), params);
                      return grads;
                  });
}

Tensor conv2d_weight_grad(const Tensor& grad, const Tensor& x, const Shape& weight_shape,
                          const Conv2dParams& params) {
    expect_defined(grad, "conv2d_weight_grad", "grad");
    expect_defined(x, "conv2d_weight_grad", "x");
    const ConvGeometry g = geometry("conv2d_weight_grad", x.shape(), "x", weight_shape, params);
    GANTRY_CHECK_AS(ShapeError, grad.shape() == y_shape(g), "conv2d_weight_grad: grad must be ",
                    y_shape(g), " (conv2d's output for x ", x.shape(), ", weight ", weight_shape,
                    ", ", params_str(params), "), got ", grad.shape());

    Tensor dw = Tensor::empty(weight_shape);
    kernels::conv2d_backward_weights(g, grad.data(), x.data(), dw.data(), nullptr);
    // dw = sum over the batch of grad (x) x, bilinear in (grad, x).
    return record("conv2d_weight_grad", dw, {grad, x},
                  [grad, x, params](const BackwardContext& ctx) {
                      const Tensor& gg = ctx.grad();  // (Cout, Cin, kH, kW)
                      std::vector<Tensor> grads(2);
                      if (ctx.needs(0)) grads[0] = conv2d(x, gg, {}, params);
                      if (ctx.needs(1)) grads[1] = conv2d_input_grad(grad, gg, x.shape(), params);
                      return grads;
                  });
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const Conv2dParams& params, std::array<int64_t, 2> output_padding) {
    const char* op = "conv_transpose2d";
    expect_defined(x, op, "x");
    expect_defined(weight, op, "weight");
    check_params(op, params);
    expect_shape(x.rank() == 4, op, "x must be 4-D (N, Cin, H, W)", x);
    expect_shape(weight.rank() == 4, op, "weight must be 4-D (Cin, Cout, kH, kW)", weight);
    GANTRY_CHECK_AS(ShapeError, x.size(1) == weight.size(0), op, ": x ", x.shape(), " has ",
                    x.size(1), " channels but weight ", weight.shape(),
                    " expects Cin = ", weight.size(0), " (weight is (Cin, Cout, kH, kW))");
    for (int i = 0; i < 2; ++i)
        GANTRY_CHECK_AS(ShapeError, output_padding[i] >= 0 && output_padding[i] < params.stride[i],
                        op, ": output_padding must be in [0, stride), got (", output_padding[0],
                        ", ", output_padding[1], ") with stride (", params.stride[0], ", ",
                        params.stride[1], ")");
    // The conv2d whose input gradient this is: its input is our output, its output our input.
    const int64_t k[2] = {weight.size(2), weight.size(3)};
    int64_t out[2];
    for (int i = 0; i < 2; ++i)
        out[i] = (x.size(2 + i) - 1) * params.stride[i] - 2 * params.padding[i] +
                 params.dilation[i] * (k[i] - 1) + output_padding[i] + 1;
    GANTRY_CHECK_AS(ShapeError, out[0] > 0 && out[1] > 0, op, ": output size must be > 0, got (",
                    out[0], ", ", out[1], ") for x ", x.shape(), ", weight ", weight.shape(), ", ",
                    params_str(params));
    const Shape out_shape{x.size(0), weight.size(1), out[0], out[1]};
    const ConvGeometry g = geometry(op, out_shape, "output",
                                    Shape{weight.size(0), weight.size(1), k[0], k[1]}, params);
    GANTRY_ASSERT(y_shape(g) == x.shape());
    check_bias(op, bias, weight.size(1), weight.shape());

    Tensor y = Tensor::empty(out_shape);
    kernels::conv_transpose2d_forward(g, x.data(), weight.data(),
                                      bias.defined() ? bias.data() : nullptr, y.data());
    // y = conv2d_input_grad(x, weight) + bias: the rules of conv2d_input_grad, plus the bias.
    std::vector<Tensor> inputs{x, weight};
    const bool has_bias = bias.defined();
    if (has_bias) inputs.push_back(bias);
    return record(op, y, std::move(inputs),
                  [x, weight, has_bias, params](const BackwardContext& ctx) {
                      const Tensor& gy = ctx.grad();  // (N, Cout, Hout, Wout)
                      std::vector<Tensor> grads(has_bias ? 3 : 2);
                      if (ctx.needs(0)) grads[0] = conv2d(gy, weight, {}, params);
                      if (ctx.needs(1))
                          grads[1] = conv2d_weight_grad(x, gy, weight.shape(), params);
                      if (has_bias && ctx.needs(2)) grads[2] = bias_grad(gy);
                      return grads;
                  });
}

}  // namespace gantry
