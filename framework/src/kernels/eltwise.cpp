// SPDX-License-Identifier: Apache-2.0
#include "kernels/eltwise.hpp"

#include "kernels/context.hpp"

namespace gantry::kernels {

namespace {
dnnl::algorithm algorithm_of(Eltwise alg) {
    using a = dnnl::algorithm;
    switch (alg) {
        case Eltwise::relu: return a::eltwise_relu;
        case Eltwise::tanh: return a::eltwise_tanh;
        case Eltwise::logistic: return a::eltwise_logistic;
        case Eltwise::soft_relu: return a::eltwise_soft_relu;
        case Eltwise::exp: return a::eltwise_exp;
        case Eltwise::log: return a::eltwise_log;
        case Eltwise::sqrt: return a::eltwise_sqrt;
        case Eltwise::square: return a::eltwise_square;
        case Eltwise::abs: return a::eltwise_abs;
        case Eltwise::linear: return a::eltwise_linear;
        case Eltwise::pow: return a::eltwise_pow;
    }
    return a::eltwise_relu;
}

struct EltwiseForward {
    dnnl::eltwise_forward::primitive_desc pd;
    dnnl::eltwise_forward prim;
    BoundArgs io;
};

struct EltwiseBackward {
    dnnl::eltwise_backward prim;
    BoundArgs io;
};

// Element-wise ops see every buffer as 1-D: the primitive depends only on (alg, alpha, beta, n).
dnnl::memory::desc flat(int64_t n) { return plain_desc(dnnl::memory::dims{n}); }

EltwiseForward make_forward(Eltwise alg, float alpha, float beta, int64_t n) {
    auto d = dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, algorithm_of(alg),
                                         flat(n), alpha, beta);
    auto pd = dnnl::eltwise_forward::primitive_desc(d, engine());
    return {pd, dnnl::eltwise_forward(pd), {}};
}
}  // namespace

void eltwise_forward(Eltwise alg, float alpha, float beta, const float* src, float* dst,
                     int64_t n) {
    if (n == 0) return;
    static PrimitiveCache<EltwiseForward> cache;
    const Key key = key_of(static_cast<int>(alg), alpha, beta, n);
    guarded("eltwise_forward", key, [&] {
        EltwiseForward& e = cache.get(key, [&] {
            EltwiseForward made = make_forward(alg, alpha, beta, n);
            made.io.add_src_dst(flat(n), flat(n));
            return made;
        });
        e.io.run_src_dst(e.prim, src, dst);
    });
}

void eltwise_backward(Eltwise alg, float alpha, float beta, const float* diff_dst,
                      const float* src, float* diff_src, int64_t n) {
    if (n == 0) return;
    static PrimitiveCache<EltwiseBackward> cache;
    const Key key = key_of(static_cast<int>(alg), alpha, beta, n);
    guarded("eltwise_backward", key, [&] {
        EltwiseBackward& e = cache.get(key, [&] {
            EltwiseForward hint = make_forward(alg, alpha, beta, n);
            auto d = dnnl::eltwise_backward::desc(algorithm_of(alg), flat(n), flat(n), alpha, beta);
            auto pd = dnnl::eltwise_backward::primitive_desc(d, engine(), hint.pd);
            EltwiseBackward made{dnnl::eltwise_backward(pd), {}};
            made.io.add(DNNL_ARG_SRC, flat(n));
            made.io.add(DNNL_ARG_DIFF_DST, flat(n));
            made.io.add(DNNL_ARG_DIFF_SRC, flat(n));
            return made;
        });
        std::lock_guard<std::mutex> hold(*e.io.busy);
        e.io.bind(DNNL_ARG_SRC, src);
        e.io.bind(DNNL_ARG_DIFF_DST, diff_dst);
        e.io.bind(DNNL_ARG_DIFF_SRC, diff_src);
        e.prim.execute(stream(), e.io.args);
        stream().wait();
    });
}

}  // namespace gantry::kernels
