// SPDX-License-Identifier: Apache-2.0
// softmax / log_softmax: forward against the reference kernel on every axis, large inputs, errors.
// Finite-difference gradients: tests/ops/op_catalogue_test.cpp.
#include <cmath>

#include "gantry/ops.hpp"
#include "kernels/reference/softmax_reference.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

TEST_CASE("softmax and log_softmax: forward matches the reference kernel on every axis", "[op]") {
    const Shape shape = GENERATE(Shape{1, 7}, Shape{3, 5}, Shape{2, 3, 4}, Shape{2, 3, 2, 5});
    const bool log = GENERATE(false, true);
    const Tensor x = random_tensor(shape, 1, -4.f, 4.f);
    for (int axis = -shape.rank(); axis < shape.rank(); ++axis) {
        INFO((log ? "log_softmax" : "softmax") << " of " << shape << " along " << axis);
        const int a = axis < 0 ? axis + shape.rank() : axis;
        Tensor expected = Tensor::empty(shape);
        reference::softmax_forward(shape, a, log, x.data(), expected.data());
        const Tensor y = log ? log_softmax(x, axis) : softmax(x, axis);
        GANTRY_REQUIRE_CHECK(all_close(y, expected, 1e-5, 1e-4));
    }
}

TEST_CASE("softmax and log_softmax: large inputs stay finite", "[op]") {
    const Tensor x = Tensor::from_vector({2, 3}, {1000.f, 0.f, -1000.f, 88.f, 89.f, 90.f});
    const std::vector<float> p = softmax(x).to_vector(), lp = log_softmax(x).to_vector();
    for (float v : p) CHECK(std::isfinite(v));
    for (float v : lp) CHECK(std::isfinite(v));
    CHECK_THAT(p[0], Catch::WithinAbs(1.0, 1e-6));
    CHECK_THAT(lp[1], Catch::WithinAbs(-1000.0, 1e-2));
    CHECK_THAT(p[3] + p[4] + p[5], Catch::WithinAbs(1.0, 1e-6));
}

TEST_CASE("softmax and log_softmax: bad axes are refused", "[op][errors]") {
    const Tensor x = Tensor::zeros({2, 3});
    CHECK_THROWS_WITH(softmax(x, 2), Catch::Contains("softmax: axis 2 is out of range for shape (2, 3)"));
    CHECK_THROWS_WITH(log_softmax(x, -3),
                      Catch::Contains("log_softmax: axis -3 is out of range for shape (2, 3)"));
    CHECK_THROWS_WITH(softmax(Tensor::scalar(1.f)),
                      Catch::Contains("softmax: x must have at least one axis, got ()"));
    CHECK_THROWS_AS(softmax(x, 5), ShapeError);
}
