// SPDX-License-Identifier: Apache-2.0
#include "kernels/softmax.hpp"

#include "kernels/context.hpp"

namespace gantry::kernels {

namespace {
struct SoftmaxForward {
    dnnl::softmax_v2_forward prim;
    BoundArgs io;
};
}  // namespace

void softmax_forward(const Shape& shape, int axis, bool log, const float* src, float* dst) {
    if (shape.numel() == 0) return;
    static PrimitiveCache<SoftmaxForward> cache;
    const Key key = key_of(shape, axis, log);
    guarded("softmax_v2_forward", key, [&] {
        SoftmaxForward& e = cache.get(key, [&] {
            const auto data = plain_desc(shape);
            // softmax_log is oneDNN's log-softmax: log(sum(exp)) is formed without overflow.
            const auto alg =
                log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
            auto d = dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference, alg,
                                                    data, data, axis);
            auto pd = dnnl::softmax_v2_forward::primitive_desc(d, engine());
            SoftmaxForward made{dnnl::softmax_v2_forward(pd), {}};
            made.io.add_src_dst(data, data);
            return made;
        });
        e.io.run_src_dst(e.prim, src, dst);
    });
}

}  // namespace gantry::kernels
