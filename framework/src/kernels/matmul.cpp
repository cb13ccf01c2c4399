// SPDX-License-Identifier: Apache-2.0
#include "kernels/matmul.hpp"

#include <memory>
#include <mutex>

#include "gantry/threads.hpp"
#include "kernels/context.hpp"

namespace gantry::kernels {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Everything one (m, n, k, transposes, bias) product needs; a call only swaps data handles.
struct MatmulEntry {
    dnnl::matmul prim;
    dnnl::memory a, b, bias, c;  // over caller buffers: handles set per call
    dnnl::memory scratch;        // the primitive's own scratchpad, allocated once
    // Built once: dnnl::memory is a shared handle, so rebinding a, b, c updates the map too.
    std::unordered_map<int, dnnl::memory> args;
    // The memories above are rebound on every call: one caller at a time per shape.
    std::unique_ptr<std::mutex> busy = std::make_unique<std::mutex>();
};

MatmulEntry make_matmul(int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
                        bool with_bias) {
    // A transpose is the same buffer described column-major (ba): oneDNN reads it in place.
    const dnnl::memory::desc a_md({m, k}, dt::f32, trans_a ? tag::ba : tag::ab);
    const dnnl::memory::desc b_md({k, n}, dt::f32, trans_b ? tag::ba : tag::ab);
    const dnnl::memory::desc bias_md =
        with_bias ? dnnl::memory::desc({1, n}, dt::f32, tag::ab) : dnnl::memory::desc();
    const dnnl::memory::desc c_md({m, n}, dt::f32, tag::ab);
    // A user scratchpad lives in the entry, so executing allocates nothing.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const auto pd =
        dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, bias_md, c_md), attr, engine());
    MatmulEntry e;
    e.prim = dnnl::matmul(pd);
    e.a = dnnl::memory(a_md, engine(), nullptr);
    e.b = dnnl::memory(b_md, engine(), nullptr);
    if (with_bias) e.bias = dnnl::memory(bias_md, engine(), nullptr);
    e.c = dnnl::memory(c_md, engine(), nullptr);
    e.scratch = dnnl::memory(pd.scratchpad_desc(), engine());
    e.args = {{DNNL_ARG_SRC, e.a},
              {DNNL_ARG_WEIGHTS, e.b},
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
    // With the thread count: a primitive keeps the work split it was created for.
    const Key key = key_of(m, n, k, trans_a, trans_b, with_bias);
    guarded("matmul", key, [&] {
        MatmulEntry& e =
            cache.get(key, [&] { return make_matmul(m, n, k, trans_a, trans_b, with_bias); });
        std::lock_guard<std::mutex> hold(*e.busy);
        e.a.set_data_handle(const_cast<float*>(a));
        e.b.set_data_handle(const_cast<float*>(b));
        e.c.set_data_handle(c);
        if (with_bias) e.bias.set_data_handle(const_cast<float*>(bias));
        e.prim.execute(stream(), e.args);
        stream().wait();
    });
}

}  // namespace gantry::kernels
