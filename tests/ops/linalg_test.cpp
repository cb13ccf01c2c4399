// SPDX-License-Identifier: Apache-2.0
// matmul and linear: forward against the naive reference, frozen weights and the shape errors.
// Finite-difference gradients: tests/ops/op_catalogue_test.cpp.
#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "gantry/threads.hpp"
#include "kernels/reference/matmul_reference.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {
struct MatmulCase {
    int64_t m, n, k;
};

// Stored shapes of a and b for op(a) (m, k) and op(b) (k, n).
Shape a_shape(const MatmulCase& c, bool ta) { return ta ? Shape{c.k, c.m} : Shape{c.m, c.k}; }
Shape b_shape(const MatmulCase& c, bool tb) { return tb ? Shape{c.n, c.k} : Shape{c.k, c.n}; }
}  // namespace

TEST_CASE("matmul: forward matches the reference for every transpose", "[op]") {
    const MatmulCase c = GENERATE(MatmulCase{1, 1, 1}, MatmulCase{3, 5, 4}, MatmulCase{7, 2, 9},
                                  MatmulCase{1, 6, 3}, MatmulCase{33, 17, 65});
    const bool ta = GENERATE(false, true);
    const bool tb = GENERATE(false, true);
    INFO("m " << c.m << " n " << c.n << " k " << c.k << " trans_a " << ta << " trans_b " << tb);
    const Tensor a = random_tensor(a_shape(c, ta), 1);
    const Tensor b = random_tensor(b_shape(c, tb), 2);
    Tensor expected = Tensor::empty(Shape{c.m, c.n});
    reference::matmul(a.data(), b.data(), nullptr, expected.data(), c.m, c.n, c.k, ta, tb);
    GANTRY_REQUIRE_CHECK(all_close(matmul(a, b, ta, tb), expected, 1e-5, 1e-5));
    // The second call reuses the cached primitive on other buffers.
    const Tensor a2 = random_tensor(a_shape(c, ta), 3);
    reference::matmul(a2.data(), b.data(), nullptr, expected.data(), c.m, c.n, c.k, ta, tb);
    GANTRY_REQUIRE_CHECK(all_close(matmul(a2, b, ta, tb), expected, 1e-5, 1e-5));
}

TEST_CASE("linear: forward matches the reference with and without bias", "[op]") {
    const MatmulCase c = GENERATE(MatmulCase{1, 1, 1}, MatmulCase{4, 3, 5}, MatmulCase{9, 16, 27});
    const bool with_bias = GENERATE(false, true);
    INFO("N " << c.m << " out " << c.n << " in " << c.k << " bias " << with_bias);
    const Tensor x = random_tensor({c.m, c.k}, 4);
    const Tensor w = random_tensor({c.n, c.k}, 5);
    const Tensor b = with_bias ? random_tensor({c.n}, 6) : Tensor();
    Tensor expected = Tensor::empty(Shape{c.m, c.n});
    reference::matmul(x.data(), w.data(), with_bias ? b.data() : nullptr, expected.data(), c.m, c.n,
                      c.k, false, true);
    GANTRY_REQUIRE_CHECK(all_close(linear(x, w, b), expected, 1e-5, 1e-5));
}

TEST_CASE("linear: a frozen weight gets no gradient", "[op][autograd]") {
    Tensor x = random_tensor({3, 4}, 21).requires_grad_();
    const Tensor w = random_tensor({2, 4}, 22);
    const Tensor b = random_tensor({2}, 23);
    autograd::backward(sum(linear(x, w, b)));
    CHECK(x.grad().defined());
    CHECK_FALSE(w.grad().defined());
    CHECK_FALSE(b.grad().defined());
}

TEST_CASE("matmul: bad shapes are reported with the shapes and what was expected", "[op]") {
    const Tensor a = Tensor::zeros({2, 3});
    REQUIRE_THROWS_AS(matmul(a, Tensor::zeros({4, 5})), ShapeError);
    REQUIRE_THROWS_WITH(matmul(a, Tensor::zeros({4, 5})),
                        Catch::Contains("matmul: inner dimensions differ: a (2, 3) has K = 3, "
                                        "b (4, 5) has K = 4"));
    REQUIRE_THROWS_WITH(matmul(a, Tensor::zeros({5, 4}), true, true),
                        Catch::Contains("a (2, 3) (transposed) has K = 2"));
    REQUIRE_THROWS_WITH(matmul(Tensor::zeros({2, 3, 4}), a),
                        Catch::Contains("matmul: a must be 2-D (M, K), got (2, 3, 4)"));
    REQUIRE_NOTHROW(matmul(a, Tensor::zeros({5, 3}), false, true));
}

TEST_CASE("linear: bad shapes are reported with the shapes and what was expected", "[op]") {
    const Tensor x = Tensor::zeros({2, 3});
    REQUIRE_THROWS_WITH(linear(x, Tensor::zeros({4, 5})),
                        Catch::Contains("linear: x (2, 3) has 3 features but weight (4, 5) "
                                        "expects 5"));
    REQUIRE_THROWS_WITH(linear(x, Tensor::zeros({4, 3}), Tensor::zeros({3})),
                        Catch::Contains("linear: bias must be (4) for weight (4, 3), got (3)"));
    REQUIRE_THROWS_WITH(
        linear(Tensor::zeros({2, 3, 1, 1}), Tensor::zeros({4, 3})),
        Catch::Contains("linear: x must be 2-D (N, in_features), got (2, 3, 1, 1)"));
    REQUIRE_THROWS_WITH(linear(x, Tensor::zeros({3})),
                        Catch::Contains("linear: weight must be 2-D (out_features, in_features)"));
}
