// SPDX-License-Identifier: Apache-2.0
#include "kernels/reference/eltwise_reference.hpp"

#include <cmath>

namespace gantry::reference {

using kernels::Eltwise;

namespace {
double f(Eltwise alg, double a, double b, double x) {
    switch (alg) {
        case Eltwise::relu: return x > 0 ? x : a * x;
        case Eltwise::tanh: return std::tanh(x);
        case Eltwise::logistic: return 1.0 / (1.0 + std::exp(-x));
        case Eltwise::soft_relu: return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
        case Eltwise::exp: return std::exp(x);
        case Eltwise::log: return std::log(x);
        case Eltwise::sqrt: return std::sqrt(x);
        case Eltwise::square: return x * x;
        case Eltwise::abs: return std::fabs(x);
        case Eltwise::linear: return a * x + b;
        case Eltwise::pow: return a * std::pow(x, b);
    }
    return 0;
}

double df(Eltwise alg, double a, double b, double x) {
    switch (alg) {
        case Eltwise::relu: return x > 0 ? 1 : a;
        case Eltwise::tanh: return 1 - std::tanh(x) * std::tanh(x);
        case Eltwise::logistic: { const double s = 1.0 / (1.0 + std::exp(-x)); return s * (1 - s); }
        case Eltwise::soft_relu: return 1.0 / (1.0 + std::exp(-x));
        case Eltwise::exp: return std::exp(x);
        case Eltwise::log: return 1 / x;
        case Eltwise::sqrt: return 0.5 / std::sqrt(x);
        case Eltwise::square: return 2 * x;
        case Eltwise::abs: return x > 0 ? 1 : (x < 0 ? -1 : 0);
        case Eltwise::linear: return a;
        case Eltwise::pow: return a * b * std::pow(x, b - 1);
    }
    return 0;
}
}  // namespace

void eltwise_forward(Eltwise alg, float alpha, float beta, const float* src, float* dst,
                     int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(f(alg, alpha, beta, src[i]));
}

void eltwise_backward(Eltwise alg, float alpha, float beta, const float* diff_dst,
                      const float* src, float* diff_src, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        diff_src[i] = static_cast<float>(diff_dst[i] * df(alg, alpha, beta, src[i]));
}

}  // namespace gantry::reference
