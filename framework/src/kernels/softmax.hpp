// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Softmax and log-softmax along one axis (oneDNN softmax_v2 primitive).
#include "gantry/shape.hpp"

namespace gantry::kernels {

/// dst = softmax(src) along `axis` (in [0, rank)), or log_softmax when `log`.
void softmax_forward(const Shape& shape, int axis, bool log,
                     const float* src,  // `shape`, row-major
                     float* dst);       // `shape`, row-major

}  // namespace gantry::kernels
