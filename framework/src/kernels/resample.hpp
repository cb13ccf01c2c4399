// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Integer-factor resampling of NCHW images: nearest upsampling (oneDNN resampling, nearest) and
/// its adjoint, the sum over k x k blocks (oneDNN average pooling, stride k, times k * k).
#include "gantry/shape.hpp"

namespace gantry::kernels {

/// dst (N, C, H*f, W*f) = src (N, C, H, W) with each value repeated over an f x f block.
void upsample_nearest_forward(const Shape& src_shape, int64_t factor, const float* src, float* dst);

/// dst (N, C, H/k, W/k) = the sum of each k x k block of src (N, C, H, W); H, W divisible by k.
void sum_pool_forward(const Shape& src_shape, int64_t k, const float* src, float* dst);

}  // namespace gantry::kernels
