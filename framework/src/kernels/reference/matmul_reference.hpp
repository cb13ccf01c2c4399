// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Naive twin of kernels/matmul.hpp, accumulating in double, for the tests.
#include <cstdint>

namespace gantry::reference {

/// Same contract as kernels::matmul.
void matmul(const float* a, const float* b, const float* bias, float* c, int64_t m, int64_t n,
            int64_t k, bool trans_a, bool trans_b);

}  // namespace gantry::reference
