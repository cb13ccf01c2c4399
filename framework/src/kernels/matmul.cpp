// SPDX-License-Identifier: Apache-2.0
#include "kernels/matmul.hpp"

#include <memory>
#include <mutex>

#include "gantry/threads.hpp"
#include "kernels/context.hpp"
#include "kernels/edge.hpp"
#include "gantry/precision.hpp"

namespace gantry::kernels {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Everything one (m, n, k, transposes, bias, precision) product needs; a call only swaps data
// handles (and, in bf16, runs the edges' reorders).
struct MatmulEntry {
    dnnl::matmul prim;
    // fp32: the caller's buffers, read in place. bf16: reorders into bf16 buffers owned by the
    // entry, sized once for this shape.
    Edge a, b;
    dnnl::memory bias, c;  // over caller buffers: handles set per call
    dnnl::memory scratch;  // the primitive's own scratchpad, allocated once
    // Built once: dnnl::memory is a shared handle, so rebinding a, b, c updates the map too.
    std::unordered_map<int, dnnl::memory> args;
    // The memories above are rebound on every call: one caller at a time per shape.
    std::unique_ptr<std::mutex> busy = std::make_unique<std::mutex>();
};

MatmulEntry make_matmul(int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
                        bool with_bias, Precision p) {
    // A transpose is the same buffer described column-major (ba): oneDNN reads it in place.
    const dnnl::memory::desc a_md({m, k}, dt::f32, trans_a ? tag::ba : tag::ab);
    const dnnl::memory::desc b_md({k, n}, dt::f32, trans_b ? tag::ba : tag::ab);
    // bf16 reads bfloat16 operands in the layouts the primitive prefers (`any`) and accumulates
    // and writes f32: the one reorder per operand converts type and layout (and a transpose).
    const bool bf16 = p == Precision::bf16;
    const dnnl::memory::desc a_inner = bf16 ? dnnl::memory::desc({m, k}, dt::bf16, tag::any) : a_md;
    const dnnl::memory::desc b_inner = bf16 ? dnnl::memory::desc({k, n}, dt::bf16, tag::any) : b_md;
    const dnnl::memory::desc bias_md =
        with_bias ? dnnl::memory::desc({1, n}, dt::f32, tag::ab) : dnnl::memory::desc();
    const dnnl::memory::desc c_md({m, n}, dt::f32, tag::ab);
    // A user scratchpad lives in the entry, so executing allocates nothing.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_inner, b_inner, bias_md, c_md),
                                                 attr, engine());
    MatmulEntry e;
    e.prim = dnnl::matmul(pd);
    e.a = Edge::make(a_md, pd.src_desc(), true);
    e.b = Edge::make(b_md, pd.weights_desc(), true);
    if (with_bias) e.bias = dnnl::memory(bias_md, engine(), nullptr);
    e.c = dnnl::memory(c_md, engine(), nullptr);
    e.scratch = dnnl::memory(pd.scratchpad_desc(), engine());
    e.args = {{DNNL_ARG_SRC, e.a.inner},
              {DNNL_ARG_WEIGHTS, e.b.inner},
              {DNNL_ARG_DST, e.c},
              {DNNL_ARG_SCRATCHPAD, e.scratch}};
    if (with_bias) e.args.emplace(DNNL_ARG_BIAS, e.bias);
    return e;
}
}  // namespace

void matmul(const float* a, const float* b, const float* bias, float* c, int64_t m, int64_t n,
            int64_t k, bool trans_a, bool trans_b) {
    if (m == 0 || n == 0) return;
    if (k == 0) {  // an empty sum: oneDNN rejects zero-sized K
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) c[i * n + j] = bias != nullptr ? bias[j] : 0.f;
        return;
    }
    static PrimitiveCache<MatmulEntry> cache;
    const bool with_bias = bias != nullptr;
    const Precision p = precision();
    // With the precision, and the thread count: a primitive keeps the work split it was created for.
    const Key key = key_of(m, n, k, trans_a, trans_b, with_bias, static_cast<int>(p));
    guarded("matmul", key, [&] {
        MatmulEntry& e =
            cache.get(key, [&] { return make_matmul(m, n, k, trans_a, trans_b, with_bias, p); });
        std::lock_guard<std::mutex> hold(*e.busy);
        e.a.bind_input(a);
        e.b.bind_input(b);
        e.c.set_data_handle(c);
        if (with_bias) e.bias.set_data_handle(const_cast<float*>(bias));
        e.prim.execute(stream(), e.args);
        stream().wait();
    });
}

}  // namespace gantry::kernels
