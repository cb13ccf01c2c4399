// SPDX-License-Identifier: Apache-2.0
#include "kernels/reference/matmul_reference.hpp"

namespace gantry::reference {

void matmul(const float* a, const float* b, const float* bias, float* c, int64_t m, int64_t n,
            int64_t k, bool trans_a, bool trans_b) {
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double s = bias != nullptr ? bias[j] : 0.0;
            for (int64_t p = 0; p < k; ++p) {
                const double av = trans_a ? a[p * m + i] : a[i * k + p];
                const double bv = trans_b ? b[j * k + p] : b[p * n + j];
                s += av * bv;
            }
            c[i * n + j] = static_cast<float>(s);
        }
}

}  // namespace gantry::reference
