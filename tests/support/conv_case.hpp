// SPDX-License-Identifier: Apache-2.0
#pragma once
// The convolution cases of the kernel tests (tests/ops/conv_test.cpp, tests/ops/bf16_test.cpp):
// x (n, cin, h, w) * weight (cout, cin, kh, kw), its geometry in the kernels' terms and a
// description for failure messages.
#include <array>
#include <sstream>
#include <string>

#include "gantry/ops.hpp"
#include "kernels/conv.hpp"

namespace gantry::testing {

struct ConvCase {
    int64_t n, cin, h, w, cout, kh, kw;
    Conv2dParams p;
    bool bias;
};

// One transposed convolution x (n, cin, h, w) with weight (cin, cout, kh, kw).
struct ConvTransposeCase {
    int64_t n, cin, h, w, cout, kh, kw;
    Conv2dParams p;
    std::array<int64_t, 2> output_padding;
    bool bias;
};

inline std::string describe(const ConvCase& c) {
    std::ostringstream out;
    out << "x (" << c.n << ", " << c.cin << ", " << c.h << ", " << c.w << ") weight (" << c.cout
        << ", " << c.cin << ", " << c.kh << ", " << c.kw << ") stride (" << c.p.stride[0] << ", "
        << c.p.stride[1] << ") padding (" << c.p.padding[0] << ", " << c.p.padding[1]
        << ") dilation (" << c.p.dilation[0] << ", " << c.p.dilation[1] << ") bias " << c.bias;
    return out.str();
}

inline kernels::ConvGeometry geometry_of(const ConvCase& c) {
    kernels::ConvGeometry g;
    g.n = c.n, g.c_in = c.cin, g.h = c.h, g.w = c.w;
    g.c_out = c.cout, g.kh = c.kh, g.kw = c.kw;
    g.stride = c.p.stride, g.padding = c.p.padding, g.dilation = c.p.dilation;
    g.ho = g.out_extent(g.h, 0);
    g.wo = g.out_extent(g.w, 1);
    return g;
}

inline Shape x_shape(const kernels::ConvGeometry& g) { return Shape{g.n, g.c_in, g.h, g.w}; }
inline Shape y_shape(const kernels::ConvGeometry& g) { return Shape{g.n, g.c_out, g.ho, g.wo}; }
inline Shape w_shape(const kernels::ConvGeometry& g) { return Shape{g.c_out, g.c_in, g.kh, g.kw}; }

}  // namespace gantry::testing
