// SPDX-License-Identifier: Apache-2.0
#include "kernels/binary.hpp"

#include <cmath>
#include <cstring>

#include "gantry/error.hpp"
#include "kernels/context.hpp"
#include "kernels/matmul.hpp"

namespace gantry::kernels {

namespace {
dnnl::algorithm algorithm_of(Binary alg) {
    switch (alg) {
        case Binary::add: return dnnl::algorithm::binary_add;
        case Binary::sub: return dnnl::algorithm::binary_sub;
        case Binary::mul: return dnnl::algorithm::binary_mul;
        case Binary::div: return dnnl::algorithm::binary_div;
    }
    return dnnl::algorithm::binary_add;
}

/// `shape` left-padded with 1s to `rank` axes (oneDNN wants equal ranks); rank 0 becomes (1).
dnnl::memory::dims padded(const Shape& shape, int rank) {
    dnnl::memory::dims d(static_cast<size_t>(std::max(rank, 1)), 1);
    for (int i = 0; i < shape.rank(); ++i)
        d[d.size() - static_cast<size_t>(shape.rank()) + static_cast<size_t>(i)] = shape[i];
    return d;
}

struct BinaryEntry {
    dnnl::binary prim;
    BoundArgs io;
};

struct ReductionEntry {
    dnnl::reduction prim;
    BoundArgs io;
};

/// A sum over leading or trailing axes as a product with a vector of ones, when it is one:
/// oneDNN 2.6 runs such reductions (the bias gradient (N, C) -> (1, C)) on its reference
/// implementation, tens of times slower than its matmul. Returns false for other reductions.
bool sum_as_matmul(const Shape& src_shape, const float* src, const Shape& dst_shape, float* dst) {
    const int r = src_shape.rank();
    // Leading axes reduced: dst is 1s then the trailing axes of src.
    int lead = r;
    while (lead > 0 && dst_shape[lead - 1] == src_shape[lead - 1]) --lead;
    bool leading = true;
    for (int i = 0; i < lead; ++i) leading = leading && dst_shape[i] == 1;
    // Trailing axes reduced: dst is the leading axes of src then 1s.
    int trail = 0;
    while (trail < r && dst_shape[trail] == src_shape[trail]) ++trail;
    bool trailing = true;
    for (int i = trail; i < r; ++i) trailing = trailing && dst_shape[i] == 1;
    if (!leading && !trailing) return false;
    int64_t outer = 1, inner = 1;
    const int split = leading ? lead : trail;
    for (int i = 0; i < split; ++i) outer *= src_shape[i];
    for (int i = split; i < r; ++i) inner *= src_shape[i];
    thread_local std::vector<float> ones;
    const size_t need = static_cast<size_t>(std::max(outer, inner));
    if (ones.size() < need) ones.assign(need, 1.f);
    if (leading)  // (1, outer) . (outer, inner)
        matmul(ones.data(), src, nullptr, dst, 1, inner, outer, false, false);
    else  // (outer, inner) . (inner, 1)
        matmul(src, ones.data(), nullptr, dst, outer, 1, inner, false, false);
    return true;
}

struct ConcatEntry {
    dnnl::concat prim;
    BoundArgs io;  // DNNL_ARG_DST and DNNL_ARG_MULTIPLE_SRC + i
};
}  // namespace

void binary(Binary alg, const Shape& out, const float* a, const Shape& b_shape, const float* b,
            float* dst) {
    if (out.numel() == 0) return;
    static PrimitiveCache<BinaryEntry> cache;
    const Key key = key_of(static_cast<int>(alg), out, b_shape);
    guarded("binary", key, [&] {
        BinaryEntry& e = cache.get(key, [&] {
            const int rank = out.rank();
            auto md_a = plain_desc(padded(out, rank));
            auto md_b = plain_desc(padded(b_shape, rank));
            auto d = dnnl::binary::desc(algorithm_of(alg), md_a, md_b, md_a);
            auto pd = dnnl::binary::primitive_desc(d, engine());
            BinaryEntry made{dnnl::binary(pd), {}};
            made.io.add(DNNL_ARG_SRC_0, md_a);
            made.io.add(DNNL_ARG_SRC_1, md_b);
            made.io.add(DNNL_ARG_DST, md_a);
            return made;
        });
        std::lock_guard<std::mutex> hold(*e.io.busy);
        e.io.bind(DNNL_ARG_SRC_0, a);
        e.io.bind(DNNL_ARG_SRC_1, b);
        e.io.bind(DNNL_ARG_DST, dst);
        e.prim.execute(stream(), e.io.args);
        stream().wait();
    });
}

void reduce(Reduction alg, const Shape& src_shape, const float* src, const Shape& dst_shape,
            float* dst) {
    GANTRY_ASSERT(src_shape.rank() == dst_shape.rank());
    if (dst_shape.numel() == 0) return;
    if (src_shape == dst_shape) {
        std::memcpy(dst, src, static_cast<size_t>(src_shape.numel()) * sizeof(float));
        return;
    }
    if (src_shape.numel() == 0) {  // an empty sum is 0; an empty mean has no value
        std::fill_n(dst, dst_shape.numel(), alg == Reduction::sum ? 0.f : NAN);
        return;
    }
    if (alg == Reduction::sum && sum_as_matmul(src_shape, src, dst_shape, dst)) return;
    static PrimitiveCache<ReductionEntry> cache;
    const Key key = key_of(static_cast<int>(alg), src_shape, dst_shape);
    guarded("reduction", key, [&] {
        ReductionEntry& e = cache.get(key, [&] {
            auto md_src = plain_desc(dims_of(src_shape));
            auto md_dst = plain_desc(dims_of(dst_shape));
            auto a = alg == Reduction::sum ? dnnl::algorithm::reduction_sum
                                           : dnnl::algorithm::reduction_mean;
            auto d = dnnl::reduction::desc(a, md_src, md_dst, 0.f, 0.f);
            auto pd = dnnl::reduction::primitive_desc(d, engine());
            ReductionEntry made{dnnl::reduction(pd), {}};
            made.io.add_src_dst(md_src, md_dst);
            return made;
        });
        e.io.run_src_dst(e.prim, src, dst);
    });
}

void broadcast(const Shape& src_shape, const float* src, const Shape& out, float* dst) {
    GANTRY_ASSERT(src_shape.rank() == out.rank());
    // Up to 4 axes: iterate the output, stepping the source only along its non-1 axes.
    int64_t od[4] = {1, 1, 1, 1}, ss[4] = {0, 0, 0, 0};
    const int off = 4 - out.rank();
    int64_t stride = 1;
    for (int i = out.rank() - 1; i >= 0; --i) {
        od[off + i] = out[i];
        ss[off + i] = src_shape[i] == 1 ? 0 : stride;
        stride *= src_shape[i];
    }
    int64_t k = 0;
    for (int64_t i0 = 0; i0 < od[0]; ++i0)
        for (int64_t i1 = 0; i1 < od[1]; ++i1)
            for (int64_t i2 = 0; i2 < od[2]; ++i2) {
                const float* s = src + i0 * ss[0] + i1 * ss[1] + i2 * ss[2];
                if (ss[3] == 0) {
                    std::fill_n(dst + k, od[3], s[0]);
                } else {
                    std::memcpy(dst + k, s, static_cast<size_t>(od[3]) * sizeof(float));
                }
                k += od[3];
            }
}

void copy_slice(const Shape& full_shape, float* full, int axis, int64_t start, int64_t length,
                float* slice, bool to_slice) {
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= full_shape[i];
    for (int i = axis + 1; i < full_shape.rank(); ++i) inner *= full_shape[i];
    const int64_t full_block = full_shape[axis] * inner, slice_block = length * inner;
    const size_t bytes = static_cast<size_t>(slice_block) * sizeof(float);
    for (int64_t o = 0; o < outer; ++o) {
        float* f = full + o * full_block + start * inner;
        float* s = slice + o * slice_block;
        if (to_slice) std::memcpy(s, f, bytes);
        else std::memcpy(f, s, bytes);
    }
}

void concat(const std::vector<Shape>& shapes, const std::vector<const float*>& srcs, int axis,
            const Shape& out, float* dst) {
    static PrimitiveCache<ConcatEntry> cache;
    Key key = key_of(axis, out);
    for (const Shape& s : shapes) add_to_key(key, s);
    guarded("concat", key, [&] {
        ConcatEntry& e = cache.get(key, [&] {
            std::vector<dnnl::memory::desc> mds;
            for (const Shape& s : shapes) mds.push_back(plain_desc(dims_of(s)));
            auto md_dst = plain_desc(dims_of(out));
            auto pd = dnnl::concat::primitive_desc(md_dst, axis, mds, engine());
            ConcatEntry made{dnnl::concat(pd), {}};
            made.io.add(DNNL_ARG_DST, md_dst);
            for (size_t i = 0; i < mds.size(); ++i) made.io.add(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), mds[i]);
            return made;
        });
        std::lock_guard<std::mutex> hold(*e.io.busy);
        e.io.bind(DNNL_ARG_DST, dst);
        for (size_t i = 0; i < srcs.size(); ++i) e.io.bind(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), srcs[i]);
        e.prim.execute(stream(), e.io.args);
        stream().wait();
    });
}

}  // namespace gantry::kernels
