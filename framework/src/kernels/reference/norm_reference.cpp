// SPDX-License-Identifier: Apache-2.0
#include "kernels/reference/norm_reference.hpp"

#include <cmath>

namespace gantry::reference {

using kernels::BatchNormDims;

namespace {
// Element (n, c, s) of an (N, C, spatial) buffer.
int64_t at(const BatchNormDims& d, int64_t n, int64_t c, int64_t s) {
    return (n * d.c + c) * d.spatial + s;
}
}  // namespace

void batch_norm_forward(const BatchNormDims& d, bool training, float eps, const float* src,
                        const float* scale, const float* shift, float* mean, float* variance,
                        float* dst) {
    const double m = static_cast<double>(d.n * d.spatial);
    for (int64_t c = 0; c < d.c; ++c) {
        double mu = mean[c], var = variance[c];
        if (training) {
            double s = 0;
            for (int64_t n = 0; n < d.n; ++n)
                for (int64_t i = 0; i < d.spatial; ++i) s += src[at(d, n, c, i)];
            mu = s / m;
            double q = 0;
            for (int64_t n = 0; n < d.n; ++n)
                for (int64_t i = 0; i < d.spatial; ++i) {
                    const double x = src[at(d, n, c, i)] - mu;
                    q += x * x;
                }
            var = q / m;  // biased, as used for normalising
            mean[c] = static_cast<float>(mu);
            variance[c] = static_cast<float>(var);
        }
        const double rstd = 1.0 / std::sqrt(var + eps);
        const double g = scale ? scale[c] : 1.0, b = shift ? shift[c] : 0.0;
        for (int64_t n = 0; n < d.n; ++n)
            for (int64_t i = 0; i < d.spatial; ++i) {
                const int64_t k = at(d, n, c, i);
                dst[k] = static_cast<float>((src[k] - mu) * rstd * g + b);
            }
    }
}

void batch_norm_backward(const BatchNormDims& d, float eps, const float* src,
                         const float* diff_dst, const float* mean, const float* variance,
                         const float* scale, float* diff_src, float* diff_scale,
                         float* diff_shift) {
    const double m = static_cast<double>(d.n * d.spatial);
    for (int64_t c = 0; c < d.c; ++c) {
        const double rstd = 1.0 / std::sqrt(static_cast<double>(variance[c]) + eps);
        double sum_g = 0, sum_gx = 0;
        for (int64_t n = 0; n < d.n; ++n)
            for (int64_t i = 0; i < d.spatial; ++i) {
                const int64_t k = at(d, n, c, i);
                sum_g += diff_dst[k];
                sum_gx += diff_dst[k] * (src[k] - mean[c]) * rstd;
            }
        if (diff_scale) diff_scale[c] = static_cast<float>(sum_gx);
        if (diff_shift) diff_shift[c] = static_cast<float>(sum_g);
        const double g = scale ? scale[c] : 1.0;
        for (int64_t n = 0; n < d.n; ++n)
            for (int64_t i = 0; i < d.spatial; ++i) {
                const int64_t k = at(d, n, c, i);
                const double xhat = (src[k] - mean[c]) * rstd;
                diff_src[k] = static_cast<float>(
                    g * rstd * (diff_dst[k] - sum_g / m - xhat * sum_gx / m));
            }
    }
}

void layer_norm_forward(int64_t n, int64_t d, float eps, const float* src, const float* scale,
                        const float* shift, float* dst) {
    for (int64_t r = 0; r < n; ++r) {
        const float* x = src + r * d;
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += x[j];
        const double mu = s / static_cast<double>(d);
        double q = 0;
        for (int64_t j = 0; j < d; ++j) q += (x[j] - mu) * (x[j] - mu);
        const double rstd = 1.0 / std::sqrt(q / static_cast<double>(d) + eps);
        for (int64_t j = 0; j < d; ++j)
            dst[r * d + j] = static_cast<float>((x[j] - mu) * rstd * (scale ? scale[j] : 1.0) +
                                                (shift ? shift[j] : 0.0));
    }
}

}  // namespace gantry::reference
