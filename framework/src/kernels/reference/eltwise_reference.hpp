// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Naive twins of kernels/eltwise.hpp, in double precision, for the tests.
#include <cstdint>

#include "kernels/eltwise.hpp"

namespace gantry::reference {

void eltwise_forward(kernels::Eltwise alg, float alpha, float beta, const float* src, float* dst,
                     int64_t n);
void eltwise_backward(kernels::Eltwise alg, float alpha, float beta, const float* diff_dst,
                      const float* src, float* diff_src, int64_t n);

}  // namespace gantry::reference
