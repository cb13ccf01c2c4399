// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Dense 2-D products on row-major f32 buffers (oneDNN matmul). Under a bf16 PrecisionScope
/// (gantry/precision.hpp) a and b are read as bfloat16, the sum is accumulated and written f32.
#include <cstdint>

namespace gantry::kernels {

/// c = op(a) . op(b) + bias, where op(a) is a or its transpose.
/// a:    (M, K), or (K, M) when trans_a
/// b:    (K, N), or (N, K) when trans_b
/// bias: (N) or null
/// c:    (M, N), overwritten
/// Transposes are read through strides, never copied (in bf16 the conversion's reorder reads
/// them). linear() is trans_b with a bias.
void matmul(const float* a, const float* b, const float* bias, float* c, int64_t m, int64_t n,
            int64_t k, bool trans_a, bool trans_b);

}  // namespace gantry::kernels
