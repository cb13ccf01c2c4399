// SPDX-License-Identifier: Apache-2.0
#include "kernels/norm.hpp"

#include <vector>

#include "kernels/context.hpp"

namespace gantry::kernels {

namespace {
using flags_t = dnnl::normalization_flags;

flags_t affine_flags(bool scale, bool shift) {
    flags_t f = flags_t::none;
    if (scale) f |= flags_t::use_scale;
    if (shift) f |= flags_t::use_shift;
    return f;
}

// (N, C) is run as (N, C, 1, 1): one primitive family for every rank we accept.
dnnl::memory::desc data_desc(const BatchNormDims& d) {
    return plain_desc(dnnl::memory::dims{d.n, d.c, d.spatial, 1});
}

dnnl::memory::desc vector_desc(int64_t n) { return plain_desc(dnnl::memory::dims{n}); }

struct BatchNormForward {
    dnnl::batch_normalization_forward::primitive_desc pd;
    dnnl::batch_normalization_forward prim;
    BoundArgs io;
};

struct BatchNormBackward {
    dnnl::batch_normalization_backward prim;
    BoundArgs io;
    // Where a parameter gradient nobody asked for goes (e.g. a frozen D's in the G step): oneDNN
    // computes it whenever the forward had scale or shift. Sized once, with the primitive.
    std::vector<float> unwanted_diff_scale, unwanted_diff_shift;
};

BatchNormForward make_bn_forward(const BatchNormDims& dims, bool training, float eps,
                                 flags_t flags) {
    // Eval reads the running statistics instead of computing batch ones.
    const auto prop = training ? dnnl::prop_kind::forward_training
                               : dnnl::prop_kind::forward_inference;
    if (!training) flags |= flags_t::use_global_stats;
    auto d = dnnl::batch_normalization_forward::desc(prop, data_desc(dims), eps, flags);
    auto pd = dnnl::batch_normalization_forward::primitive_desc(d, engine());
    return {pd, dnnl::batch_normalization_forward(pd), {}};
}

struct LayerNormForward {
    dnnl::layer_normalization_forward prim;
    BoundArgs io;
};
}  // namespace

void batch_norm_forward(const BatchNormDims& dims, bool training, float eps, const float* src,
                        const float* scale, const float* shift, float* mean, float* variance,
                        float* dst) {
    if (dims.n * dims.c * dims.spatial == 0) return;
    static PrimitiveCache<BatchNormForward> cache;
    const flags_t flags = affine_flags(scale != nullptr, shift != nullptr);
    const Key key =
        key_of(dims.n, dims.c, dims.spatial, training, eps, static_cast<int>(flags));
    guarded("batch_normalization_forward", key, [&] {
        BatchNormForward& e = cache.get(key, [&] {
            BatchNormForward made = make_bn_forward(dims, training, eps, flags);
            const auto data = data_desc(dims);
            const auto channels = vector_desc(dims.c);
            made.io.add(DNNL_ARG_SRC, data);
            made.io.add(DNNL_ARG_DST, data);
            // Training writes the batch mean/variance to these buffers; eval reads them.
            made.io.add(DNNL_ARG_MEAN, channels);
            made.io.add(DNNL_ARG_VARIANCE, channels);
            if (scale) made.io.add(DNNL_ARG_SCALE, channels);
            if (shift) made.io.add(DNNL_ARG_SHIFT, channels);
            return made;
        });
        std::lock_guard<std::mutex> hold(*e.io.busy);
        e.io.bind(DNNL_ARG_SRC, src);
        e.io.bind(DNNL_ARG_DST, dst);
        e.io.bind(DNNL_ARG_MEAN, mean);
        e.io.bind(DNNL_ARG_VARIANCE, variance);
        if (scale) e.io.bind(DNNL_ARG_SCALE, scale);
        if (shift) e.io.bind(DNNL_ARG_SHIFT, shift);
        // No workspace: oneDNN needs one only with fuse_norm_relu, which we do not use.
        e.prim.execute(stream(), e.io.args);
        stream().wait();
    });
}

void batch_norm_backward(const BatchNormDims& dims, float eps, const float* src,
                         const float* diff_dst, const float* mean, const float* variance,
                         const float* scale, const float* shift, float* diff_src,
                         float* diff_scale, float* diff_shift) {
    if (dims.n * dims.c * dims.spatial == 0) return;
    static PrimitiveCache<BatchNormBackward> cache;
    const bool use_shift = shift != nullptr;
    const flags_t flags = affine_flags(scale != nullptr, use_shift);
    // oneDNN 2.6 implements backward_data only without scale/shift: with either,
    // prop_kind::backward computes their gradients too, wanted or not.
    const bool affine = flags != flags_t::none;
    const Key key = key_of(dims.n, dims.c, dims.spatial, eps, static_cast<int>(flags));
    guarded("batch_normalization_backward", key, [&] {
        BatchNormBackward& e = cache.get(key, [&] {
            // The backward descriptor is hinted by the training forward it differentiates.
            BatchNormForward hint = make_bn_forward(dims, /*training=*/true, eps, flags);
            const auto prop =
                affine ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data;
            auto d = dnnl::batch_normalization_backward::desc(prop, data_desc(dims),
                                                              data_desc(dims), eps, flags);
            auto pd = dnnl::batch_normalization_backward::primitive_desc(d, engine(), hint.pd);
            BatchNormBackward made{dnnl::batch_normalization_backward(pd), {}, {}, {}};
            const auto data = data_desc(dims);
            const auto channels = vector_desc(dims.c);
            for (int arg : {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}) made.io.add(arg, data);
            for (int arg : {DNNL_ARG_MEAN, DNNL_ARG_VARIANCE}) made.io.add(arg, channels);
            if (scale) {
                made.io.add(DNNL_ARG_SCALE, channels);
                made.io.add(DNNL_ARG_DIFF_SCALE, channels);
                made.unwanted_diff_scale.resize(static_cast<size_t>(dims.c));
            }
            if (use_shift) {
                // The shift does not enter the gradient, but oneDNN requires it with use_shift.
                made.io.add(DNNL_ARG_SHIFT, channels);
                made.io.add(DNNL_ARG_DIFF_SHIFT, channels);
                made.unwanted_diff_shift.resize(static_cast<size_t>(dims.c));
            }
            return made;
        });
        std::lock_guard<std::mutex> hold(*e.io.busy);
        e.io.bind(DNNL_ARG_SRC, src);
        e.io.bind(DNNL_ARG_DIFF_DST, diff_dst);
        e.io.bind(DNNL_ARG_MEAN, mean);
        e.io.bind(DNNL_ARG_VARIANCE, variance);
        e.io.bind(DNNL_ARG_DIFF_SRC, diff_src);
        if (scale) {
            e.io.bind(DNNL_ARG_SCALE, scale);
            e.io.bind(DNNL_ARG_DIFF_SCALE, diff_scale ? diff_scale : e.unwanted_diff_scale.data());
        }
        if (use_shift) {
            e.io.bind(DNNL_ARG_SHIFT, shift);
            e.io.bind(DNNL_ARG_DIFF_SHIFT, diff_shift ? diff_shift : e.unwanted_diff_shift.data());
        }
        e.prim.execute(stream(), e.io.args);
        stream().wait();
    });
}

void layer_norm_forward(int64_t n, int64_t d, float eps, const float* src, const float* scale,
                        const float* shift, float* dst) {
    if (n * d == 0) return;
    static PrimitiveCache<LayerNormForward> cache;
    const flags_t flags = affine_flags(scale != nullptr, shift != nullptr);
    const Key key = key_of(n, d, eps, static_cast<int>(flags));
    const auto data = plain_desc(dnnl::memory::dims{n, d});
    guarded("layer_normalization_forward", key, [&] {
        LayerNormForward& e = cache.get(key, [&] {
            // Inference kind: the statistics are computed but not kept, since the rule recomputes
            // them with ops to stay differentiable.
            auto desc = dnnl::layer_normalization_forward::desc(
                dnnl::prop_kind::forward_inference, data, eps, flags);
            auto pd = dnnl::layer_normalization_forward::primitive_desc(desc, engine());
            LayerNormForward made{dnnl::layer_normalization_forward(pd), {}};
            made.io.add(DNNL_ARG_SRC, data);
            made.io.add(DNNL_ARG_DST, data);
            // Scale and shift are per element of a row: length D.
            if (scale) made.io.add(DNNL_ARG_SCALE, vector_desc(d));
            if (shift) made.io.add(DNNL_ARG_SHIFT, vector_desc(d));
            return made;
        });
        std::lock_guard<std::mutex> hold(*e.io.busy);
        e.io.bind(DNNL_ARG_SRC, src);
        e.io.bind(DNNL_ARG_DST, dst);
        if (scale) e.io.bind(DNNL_ARG_SCALE, scale);
        if (shift) e.io.bind(DNNL_ARG_SHIFT, shift);
        e.prim.execute(stream(), e.io.args);
        stream().wait();
    });
}

}  // namespace gantry::kernels
