// SPDX-License-Identifier: Apache-2.0
// Integer-factor resampling: upsample_nearest and sum_pool2d, forward on oneDNN (resampling,
// average pooling). Each is linear and the other's adjoint (<up(x), g> = <x, sum_pool(g)>), so
// each rule is the other op: the pair is closed under differentiation, as a gradient penalty
// through an SR generator or a PatchGAN that upsamples its condition needs.
#include "kernels/resample.hpp"

#include "ops/op_utils.hpp"

namespace gantry {

using namespace ops;

namespace {
void check_image(const char* op, const Tensor& x, int64_t factor, const char* factor_name) {
    expect_defined(x, op, "x");
    expect_shape(x.rank() == 4, op, "x must be 4-D (N, C, H, W)", x);
    GANTRY_CHECK_AS(ShapeError, factor >= 1, op, ": ", factor_name, " must be >= 1, got ", factor);
}

void check_blocks(const char* op, const Tensor& x, int64_t k) {
    check_image(op, x, k, "k");
    GANTRY_CHECK_AS(ShapeError, x.size(2) % k == 0 && x.size(3) % k == 0, op,
                    ": H and W of x must be divisible by k = ", k, ", got ", x.shape());
}
}  // namespace

Tensor upsample_nearest(const Tensor& x, int64_t factor) {
    check_image("upsample_nearest", x, factor, "factor");
    if (factor == 1) return x;
    const Shape& s = x.shape();
    Tensor y = Tensor::empty(Shape{s[0], s[1], s[2] * factor, s[3] * factor});
    kernels::upsample_nearest_forward(s, factor, x.data(), y.data());
    return record("upsample_nearest", y, {x}, [factor](const BackwardContext& ctx) {
        return std::vector<Tensor>{sum_pool2d(ctx.grad(), factor)};
    });
}

Tensor sum_pool2d(const Tensor& x, int64_t k) {
    check_blocks("sum_pool2d", x, k);
    const Shape& s = x.shape();
    if (k == 1) return x;
    Tensor y = Tensor::empty(Shape{s[0], s[1], s[2] / k, s[3] / k});
    kernels::sum_pool_forward(s, k, x.data(), y.data());
    return record("sum_pool2d", y, {x}, [k](const BackwardContext& ctx) {
        return std::vector<Tensor>{upsample_nearest(ctx.grad(), k)};
    });
}

Tensor avg_pool2d(const Tensor& x, int64_t k) {
    check_blocks("avg_pool2d", x, k);
    return affine(sum_pool2d(x, k), 1.f / static_cast<float>(k * k), 0.f);
}

}  // namespace gantry
