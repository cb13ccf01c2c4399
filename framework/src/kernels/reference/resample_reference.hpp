// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Naive twins of kernels/resample.hpp (sums in double), for the tests. Same contracts.
#include "gantry/shape.hpp"

namespace gantry::reference {

void upsample_nearest_forward(const Shape& src_shape, int64_t factor, const float* src, float* dst);
void sum_pool_forward(const Shape& src_shape, int64_t k, const float* src, float* dst);

}  // namespace gantry::reference
