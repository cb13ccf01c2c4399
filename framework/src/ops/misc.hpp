// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Internal ops that serve as the gradients of maxout and embedding (framework/src/ops/misc.cpp).
/// Each pair is mutually adjoint, which keeps maxout and embedding twice differentiable.
#include "gantry/tensor.hpp"

namespace gantry::ops {

/// grad (N, C, ...) written at the argmax of each group of `pieces` channels of x
/// (N, C*pieces, ...), zeros elsewhere (first maximum wins ties). maxout's gradient.
/// Differentiable in grad (its gradient is maxout_gather); x only selects.
Tensor maxout_scatter(const Tensor& grad, const Tensor& x, int64_t pieces);
/// src (N, C*pieces, ...) picked at the argmax positions of x -> (N, C, ...).
/// Differentiable in src (its gradient is maxout_scatter); x only selects.
Tensor maxout_gather(const Tensor& src, const Tensor& x, int64_t pieces);

/// Rows of grad (N, F) summed into a (classes, F) table at rows labels (N). embedding's gradient;
/// its own gradient is embedding (a gather).
Tensor embedding_backward(const Tensor& grad, const Tensor& labels, int64_t classes);

}  // namespace gantry::ops
