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
};

struct BatchNormBackward {
    dnnl::batch_normalization_backward::primitive_desc pd;
    dnnl::batch_normalization_backward prim;
};

BatchNormForward make_bn_forward(const BatchNormDims& dims, bool training, float eps,
                                 flags_t flags) {
    // Eval reads the running statistics instead of computing batch ones.
    const auto prop = training ? dnnl::prop_kind::forward_training
                               : dnnl::prop_kind::forward_inference;
    if (!training) flags |= flags_t::use_global_stats;
    auto d = dnnl::batch_normalization_forward::desc(prop, data_desc(dims), eps, flags);
    auto pd = dnnl::batch_normalization_forward::primitive_desc(d, engine());
    return {pd, dnnl::batch_normalization_forward(pd)};
}

struct LayerNormForward {
    dnnl::layer_normalization_forward::primitive_desc pd;
    dnnl::layer_normalization_forward prim;
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
        BatchNormForward& e =
            cache.get(key, [&] { return make_bn_forward(dims, training, eps, flags); });
        const auto data = data_desc(dims);
        const auto channels = vector_desc(dims.c);
        // Training writes the batch mean/variance to these buffers; eval reads them.
        std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, wrap(data, src)},
                                                   {DNNL_ARG_DST, wrap(data, dst)},
                                                   {DNNL_ARG_MEAN, wrap(channels, mean)},
                                                   {DNNL_ARG_VARIANCE, wrap(channels, variance)}};
        if (scale) args.emplace(DNNL_ARG_SCALE, wrap(channels, scale));
        if (shift) args.emplace(DNNL_ARG_SHIFT, wrap(channels, shift));
        // No workspace: oneDNN needs one only with fuse_norm_relu, which we do not use.
        e.prim.execute(stream(), args);
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
            return BatchNormBackward{pd, dnnl::batch_normalization_backward(pd)};
        });
        const auto data = data_desc(dims);
        const auto channels = vector_desc(dims.c);
        // A parameter gradient nobody asked for goes to scratch.
        std::vector<float> scratch_scale, scratch_shift;
        if (scale && !diff_scale) {
            scratch_scale.resize(static_cast<size_t>(dims.c));
            diff_scale = scratch_scale.data();
        }
        if (use_shift && !diff_shift) {
            scratch_shift.resize(static_cast<size_t>(dims.c));
            diff_shift = scratch_shift.data();
        }
        std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, wrap(data, src)},
                                                   {DNNL_ARG_DIFF_DST, wrap(data, diff_dst)},
                                                   {DNNL_ARG_MEAN, wrap(channels, mean)},
                                                   {DNNL_ARG_VARIANCE, wrap(channels, variance)},
                                                   {DNNL_ARG_DIFF_SRC, wrap(data, diff_src)}};
        if (scale) args.emplace(DNNL_ARG_SCALE, wrap(channels, scale));
        // The shift does not enter the gradient, but oneDNN requires it with use_shift.
        if (shift) args.emplace(DNNL_ARG_SHIFT, wrap(channels, shift));
        if (scale) args.emplace(DNNL_ARG_DIFF_SCALE, wrap(channels, diff_scale));
        if (use_shift)
            args.emplace(DNNL_ARG_DIFF_SHIFT, wrap(channels, diff_shift));
        e.prim.execute(stream(), args);
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
            return LayerNormForward{pd, dnnl::layer_normalization_forward(pd)};
        });
        std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, wrap(data, src)},
                                                   {DNNL_ARG_DST, wrap(data, dst)}};
        // Scale and shift are per element of a row: length D.
        if (scale) args.emplace(DNNL_ARG_SCALE, wrap(vector_desc(d), scale));
        if (shift) args.emplace(DNNL_ARG_SHIFT, wrap(vector_desc(d), shift));
        e.prim.execute(stream(), args);
        stream().wait();
    });
}

}  // namespace gantry::kernels
