// SPDX-License-Identifier: Apache-2.0
// Binary ops beyond the catalogue (tests/ops/op_catalogue_test.cpp): errors and lerp's values.
#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

TEST_CASE("binary ops: shapes that do not broadcast are refused with both shapes", "[op][errors]") {
    const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
    CHECK_THROWS_AS(a + b, ShapeError);
    CHECK_THROWS_WITH(a * b, Catch::Contains("mul: shapes (2, 3) and (4) do not broadcast"));
    CHECK_THROWS_WITH(add(a, Tensor()), Catch::Contains("add: b is undefined"));
}

TEST_CASE("lerp: interpolates with one weight per sample", "[op]") {
    const Tensor a = Tensor::zeros({2, 1, 2, 2}), b = Tensor::ones({2, 1, 2, 2});
    const Tensor t = Tensor::from_vector({2, 1, 1, 1}, {0.25f, 0.75f});
    const std::vector<float> y = lerp(a, b, t).to_vector();
    CHECK(y[0] == 0.25f);
    CHECK(y[7] == 0.75f);
}
