// SPDX-License-Identifier: Apache-2.0
// upsample_nearest / sum_pool2d / avg_pool2d: forward against the reference kernels on many
// shapes, the adjoint identity between the pair, shape errors. Finite-difference gradients:
// tests/ops/op_catalogue_test.cpp.
#include "gantry/ops.hpp"
#include "kernels/reference/resample_reference.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

TEST_CASE("upsample_nearest and sum_pool2d: forward matches the reference kernels", "[op]") {
    const Shape shape = GENERATE(Shape{1, 1, 1, 1}, Shape{2, 3, 7, 7}, Shape{3, 2, 14, 10}, Shape{64, 1, 7, 7});
    for (int64_t f : {1, 2, 3, 4}) {
        INFO(shape << " factor " << f);
        const Tensor x = random_tensor(shape, 3 + static_cast<uint64_t>(f), -2.f, 2.f);
        const Tensor up = upsample_nearest(x, f);
        CHECK(up.shape() == Shape{shape[0], shape[1], shape[2] * f, shape[3] * f});
        Tensor expected = Tensor::empty(up.shape());
        reference::upsample_nearest_forward(shape, f, x.data(), expected.data());
        GANTRY_REQUIRE_CHECK(all_close(up, expected, 0, 0));
        // Pooling the upsampled image back: f*f copies of each value summed.
        const Tensor pooled = sum_pool2d(up, f);
        Tensor pooled_ref = Tensor::empty(shape);
        reference::sum_pool_forward(up.shape(), f, up.data(), pooled_ref.data());
        GANTRY_REQUIRE_CHECK(all_close(pooled, pooled_ref, 1e-5, 1e-5));
        GANTRY_REQUIRE_CHECK(all_close(avg_pool2d(up, f), x, 1e-6, 1e-5));
    }
}

TEST_CASE("upsample_nearest and sum_pool2d are each other's adjoints", "[op]") {
    const Tensor x = random_tensor({2, 3, 5, 4}, 1);
    const Tensor g = random_tensor({2, 3, 10, 8}, 2);
    const double lhs = sum(upsample_nearest(x, 2) * g).item();
    const double rhs = sum(x * sum_pool2d(g, 2)).item();
    CHECK_THAT(lhs, Catch::WithinAbs(rhs, 1e-4));
}

TEST_CASE("upsample_nearest and the pools refuse bad shapes and factors", "[op][errors]") {
    const Tensor x = Tensor::zeros({2, 3, 6, 4});
    CHECK_THROWS_AS(upsample_nearest(Tensor::zeros({2, 3}), 2), ShapeError);
    CHECK_THROWS_WITH(upsample_nearest(Tensor::zeros({2, 3}), 2),
                      Catch::Contains("upsample_nearest: x must be 4-D (N, C, H, W), got (2, 3)"));
    CHECK_THROWS_WITH(upsample_nearest(x, 0), Catch::Contains("upsample_nearest: factor must be >= 1"));
    CHECK_THROWS_WITH(sum_pool2d(x, 4),
                      Catch::Contains("sum_pool2d: H and W of x must be divisible by k = 4, got (2, 3, 6, 4)"));
    CHECK_THROWS_WITH(avg_pool2d(x, 3), Catch::Contains("avg_pool2d: H and W of x must be divisible by k = 3"));
    CHECK_THROWS_WITH(sum_pool2d(x, -1), Catch::Contains("sum_pool2d: k must be >= 1"));
}
