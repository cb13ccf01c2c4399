// SPDX-License-Identifier: Apache-2.0
#include "kernels/reference/conv_reference.hpp"

#include <vector>

namespace gantry::reference {

using kernels::ConvGeometry;

namespace {
// Calls tap(n, co, ci, oy, ox, iy, ix, ky, kx) for every (output pixel, kernel tap) pair that
// reads a real (non-padding) input pixel. Each direction is this sum read a different way.
template <typename Tap>
void for_each_tap(const ConvGeometry& g, Tap&& tap) {
    for (int64_t n = 0; n < g.n; ++n)
        for (int64_t co = 0; co < g.c_out; ++co)
            for (int64_t oy = 0; oy < g.ho; ++oy)
                for (int64_t ox = 0; ox < g.wo; ++ox)
                    for (int64_t ci = 0; ci < g.c_in; ++ci)
                        for (int64_t ky = 0; ky < g.kh; ++ky) {
                            const int64_t iy = oy * g.stride[0] - g.padding[0] + ky * g.dilation[0];
                            if (iy < 0 || iy >= g.h) continue;
                            for (int64_t kx = 0; kx < g.kw; ++kx) {
                                const int64_t ix =
                                    ox * g.stride[1] - g.padding[1] + kx * g.dilation[1];
                                if (ix < 0 || ix >= g.w) continue;
                                tap(n, co, ci, oy, ox, iy, ix, ky, kx);
                            }
                        }
}

int64_t x_at(const ConvGeometry& g, int64_t n, int64_t c, int64_t y, int64_t x) {
    return ((n * g.c_in + c) * g.h + y) * g.w + x;
}
int64_t y_at(const ConvGeometry& g, int64_t n, int64_t c, int64_t y, int64_t x) {
    return ((n * g.c_out + c) * g.ho + y) * g.wo + x;
}
int64_t w_at(const ConvGeometry& g, int64_t co, int64_t ci, int64_t ky, int64_t kx) {
    return ((co * g.c_in + ci) * g.kh + ky) * g.kw + kx;
}

void store(const std::vector<double>& from, float* to) {
    for (size_t i = 0; i < from.size(); ++i) to[i] = static_cast<float>(from[i]);
}
}  // namespace

void conv2d_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                    float* y) {
    std::vector<double> acc(static_cast<size_t>(g.n * g.c_out * g.ho * g.wo), 0.0);
    if (bias != nullptr)
        for (int64_t n = 0; n < g.n; ++n)
            for (int64_t co = 0; co < g.c_out; ++co)
                for (int64_t p = 0; p < g.ho * g.wo; ++p)
                    acc[static_cast<size_t>((n * g.c_out + co) * g.ho * g.wo + p)] = bias[co];
    for_each_tap(
        g, [&](auto n, auto co, auto ci, auto oy, auto ox, auto iy, auto ix, auto ky, auto kx) {
            acc[static_cast<size_t>(y_at(g, n, co, oy, ox))] +=
                static_cast<double>(x[x_at(g, n, ci, iy, ix)]) * weight[w_at(g, co, ci, ky, kx)];
        });
    store(acc, y);
}

void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* weight, float* dx) {
    std::vector<double> acc(static_cast<size_t>(g.n * g.c_in * g.h * g.w), 0.0);
    for_each_tap(
        g, [&](auto n, auto co, auto ci, auto oy, auto ox, auto iy, auto ix, auto ky, auto kx) {
            acc[static_cast<size_t>(x_at(g, n, ci, iy, ix))] +=
                static_cast<double>(dy[y_at(g, n, co, oy, ox)]) * weight[w_at(g, co, ci, ky, kx)];
        });
    store(acc, dx);
}

void conv2d_backward_weights(const ConvGeometry& g, const float* dy, const float* x, float* dweight,
                             float* dbias) {
    std::vector<double> acc(static_cast<size_t>(g.c_out * g.c_in * g.kh * g.kw), 0.0);
    for_each_tap(
        g, [&](auto n, auto co, auto ci, auto oy, auto ox, auto iy, auto ix, auto ky, auto kx) {
            acc[static_cast<size_t>(w_at(g, co, ci, ky, kx))] +=
                static_cast<double>(dy[y_at(g, n, co, oy, ox)]) * x[x_at(g, n, ci, iy, ix)];
        });
    store(acc, dweight);
    if (dbias == nullptr) return;
    for (int64_t co = 0; co < g.c_out; ++co) {
        double s = 0;
        for (int64_t n = 0; n < g.n; ++n)
            for (int64_t p = 0; p < g.ho * g.wo; ++p) s += dy[(n * g.c_out + co) * g.ho * g.wo + p];
        dbias[co] = static_cast<float>(s);
    }
}

void conv_transpose2d_forward(const ConvGeometry& g, const float* x, const float* weight,
                              const float* bias, float* y) {
    // The transposed convolution scatters every input pixel through the kernel: the
    // backward-data sum, plus a bias per output channel (g's c_in).
    std::vector<double> acc(static_cast<size_t>(g.n * g.c_in * g.h * g.w), 0.0);
    if (bias != nullptr)
        for (int64_t n = 0; n < g.n; ++n)
            for (int64_t ci = 0; ci < g.c_in; ++ci)
                for (int64_t p = 0; p < g.h * g.w; ++p)
                    acc[static_cast<size_t>((n * g.c_in + ci) * g.h * g.w + p)] = bias[ci];
    for_each_tap(
        g, [&](auto n, auto co, auto ci, auto oy, auto ox, auto iy, auto ix, auto ky, auto kx) {
            acc[static_cast<size_t>(x_at(g, n, ci, iy, ix))] +=
                static_cast<double>(x[y_at(g, n, co, oy, ox)]) * weight[w_at(g, co, ci, ky, kx)];
        });
    store(acc, y);
}

}  // namespace gantry::reference
