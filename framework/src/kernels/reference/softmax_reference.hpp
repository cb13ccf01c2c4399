// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Naive twin of kernels/softmax.hpp, in double precision, for the tests.
#include "gantry/shape.hpp"

namespace gantry::reference {

void softmax_forward(const Shape& shape, int axis, bool log, const float* src, float* dst);

}  // namespace gantry::reference
