// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Normalisation kernels on contiguous f32 buffers (oneDNN batch_normalization and
/// layer_normalization primitives). A null scale/shift pointer means "no affine parameter".
#include <cstdint>

namespace gantry::kernels {

/// The layout batch normalisation works on: (N, C, spatial), spatial = H*W (1 for (N, C)).
struct BatchNormDims {
    int64_t n = 0, c = 0, spatial = 1;
};

/// training: normalises with the batch statistics and writes them (biased variance) to
/// mean/variance; otherwise normalises with the given mean/variance (global statistics).
void batch_norm_forward(const BatchNormDims& dims, bool training, float eps,
                        const float* src,    // (N, C, spatial)
                        const float* scale,  // (C) or null
                        const float* shift,  // (C) or null
                        float* mean,         // (C): out in training, in otherwise
                        float* variance,     // (C): out in training, in otherwise
                        float* dst);         // (N, C, spatial)

/// The gradient of a training-mode forward (oneDNN batch_normalization_backward). scale/shift
/// are the forward's (null when it had none); diff_scale / diff_shift may be null when not wanted.
void batch_norm_backward(const BatchNormDims& dims, float eps,
                         const float* src,       // (N, C, spatial)
                         const float* diff_dst,  // (N, C, spatial)
                         const float* mean,      // (C) batch mean saved by the forward
                         const float* variance,  // (C) biased batch variance saved by the forward
                         const float* scale,     // (C) or null
                         const float* shift,     // (C) or null
                         float* diff_src,        // (N, C, spatial)
                         float* diff_scale,      // (C) or null
                         float* diff_shift);     // (C) or null

/// Each of the N rows of length D normalised to zero mean and unit variance, then scaled and
/// shifted per element.
void layer_norm_forward(int64_t n, int64_t d, float eps,
                        const float* src,    // (N, D)
                        const float* scale,  // (D) or null
                        const float* shift,  // (D) or null
                        float* dst);         // (N, D)

}  // namespace gantry::kernels
