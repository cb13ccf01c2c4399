// SPDX-License-Identifier: Apache-2.0
#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

TEST_CASE("reshape and flatten: views over the same storage", "[op]") {
    Tensor x = random_tensor({2, 3, 4, 5}, 1);
    const Tensor f = flatten(x);
    CHECK(f.shape() == Shape{2, 60});
    CHECK(f.data() == x.data());
    CHECK(reshape(x, {-1, 5}).shape() == Shape{24, 5});
    CHECK_THROWS_WITH(reshape(x, {7, -1, 2}), Catch::Contains("reshape: cannot view (2, 3, 4, 5)"));
}

TEST_CASE("concat and narrow: values", "[op]") {
    const Tensor a = Tensor::from_vector({2, 1, 2}, {1, 2, 3, 4});
    const Tensor b = Tensor::from_vector({2, 2, 2}, {5, 6, 7, 8, 9, 10, 11, 12});
    CHECK(concat({a, b}, 1).to_vector() ==
          std::vector<float>{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12});
    CHECK(narrow(b, 1, 1, 1).to_vector() == std::vector<float>{7, 8, 11, 12});
}

TEST_CASE("concat and narrow: mismatched shapes are refused", "[op][errors]") {
    CHECK_THROWS_WITH(concat({Tensor::zeros({2, 3}), Tensor::zeros({3, 3})}, 1),
                      Catch::Contains("concat: input 1 has shape (3, 3)"));
    CHECK_THROWS_WITH(narrow(Tensor::zeros({2, 3}), 1, 2, 2),
                      Catch::Contains("narrow: slice [2, 4) of axis 1 is outside shape (2, 3)"));
}
