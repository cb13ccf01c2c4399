// SPDX-License-Identifier: Apache-2.0
#include "kernels/reference/resample_reference.hpp"

namespace gantry::reference {

void upsample_nearest_forward(const Shape& s, int64_t f, const float* src, float* dst) {
    const int64_t h = s[2], w = s[3], ho = h * f, wo = w * f;
    for (int64_t nc = 0; nc < s[0] * s[1]; ++nc)
        for (int64_t y = 0; y < ho; ++y)
            for (int64_t x = 0; x < wo; ++x)
                dst[(nc * ho + y) * wo + x] = src[(nc * h + y / f) * w + x / f];
}

void sum_pool_forward(const Shape& s, int64_t k, const float* src, float* dst) {
    const int64_t h = s[2], w = s[3], ho = h / k, wo = w / k;
    for (int64_t nc = 0; nc < s[0] * s[1]; ++nc)
        for (int64_t y = 0; y < ho; ++y)
            for (int64_t x = 0; x < wo; ++x) {
                double acc = 0;
                for (int64_t i = 0; i < k; ++i)
                    for (int64_t j = 0; j < k; ++j) acc += src[(nc * h + y * k + i) * w + x * k + j];
                dst[(nc * ho + y) * wo + x] = static_cast<float>(acc);
            }
}

}  // namespace gantry::reference
