// SPDX-License-Identifier: Apache-2.0
#include "kernels/reference/softmax_reference.hpp"

#include <algorithm>
#include <cmath>

namespace gantry::reference {

void softmax_forward(const Shape& shape, int axis, bool log, const float* src, float* dst) {
    // View the tensor as (outer, len, inner) around `axis`.
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= shape[i];
    for (int i = axis + 1; i < shape.rank(); ++i) inner *= shape[i];
    const int64_t len = shape[axis];
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t in = 0; in < inner; ++in) {
            const int64_t base = o * len * inner + in;
            double top = src[base];
            for (int64_t j = 1; j < len; ++j) top = std::max(top, double{src[base + j * inner]});
            double s = 0;
            for (int64_t j = 0; j < len; ++j) s += std::exp(src[base + j * inner] - top);
            for (int64_t j = 0; j < len; ++j) {
                const double z = src[base + j * inner] - top;
                dst[base + j * inner] =
                    static_cast<float>(log ? z - std::log(s) : std::exp(z) / s);
            }
        }
}

}  // namespace gantry::reference
