// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Naive twins of kernels/norm.hpp, in double precision, for the tests. Same arguments and
/// conventions as the oneDNN kernels.
#include <cstdint>

#include "kernels/norm.hpp"

namespace gantry::reference {

void batch_norm_forward(const kernels::BatchNormDims& dims, bool training, float eps,
                        const float* src, const float* scale, const float* shift, float* mean,
                        float* variance, float* dst);
void batch_norm_backward(const kernels::BatchNormDims& dims, float eps, const float* src,
                         const float* diff_dst, const float* mean, const float* variance,
                         const float* scale, float* diff_src, float* diff_scale,
                         float* diff_shift);
void layer_norm_forward(int64_t n, int64_t d, float eps, const float* src, const float* scale,
                        const float* shift, float* dst);

}  // namespace gantry::reference
