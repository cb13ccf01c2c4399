// SPDX-License-Identifier: Apache-2.0
// Broadcasting binary ops. A gradient flowing to a broadcast input is summed back to its shape.
#include "kernels/binary.hpp"
#include "ops/op_utils.hpp"
#include "tensor/tensor_impl.hpp"

namespace gantry {

using namespace ops;
using kernels::Binary;

namespace {
Tensor binary(const char* op, Binary alg, const Tensor& a, const Tensor& b) {
    expect_defined(a, op, "a");
    expect_defined(b, op, "b");
    const Shape out = broadcast_shapes(a.shape(), b.shape(), op);
    Tensor y = Tensor::empty(out);
    // oneDNN broadcasts only its second source: widen `a` first when it is the broadcast one.
    if (a.shape() == out) {
        kernels::binary(alg, out, a.data(), b.shape(), b.data(), y.data());
    } else if (b.shape() == out && (alg == Binary::add || alg == Binary::mul)) {
        kernels::binary(alg, out, b.data(), a.shape(), a.data(), y.data());
    } else {
        autograd::NoGradGuard no_grad;
        const Tensor wide = broadcast_to(a, out);
        kernels::binary(alg, out, wide.data(), b.shape(), b.data(), y.data());
    }
    return y;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    Tensor y = binary("add", Binary::add, a, b);
    return record("add", y, {a, b}, [sa = a.shape(), sb = b.shape()](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.needs(0) ? sum_to(ctx.grad(), sa) : Tensor(),
                                   ctx.needs(1) ? sum_to(ctx.grad(), sb) : Tensor()};
    });
}

Tensor sub(const Tensor& a, const Tensor& b) {
    Tensor y = binary("sub", Binary::sub, a, b);
    return record("sub", y, {a, b}, [sa = a.shape(), sb = b.shape()](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.needs(0) ? sum_to(ctx.grad(), sa) : Tensor(),
                                   ctx.needs(1) ? neg(sum_to(ctx.grad(), sb)) : Tensor()};
    });
}

Tensor mul(const Tensor& a, const Tensor& b) {
    Tensor y = binary("mul", Binary::mul, a, b);
    return record("mul", y, {a, b}, [a, b](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.needs(0) ? sum_to(ctx.grad() * b, a.shape()) : Tensor(),
                                   ctx.needs(1) ? sum_to(ctx.grad() * a, b.shape()) : Tensor()};
    });
}

Tensor div(const Tensor& a, const Tensor& b) {
    Tensor y = binary("div", Binary::div, a, b);
    return record("div", y, {a, b}, [a, b](const BackwardContext& ctx) {
        return std::vector<Tensor>{
            ctx.needs(0) ? sum_to(ctx.grad() / b, a.shape()) : Tensor(),
            ctx.needs(1) ? neg(sum_to(ctx.grad() * a / square(b), b.shape())) : Tensor()};
    });
}

Tensor lerp(const Tensor& a, const Tensor& b, const Tensor& t) { return a + t * (b - a); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }

}  // namespace gantry
