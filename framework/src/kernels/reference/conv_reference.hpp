// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Naive twins of kernels/conv.hpp, straight from the definition y[o] = sum x[i] w[o - i],
/// accumulating in double, for the tests. Same contracts as the kernels.
#include "kernels/conv.hpp"

namespace gantry::reference {

void conv2d_forward(const kernels::ConvGeometry& g, const float* x, const float* weight,
                    const float* bias, float* y);
void conv2d_backward_data(const kernels::ConvGeometry& g, const float* dy, const float* weight,
                          float* dx);
void conv2d_backward_weights(const kernels::ConvGeometry& g, const float* dy, const float* x,
                             float* dweight, float* dbias);
void conv_transpose2d_forward(const kernels::ConvGeometry& g, const float* x, const float* weight,
                              const float* bias, float* y);

}  // namespace gantry::reference
