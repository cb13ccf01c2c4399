// SPDX-License-Identifier: Apache-2.0
#pragma once
/// 2-D convolutions on row-major f32 NCHW / OIHW buffers (oneDNN convolution and deconvolution).
/// The primitives pick their own (blocked) layouts; the kernels reorder at the edges. Under a
/// bf16 PrecisionScope (gantry/precision.hpp) that reorder also converts the operands (x, weight,
/// dy) to bfloat16; sums are accumulated and written f32, so every buffer here stays f32.
#include <array>
#include <cstdint>
#include <string>

namespace gantry::kernels {

/// Every size of one forward convolution x (n, c_in, h, w) * weight (c_out, c_in, kh, kw)
/// -> y (n, c_out, ho, wo), in PyTorch's conventions (dilation 1 = dense kernel, symmetric
/// padding, ho = floor((h + 2 pad - dil (kh - 1) - 1) / stride) + 1). The backward directions and
/// the transposed convolution are described by the same forward geometry.
struct ConvGeometry {
    int64_t n = 0, c_in = 0, h = 0, w = 0;
    int64_t c_out = 0, kh = 0, kw = 0;
    int64_t ho = 0, wo = 0;
    std::array<int64_t, 2> stride{1, 1};
    std::array<int64_t, 2> padding{0, 0};
    std::array<int64_t, 2> dilation{1, 1};

    /// The output size PyTorch gives for an input extent `in` along axis `axis` (0: H, 1: W).
    int64_t out_extent(int64_t in, int axis) const;
    /// "n,c_in,h,w|c_out,kh,kw|ho,wo|stride|padding|dilation", for cache keys and messages.
    std::string key() const;
};

/// y = conv(x, weight) + bias.
/// x:      (n, c_in, h, w)
/// weight: (c_out, c_in, kh, kw)
/// bias:   (c_out) or null
/// y:      (n, c_out, ho, wo), overwritten
void conv2d_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                    float* y);

/// dx = d<dy, conv(x, weight)>/dx (oneDNN backward-data; also the transposed convolution).
/// dy:     (n, c_out, ho, wo)
/// weight: (c_out, c_in, kh, kw)
/// dx:     (n, c_in, h, w), overwritten
void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* weight, float* dx);

/// dweight = d<dy, conv(x, weight)>/dweight, dbias = sum of dy over (n, ho, wo).
/// dy:      (n, c_out, ho, wo)
/// x:       (n, c_in, h, w)
/// dweight: (c_out, c_in, kh, kw), overwritten
/// dbias:   (c_out) or null, overwritten
void conv2d_backward_weights(const ConvGeometry& g, const float* dy, const float* x, float* dweight,
                             float* dbias);

/// The transposed convolution (PyTorch's conv_transpose2d) of the forward geometry `g` read
/// backwards: its input is g's output side, its output g's input side, plus a bias.
/// x:      (n, c_out, ho, wo)
/// weight: (c_out, c_in, kh, kw) — PyTorch's (in_channels, out_channels, kH, kW) of the
///         transposed convolution
/// bias:   (c_in) or null
/// y:      (n, c_in, h, w), overwritten
void conv_transpose2d_forward(const ConvGeometry& g, const float* x, const float* weight,
                              const float* bias, float* y);

}  // namespace gantry::kernels
