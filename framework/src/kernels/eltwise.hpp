// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Element-wise kernels on contiguous f32 buffers (oneDNN eltwise primitives).
#include <cstdint>

namespace gantry::kernels {

enum class Eltwise { relu, tanh, logistic, soft_relu, exp, log, sqrt, square, abs, linear, pow };

/// dst[i] = f(src[i]) with oneDNN's alpha/beta conventions (relu: alpha = negative slope;
/// linear: alpha * x + beta; pow: alpha * x^beta).
void eltwise_forward(Eltwise alg, float alpha, float beta, const float* src, float* dst, int64_t n);
/// diff_src[i] = diff_dst[i] * f'(src[i]) (oneDNN eltwise backward, from src).
void eltwise_backward(Eltwise alg, float alpha, float beta, const float* diff_dst,
                      const float* src, float* diff_src, int64_t n);

}  // namespace gantry::kernels
