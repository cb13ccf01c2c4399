// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Broadcasting binary kernels and reductions (oneDNN binary and reduction primitives), plus the
/// strided copies oneDNN has no primitive for (broadcast, slices).
#include "gantry/shape.hpp"

namespace gantry::kernels {

enum class Binary { add, sub, mul, div };

/// dst (shape `out`) = a op b, where `a` has shape `out` and `b` broadcasts to it.
void binary(Binary alg, const Shape& out, const float* a, const Shape& b_shape, const float* b,
            float* dst);

enum class Reduction { sum, mean };

/// dst = reduction of src over every axis where `dst_shape` is 1 and `src_shape` is not.
/// Both shapes have the same rank.
void reduce(Reduction alg, const Shape& src_shape, const float* src, const Shape& dst_shape,
            float* dst);

/// dst (shape `out`) = src repeated along the axes where `src_shape` is 1 (same rank as out).
void broadcast(const Shape& src_shape, const float* src, const Shape& out, float* dst);

/// Copies the block [start, start + length) of `axis` between a full tensor and a slice:
/// to_slice: full -> slice, else slice -> full (other elements of full untouched).
void copy_slice(const Shape& full_shape, float* full, int axis, int64_t start, int64_t length,
                float* slice, bool to_slice);

/// dst = concatenation of srcs along `axis` (oneDNN concat primitive).
void concat(const std::vector<Shape>& shapes, const std::vector<const float*>& srcs, int axis,
            const Shape& out, float* dst);

}  // namespace gantry::kernels
