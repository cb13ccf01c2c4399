// SPDX-License-Identifier: Apache-2.0
// Element-wise ops of one input: forward on oneDNN eltwise, each rule beside its forward.
#include <cmath>
#include <cstdlib>

#include "kernels/eltwise.hpp"
#include "ops/op_utils.hpp"

namespace gantry {

namespace {
bool& debug_checks_flag() {
    static bool on = [] {
        const char* v = std::getenv("GANTRY_DEBUG_CHECKS");
        return v != nullptr && v[0] == '1';
    }();
    return on;
}
}  // namespace

void set_debug_checks(bool on) { debug_checks_flag() = on; }
bool debug_checks() { return debug_checks_flag(); }

using namespace ops;
using kernels::Eltwise;

namespace {
Tensor eltwise(const char* op, const Tensor& x, Eltwise alg, float alpha = 0.f,
               float beta = 0.f) {
    expect_defined(x, op, "x");
    Tensor y = Tensor::empty(x.shape());
    kernels::eltwise_forward(alg, alpha, beta, x.data(), y.data(), x.numel());
    return y;
}

void check_domain(const char* op, const Tensor& x, bool strictly_positive) {
    if (!debug_checks()) return;
    const float* p = x.data();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) {
        const bool bad = strictly_positive ? !(p[i] > 0.f) : !(p[i] >= 0.f);
        GANTRY_CHECK_AS(DomainError, !bad, op, ": input of shape ", x.shape(), " has ", p[i],
                        " at flat index ", i, "; expected ",
                        strictly_positive ? "> 0" : ">= 0");
    }
}
}  // namespace

Tensor relu(const Tensor& x) { return leaky_relu(x, 0.f); }

Tensor leaky_relu(const Tensor& x, float negative_slope) {
    Tensor y = eltwise("leaky_relu", x, Eltwise::relu, negative_slope);
    return record("leaky_relu", y, {x}, [x, negative_slope](const BackwardContext& ctx) {
        return std::vector<Tensor>{leaky_relu_backward(ctx.grad(), x, negative_slope)};
    });
}

Tensor leaky_relu_backward(const Tensor& grad, const Tensor& x, float negative_slope) {
    expect_defined(grad, "leaky_relu_backward", "grad");
    expect_shape(grad.shape() == x.shape(), "leaky_relu_backward",
                 "grad must have the shape of x " + x.shape().str(), grad);
    Tensor dx = Tensor::empty(x.shape());
    kernels::eltwise_backward(Eltwise::relu, negative_slope, 0.f, grad.data(), x.data(),
                              dx.data(), x.numel());
    // Linear in grad with the same mask; the mask is flat almost everywhere in x.
    return record("leaky_relu_backward", dx, {grad, x},
                  [x, negative_slope](const BackwardContext& ctx) {
                      Tensor gg;
                      if (ctx.needs(0)) gg = leaky_relu_backward(ctx.grad(), x, negative_slope);
                      return std::vector<Tensor>{gg, Tensor()};
                  });
}

Tensor tanh(const Tensor& x) {
    Tensor y = eltwise("tanh", x, Eltwise::tanh);
    return record(
        "tanh", y, {x},
        [](const BackwardContext& ctx) {
            const Tensor y = ctx.output();
            return std::vector<Tensor>{ctx.grad() * (1.f - square(y))};
        },
        /*keep_output=*/true);
}

Tensor sigmoid(const Tensor& x) {
    Tensor y = eltwise("sigmoid", x, Eltwise::logistic);
    return record(
        "sigmoid", y, {x},
        [](const BackwardContext& ctx) {
            const Tensor y = ctx.output();
            return std::vector<Tensor>{ctx.grad() * (y * (1.f - y))};
        },
        true);
}

Tensor softplus(const Tensor& x) {
    Tensor y = eltwise("softplus", x, Eltwise::soft_relu);
    return record("softplus", y, {x}, [x](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.grad() * sigmoid(x)};
    });
}

Tensor log_sigmoid(const Tensor& x) {
    expect_defined(x, "log_sigmoid", "x");
    return neg(softplus(neg(x)));
}

Tensor exp(const Tensor& x) {
    Tensor y = eltwise("exp", x, Eltwise::exp);
    return record(
        "exp", y, {x},
        [](const BackwardContext& ctx) { return std::vector<Tensor>{ctx.grad() * ctx.output()}; },
        true);
}

Tensor log(const Tensor& x) {
    expect_defined(x, "log", "x");
    check_domain("log", x, /*strictly_positive=*/true);
    Tensor y = eltwise("log", x, Eltwise::log);
    return record("log", y, {x}, [x](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.grad() / x};
    });
}

Tensor sqrt(const Tensor& x) {
    expect_defined(x, "sqrt", "x");
    check_domain("sqrt", x, /*strictly_positive=*/false);
    Tensor y = eltwise("sqrt", x, Eltwise::sqrt);
    return record(
        "sqrt", y, {x},
        [](const BackwardContext& ctx) {
            return std::vector<Tensor>{ctx.grad() / (2.f * ctx.output())};
        },
        true);
}

Tensor square(const Tensor& x) {
    Tensor y = eltwise("square", x, Eltwise::square);
    return record("square", y, {x}, [x](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.grad() * (2.f * x)};
    });
}

Tensor abs(const Tensor& x) {
    Tensor y = eltwise("abs", x, Eltwise::abs);
    return record("abs", y, {x}, [x](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.grad() * sign(x)};
    });
}

Tensor neg(const Tensor& x) { return affine(x, -1.f, 0.f); }

Tensor sign(const Tensor& x) {
    expect_defined(x, "sign", "x");
    Tensor y = Tensor::empty(x.shape());
    const float* src = x.data();
    float* dst = y.data();
    for (int64_t i = 0, n = x.numel(); i < n; ++i)
        dst[i] = static_cast<float>((src[i] > 0.f) - (src[i] < 0.f));
    return y;  // piecewise constant: no gradient to record
}

Tensor affine(const Tensor& x, float alpha, float beta) {
    Tensor y = eltwise("affine", x, Eltwise::linear, alpha, beta);
    return record("affine", y, {x}, [alpha](const BackwardContext& ctx) {
        return std::vector<Tensor>{affine(ctx.grad(), alpha, 0.f)};
    });
}

Tensor pow(const Tensor& x, float exponent) {
    expect_defined(x, "pow", "x");
    if (exponent == 2.f) return square(x);
    if (exponent == 1.f) return affine(x, 1.f, 0.f);
    if (std::floor(exponent) != exponent) check_domain("pow", x, false);
    Tensor y = eltwise("pow", x, Eltwise::pow, 1.f, exponent);
    return record("pow", y, {x}, [x, exponent](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.grad() * (exponent * pow(x, exponent - 1.f))};
    });
}

Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& x, float s) { return affine(x, 1.f, s); }
Tensor operator+(float s, const Tensor& x) { return affine(x, 1.f, s); }
Tensor operator-(const Tensor& x, float s) { return affine(x, 1.f, -s); }
Tensor operator-(float s, const Tensor& x) { return affine(x, -1.f, s); }
Tensor operator*(const Tensor& x, float s) { return affine(x, s, 0.f); }
Tensor operator*(float s, const Tensor& x) { return affine(x, s, 0.f); }
Tensor operator/(const Tensor& x, float s) {
    GANTRY_CHECK(s != 0.f, "operator/: division of a tensor of shape ", x.shape(), " by zero");
    return affine(x, 1.f / s, 0.f);
}
Tensor operator/(float s, const Tensor& x) { return affine(pow(x, -1.f), s, 0.f); }

}  // namespace gantry
