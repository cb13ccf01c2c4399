// SPDX-License-Identifier: Apache-2.0
#include "kernels/resample.hpp"

#include "kernels/context.hpp"

namespace gantry::kernels {

namespace {
struct Entry {
    dnnl::primitive prim;
    BoundArgs io;
};

Entry make_entry(dnnl::primitive prim, const dnnl::memory::desc& src, const dnnl::memory::desc& dst) {
    Entry e{std::move(prim), {}};
    e.io.add_src_dst(src, dst);
    return e;
}

Shape scaled(const Shape& s, int64_t mul, int64_t div) {
    return Shape{s[0], s[1], s[2] * mul / div, s[3] * mul / div};
}
}  // namespace

void upsample_nearest_forward(const Shape& src_shape, int64_t factor, const float* src, float* dst) {
    if (src_shape.numel() == 0) return;
    static PrimitiveCache<Entry> cache;
    const Key key = key_of(src_shape, factor);
    guarded("resampling_forward", key, [&] {
        Entry& e = cache.get(key, [&] {
            const auto s = plain_desc(src_shape);
            const auto d = plain_desc(scaled(src_shape, factor, 1));
            auto desc = dnnl::resampling_forward::desc(dnnl::prop_kind::forward_inference,
                                                       dnnl::algorithm::resampling_nearest, s, d);
            auto pd = dnnl::resampling_forward::primitive_desc(desc, engine());
            return make_entry(dnnl::resampling_forward(pd), s, d);
        });
        e.io.run_src_dst(e.prim, src, dst);
    });
}

void sum_pool_forward(const Shape& src_shape, int64_t k, const float* src, float* dst) {
    const Shape dst_shape = scaled(src_shape, 1, k);
    if (dst_shape.numel() == 0) return;
    static PrimitiveCache<Entry> cache;
    const Key key = key_of(src_shape, k);
    guarded("pooling_forward", key, [&] {
        Entry& e = cache.get(key, [&] {
            const auto s = plain_desc(src_shape);
            const auto d = plain_desc(dst_shape);
            // No padding: exclude_padding and include_padding agree; the mean times k * k is
            // the block sum.
            auto desc = dnnl::pooling_forward::desc(
                dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, s,
                d, {k, k}, {k, k}, {0, 0}, {0, 0});
            auto pd = dnnl::pooling_forward::primitive_desc(desc, engine());
            return make_entry(dnnl::pooling_forward(pd), s, d);
        });
        e.io.run_src_dst(e.prim, src, dst);
    });
    const float area = static_cast<float>(k * k);
    const int64_t n = dst_shape.numel();
    for (int64_t i = 0; i < n; ++i) dst[i] *= area;
}

}  // namespace gantry::kernels
