// SPDX-License-Identifier: Apache-2.0
#include "kernels/conv.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "gantry/threads.hpp"
#include "kernels/context.hpp"
#include "kernels/edge.hpp"
#include "gantry/precision.hpp"

namespace gantry::kernels {

int64_t ConvGeometry::out_extent(int64_t in, int axis) const {
    const int64_t span = dilation[axis] * ((axis == 0 ? kh : kw) - 1) + 1;
    const int64_t room = in + 2 * padding[axis] - span;
    return room < 0 ? 0 : room / stride[axis] + 1;
}

std::string ConvGeometry::key() const {
    return key_of(dnnl::memory::dims{n, c_in, h, w}, dnnl::memory::dims{c_out, kh, kw},
                  dnnl::memory::dims{ho, wo}, dnnl::memory::dims{stride[0], stride[1]},
                  dnnl::memory::dims{padding[0], padding[1]},
                  dnnl::memory::dims{dilation[0], dilation[1]})
        .str();
}

namespace {
Key geometry_key(const ConvGeometry& g) {
    return key_of(dnnl::memory::dims{g.n, g.c_in, g.h, g.w}, dnnl::memory::dims{g.c_out, g.kh, g.kw},
                  dnnl::memory::dims{g.ho, g.wo}, dnnl::memory::dims{g.stride[0], g.stride[1]},
                  dnnl::memory::dims{g.padding[0], g.padding[1]},
                  dnnl::memory::dims{g.dilation[0], g.dilation[1]});
}

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using md = dnnl::memory::desc;

// ---- geometry in oneDNN's terms ------------------------------------------------------------

struct DnnlGeometry {
    dnnl::memory::dims strides, dilates, pad_l, pad_r;
};

DnnlGeometry dnnl_geometry(const ConvGeometry& g) {
    DnnlGeometry d;
    const int64_t k[2] = {g.kh, g.kw};
    const int64_t in[2] = {g.h, g.w};
    const int64_t out[2] = {g.ho, g.wo};
    for (int i = 0; i < 2; ++i) {
        d.strides.push_back(g.stride[i]);
        // oneDNN counts the gaps between taps: a dense kernel has dilation 0.
        d.dilates.push_back(g.dilation[i] - 1);
        d.pad_l.push_back(g.padding[i]);
        // PyTorch floors the output size, so the last window can stop short of the right
        // padding: pass what it actually reads (at least 0), which oneDNN's size check accepts.
        const int64_t span = g.dilation[i] * (k[i] - 1) + 1;
        d.pad_r.push_back(
            std::max<int64_t>(0, (out[i] - 1) * g.stride[i] + span - in[i] - g.padding[i]));
    }
    return d;
}

// In bf16 a primitive reads its operands (src, weights, diff_dst) as bfloat16 and accumulates
// and writes its results (dst, diff_src, diff_weights, the bias and its gradient) in f32, so the
// tensors Gantry keeps stay f32 and only the inner copies the edges make are bf16.
dt operand_type(Precision p) { return p == Precision::bf16 ? dt::bf16 : dt::f32; }

md any_desc(const dnnl::memory::dims& dims, dt type) { return md(dims, type, tag::any); }
md x_dims_any(const ConvGeometry& g, dt type) { return any_desc({g.n, g.c_in, g.h, g.w}, type); }
md y_dims_any(const ConvGeometry& g, dt type) { return any_desc({g.n, g.c_out, g.ho, g.wo}, type); }
md w_dims_any(const ConvGeometry& g, dt type) { return any_desc({g.c_out, g.c_in, g.kh, g.kw}, type); }
md x_plain(const ConvGeometry& g) { return md({g.n, g.c_in, g.h, g.w}, dt::f32, tag::nchw); }
md y_plain(const ConvGeometry& g) { return md({g.n, g.c_out, g.ho, g.wo}, dt::f32, tag::nchw); }
md w_plain(const ConvGeometry& g) { return md({g.c_out, g.c_in, g.kh, g.kw}, dt::f32, tag::oihw); }
md bias_plain(int64_t c) { return md({c}, dt::f32, tag::a); }

// The image side (x, or dx) of backward-data and of the deconvolution. With few channels, the
// blocked layout `any` picks pads them to a 16-lane block and its jit kernel is 2.5x (3 channels)
// to 5x (1 channel) slower than the gemm kernel oneDNN uses on plain NCHW (DCGAN's RGB output
// layer, measured at batch 64); from 8 channels up the two are even.
md image_side_desc(const ConvGeometry& g) { return g.c_in < 8 ? x_plain(g) : x_dims_any(g, dt::f32); }

dnnl::primitive_attr user_scratchpad() {
    // The scratchpad lives in the cache entry, so executing allocates nothing.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
}

dnnl::convolution_forward::primitive_desc forward_pd(const ConvGeometry& g, bool with_bias, Precision p) {
    const DnnlGeometry d = dnnl_geometry(g);
    const dt op = operand_type(p);
    // forward_training, so that the layouts agree with the backward primitives it hints.
    const dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, x_dims_any(g, op),
        w_dims_any(g, op), with_bias ? bias_plain(g.c_out) : md(), y_dims_any(g, dt::f32), d.strides,
        d.dilates, d.pad_l, d.pad_r);
    return {desc, user_scratchpad(), engine()};
}

// What every cached entry holds besides its primitive and its edges.
struct EntryBase {
    dnnl::memory scratch;
    std::unordered_map<int, dnnl::memory> args;  // built once; handles rebound per call
    // Edges and args are rebound on every call: one caller at a time per geometry.
    std::unique_ptr<std::mutex> busy = std::make_unique<std::mutex>();

    void set_scratchpad(const dnnl::primitive_desc_base& pd) {
        scratch = dnnl::memory(pd.scratchpad_desc(), engine());
        args[DNNL_ARG_SCRATCHPAD] = scratch;
    }
};

void fill_zero(float* p, int64_t count) {
    if (p != nullptr && count > 0) std::memset(p, 0, static_cast<size_t>(count) * sizeof(float));
}

// An empty sum over input channels (oneDNN rejects zero-sized dims): y is just the bias.
// y: (n, channels, pixels)
void fill_bias(float* y, const float* bias, int64_t n, int64_t channels, int64_t pixels) {
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < channels; ++c)
            std::fill_n(y + (i * channels + c) * pixels, pixels, bias != nullptr ? bias[c] : 0.f);
}

// ---- forward ---------------------------------------------------------------------------------

struct ForwardEntry : EntryBase {
    dnnl::convolution_forward prim;
    Edge x, w, y;
    dnnl::memory bias;
};

ForwardEntry make_forward(const ConvGeometry& g, bool with_bias, Precision p) {
    const auto pd = forward_pd(g, with_bias, p);
    ForwardEntry e;
    e.prim = dnnl::convolution_forward(pd);
    e.x = Edge::make(x_plain(g), pd.src_desc(), true);
    e.w = Edge::make(w_plain(g), pd.weights_desc(), true);
    e.y = Edge::make(y_plain(g), pd.dst_desc(), false);
    e.args = {{DNNL_ARG_SRC, e.x.inner}, {DNNL_ARG_WEIGHTS, e.w.inner}, {DNNL_ARG_DST, e.y.inner}};
    if (with_bias) {
        e.bias = dnnl::memory(bias_plain(g.c_out), engine(), nullptr);
        e.args[DNNL_ARG_BIAS] = e.bias;
    }
    e.set_scratchpad(pd);
    return e;
}

// ---- backward-data ---------------------------------------------------------------------------

struct BackwardDataEntry : EntryBase {
    dnnl::convolution_backward_data prim;
    Edge dy, w, dx;
};

BackwardDataEntry make_backward_data(const ConvGeometry& g, Precision p) {
    const DnnlGeometry d = dnnl_geometry(g);
    const dt op = operand_type(p);
    const dnnl::convolution_backward_data::desc desc(
        dnnl::algorithm::convolution_direct, image_side_desc(g), w_dims_any(g, op), y_dims_any(g, op),
        d.strides, d.dilates, d.pad_l, d.pad_r);
    // Backward primitives are chosen with the forward one as a hint (oneDNN's training flow).
    const dnnl::convolution_backward_data::primitive_desc pd(desc, user_scratchpad(), engine(),
                                                             forward_pd(g, false, p));
    BackwardDataEntry e;
    e.prim = dnnl::convolution_backward_data(pd);
    e.dy = Edge::make(y_plain(g), pd.diff_dst_desc(), true);
    e.w = Edge::make(w_plain(g), pd.weights_desc(), true);
    e.dx = Edge::make(x_plain(g), pd.diff_src_desc(), false);
    e.args = {{DNNL_ARG_DIFF_DST, e.dy.inner},
              {DNNL_ARG_WEIGHTS, e.w.inner},
              {DNNL_ARG_DIFF_SRC, e.dx.inner}};
    e.set_scratchpad(pd);
    return e;
}

// ---- backward-weights ------------------------------------------------------------------------

struct BackwardWeightsEntry : EntryBase {
    dnnl::convolution_backward_weights prim;
    Edge dy, x, dw;
    dnnl::memory dbias;
};

BackwardWeightsEntry make_backward_weights(const ConvGeometry& g, bool with_bias, Precision p) {
    const DnnlGeometry d = dnnl_geometry(g);
    const dt op = operand_type(p);
    const dnnl::convolution_backward_weights::desc desc(
        dnnl::algorithm::convolution_direct, x_dims_any(g, op), w_dims_any(g, dt::f32),
        with_bias ? bias_plain(g.c_out) : md(), y_dims_any(g, op), d.strides, d.dilates, d.pad_l,
        d.pad_r);
    const dnnl::convolution_backward_weights::primitive_desc pd(desc, user_scratchpad(), engine(),
                                                                forward_pd(g, with_bias, p));
    BackwardWeightsEntry e;
    e.prim = dnnl::convolution_backward_weights(pd);
    e.dy = Edge::make(y_plain(g), pd.diff_dst_desc(), true);
    e.x = Edge::make(x_plain(g), pd.src_desc(), true);
    e.dw = Edge::make(w_plain(g), pd.diff_weights_desc(), false);
    e.args = {{DNNL_ARG_DIFF_DST, e.dy.inner},
              {DNNL_ARG_SRC, e.x.inner},
              {DNNL_ARG_DIFF_WEIGHTS, e.dw.inner}};
    if (with_bias) {
        e.dbias = dnnl::memory(bias_plain(g.c_out), engine(), nullptr);
        e.args[DNNL_ARG_DIFF_BIAS] = e.dbias;
    }
    e.set_scratchpad(pd);
    return e;
}

// ---- transposed convolution (deconvolution) --------------------------------------------------

struct TransposeEntry : EntryBase {
    dnnl::deconvolution_forward prim;
    Edge x, w, y;
    dnnl::memory bias;
};

TransposeEntry make_transpose(const ConvGeometry& g, bool with_bias, Precision p) {
    const DnnlGeometry d = dnnl_geometry(g);
    const dt op = operand_type(p);
    // The deconvolution reads g backwards: its source is g's output side, its destination g's
    // input side, its weights (out = c_in, in = c_out), stored as Gantry's (c_out, c_in, kh, kw),
    // which is oneDNN's iohw. oneDNN runs it as backward-data plus the bias.
    const md w_user({g.c_in, g.c_out, g.kh, g.kw}, dt::f32, tag::iohw);
    const dnnl::deconvolution_forward::desc desc(
        dnnl::prop_kind::forward_training, dnnl::algorithm::deconvolution_direct, y_dims_any(g, op),
        any_desc({g.c_in, g.c_out, g.kh, g.kw}, op), with_bias ? bias_plain(g.c_in) : md(),
        image_side_desc(g), d.strides, d.dilates, d.pad_l, d.pad_r);
    const dnnl::deconvolution_forward::primitive_desc pd(desc, user_scratchpad(), engine());
    TransposeEntry e;
    e.prim = dnnl::deconvolution_forward(pd);
    e.x = Edge::make(y_plain(g), pd.src_desc(), true);
    e.w = Edge::make(w_user, pd.weights_desc(), true);
    e.y = Edge::make(x_plain(g), pd.dst_desc(), false);
    e.args = {{DNNL_ARG_SRC, e.x.inner}, {DNNL_ARG_WEIGHTS, e.w.inner}, {DNNL_ARG_DST, e.y.inner}};
    if (with_bias) {
        e.bias = dnnl::memory(bias_plain(g.c_in), engine(), nullptr);
        e.args[DNNL_ARG_BIAS] = e.bias;
    }
    e.set_scratchpad(pd);
    return e;
}
}  // namespace

// Cache keys hold the precision (a bf16 primitive never serves fp32) and end with the thread
// count: oneDNN sizes a primitive's work split and scratchpad for the threads available when it
// is created, and keeps that split at every execution.

void conv2d_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                    float* y) {
    if (g.n == 0 || g.c_out == 0 || g.ho == 0 || g.wo == 0) return;
    if (g.c_in == 0) return fill_bias(y, bias, g.n, g.c_out, g.ho * g.wo);
    static PrimitiveCache<ForwardEntry> cache;
    const bool with_bias = bias != nullptr;
    const Precision p = precision();
    const Key key = key_of(geometry_key(g), with_bias, static_cast<int>(p));
    guarded("convolution_forward", key, [&] {
        ForwardEntry& e = cache.get(key, [&] { return make_forward(g, with_bias, p); });
        std::lock_guard<std::mutex> hold(*e.busy);
        e.x.bind_input(x);
        e.w.bind_input(weight);
        if (with_bias) e.bias.set_data_handle(const_cast<float*>(bias));
        e.y.bind_output(y);
        e.prim.execute(stream(), e.args);
        e.y.finish_output();
        stream().wait();
    });
}

void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* weight, float* dx) {
    if (g.n == 0 || g.c_in == 0 || g.h == 0 || g.w == 0) return;
    if (g.c_out == 0) return fill_zero(dx, g.n * g.c_in * g.h * g.w);
    static PrimitiveCache<BackwardDataEntry> cache;
    const Precision p = precision();
    const Key key = key_of(geometry_key(g), static_cast<int>(p));
    guarded("convolution_backward_data", key, [&] {
        BackwardDataEntry& e = cache.get(key, [&] { return make_backward_data(g, p); });
        std::lock_guard<std::mutex> hold(*e.busy);
        e.dy.bind_input(dy);
        e.w.bind_input(weight);
        e.dx.bind_output(dx);
        e.prim.execute(stream(), e.args);
        e.dx.finish_output();
        stream().wait();
    });
}

void conv2d_backward_weights(const ConvGeometry& g, const float* dy, const float* x, float* dweight,
                             float* dbias) {
    if (g.c_out == 0) return;
    if (g.n == 0 || g.c_in == 0) {  // an empty batch contributes nothing
        fill_zero(dweight, g.c_out * g.c_in * g.kh * g.kw);
        fill_zero(dbias, g.c_out);
        return;
    }
    static PrimitiveCache<BackwardWeightsEntry> cache;
    const bool with_bias = dbias != nullptr;
    const Precision p = precision();
    const Key key = key_of(geometry_key(g), with_bias, static_cast<int>(p));
    guarded("convolution_backward_weights", key, [&] {
        BackwardWeightsEntry& e =
            cache.get(key, [&] { return make_backward_weights(g, with_bias, p); });
        std::lock_guard<std::mutex> hold(*e.busy);
        e.dy.bind_input(dy);
        e.x.bind_input(x);
        e.dw.bind_output(dweight);
        if (with_bias) e.dbias.set_data_handle(dbias);
        e.prim.execute(stream(), e.args);
        e.dw.finish_output();
        stream().wait();
    });
}

void conv_transpose2d_forward(const ConvGeometry& g, const float* x, const float* weight,
                              const float* bias, float* y) {
    if (g.n == 0 || g.c_in == 0 || g.h == 0 || g.w == 0) return;
    if (g.c_out == 0) return fill_bias(y, bias, g.n, g.c_in, g.h * g.w);
    static PrimitiveCache<TransposeEntry> cache;
    const bool with_bias = bias != nullptr;
    const Precision p = precision();
    const Key key = key_of(geometry_key(g), with_bias, static_cast<int>(p));
    guarded("deconvolution_forward", key, [&] {
        TransposeEntry& e = cache.get(key, [&] { return make_transpose(g, with_bias, p); });
        std::lock_guard<std::mutex> hold(*e.busy);
        e.x.bind_input(x);
        e.w.bind_input(weight);
        if (with_bias) e.bias.set_data_handle(const_cast<float*>(bias));
        e.y.bind_output(y);
        e.prim.execute(stream(), e.args);
        e.y.finish_output();
        stream().wait();
    });
}

}  // namespace gantry::kernels
