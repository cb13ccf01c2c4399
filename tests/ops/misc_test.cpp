// SPDX-License-Identifier: Apache-2.0
// one_hot, embedding, maxout, dropout: values, tie and accumulation rules, errors. Their
// finite-difference gradients are in tests/ops/op_catalogue_test.cpp.
#include <cmath>

#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

// ---- one_hot and embedding ---------------------------------------------------------------------

TEST_CASE("one_hot: rows of 0/1 picked by integer labels", "[op]") {
    const Tensor y = one_hot(Tensor::from_vector({3}, {2, 0, 2}), 4);
    CHECK(y.shape() == Shape{3, 4});
    CHECK(y.to_vector() == std::vector<float>{0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0});
    CHECK(one_hot(Tensor::zeros({0}), 3).shape() == Shape{0, 3});
}

TEST_CASE("one_hot and embedding: bad labels are refused naming the label and its index",
          "[op][errors]") {
    CHECK_THROWS_WITH(one_hot(Tensor::from_vector({3}, {0, 1.5f, 2}), 3),
                      Catch::Contains("one_hot: label 1.5 at index 1 is not an integer"));
    CHECK_THROWS_WITH(one_hot(Tensor::from_vector({3}, {0, 1, 5}), 5),
                      Catch::Contains("one_hot: label 5 at index 2 is outside [0, 5)"));
    CHECK_THROWS_WITH(one_hot(Tensor::from_vector({2}, {-1, 0}), 5),
                      Catch::Contains("one_hot: label -1 at index 0 is outside [0, 5)"));
    CHECK_THROWS_WITH(one_hot(Tensor::zeros({2, 1}), 3),
                      Catch::Contains("one_hot: labels must be (N), got (2, 1)"));
    CHECK_THROWS_WITH(one_hot(Tensor::zeros({2}), 0),
                      Catch::Contains("one_hot: classes must be > 0, got 0"));
    CHECK_THROWS_AS(one_hot(Tensor::from_vector({1}, {7}), 3), ShapeError);
    const Tensor table = Tensor::zeros({4, 3});
    CHECK_THROWS_WITH(embedding(Tensor::from_vector({2}, {4, 0}), table),
                      Catch::Contains("embedding: label 4 at index 0 is outside [0, 4)"));
    CHECK_THROWS_WITH(embedding(Tensor::zeros({2}), Tensor::zeros({4})),
                      Catch::Contains("embedding: table must be (classes, F), got (4)"));
}

TEST_CASE("embedding: rows of the table as one_hot times the table", "[op]") {
    const Tensor labels = Tensor::from_vector({4}, {2, 0, 2, 3});
    const Tensor table = random_tensor({4, 3}, 1);
    const Tensor y = embedding(labels, table);
    REQUIRE(y.shape() == Shape{4, 3});
    const Tensor oh = one_hot(labels, 4);
    Tensor expected = Tensor::zeros({4, 3});
    for (int64_t i = 0; i < 4; ++i)
        for (int64_t k = 0; k < 4; ++k)
            for (int64_t f = 0; f < 3; ++f)
                expected.data()[i * 3 + f] += oh.data()[i * 4 + k] * table.data()[k * 3 + f];
    GANTRY_REQUIRE_CHECK(all_close(y, expected, 0, 0));
}

TEST_CASE("embedding: repeated labels accumulate their gradients and unused rows get zero",
          "[op][autograd]") {
    const Tensor labels = Tensor::from_vector({3}, {2, 0, 2});
    Tensor table = random_tensor({4, 2}, 2);
    table.requires_grad_();
    const Tensor w = Tensor::from_vector({3, 2}, {1, 2, 3, 4, 5, 6});
    const Tensor g = autograd::grad({sum(embedding(labels, table) * w)}, {table})[0];
    CHECK(g.to_vector() == std::vector<float>{3, 4, 0, 0, 6, 8, 0, 0});
}

// ---- maxout ------------------------------------------------------------------------------------

TEST_CASE("maxout: max over groups of consecutive channels", "[op]") {
    const Shape shape = GENERATE(Shape{2, 6}, Shape{2, 6, 2, 3}, Shape{1, 3, 1, 2});
    const int64_t pieces = GENERATE(1, 3);
    INFO(shape << " pieces " << pieces);
    const Tensor x = random_tensor(shape, 6);
    const Tensor y = maxout(x, pieces);
    std::vector<int64_t> dims = shape.dims();
    dims[1] /= pieces;
    REQUIRE(y.shape() == Shape(dims));
    const int64_t c = dims[1], inner = x.numel() / (shape[0] * shape[1]);
    for (int64_t n = 0; n < shape[0]; ++n)
        for (int64_t k = 0; k < c; ++k)
            for (int64_t i = 0; i < inner; ++i) {
                float best = -INFINITY;
                for (int64_t p = 0; p < pieces; ++p)
                    best = std::max(best, x.data()[((n * shape[1]) + k * pieces + p) * inner + i]);
                CHECK(y.data()[(n * c + k) * inner + i] == best);
            }
}

TEST_CASE("maxout: an empty batch gives an empty result", "[op]") {
    CHECK(maxout(Tensor::zeros({0, 4, 2, 2}), 2).shape() == Shape{0, 2, 2, 2});
}

TEST_CASE("maxout: on a tie the first maximum takes the gradient", "[op][autograd]") {
    Tensor x = Tensor::from_vector({1, 4}, {3, 3, 1, 2});
    x.requires_grad_();
    const Tensor y = maxout(x, 2);
    CHECK(y.to_vector() == std::vector<float>{3, 2});
    const Tensor g = autograd::grad({sum(y)}, {x})[0];
    CHECK(g.to_vector() == std::vector<float>{1, 0, 0, 1});
}

TEST_CASE("maxout: wrong ranks and channel counts are refused", "[op][errors]") {
    CHECK_THROWS_WITH(maxout(Tensor::zeros({2, 6}), 4),
                      Catch::Contains("maxout: axis 1 of x must be divisible by pieces = 4, got (2, 6)"));
    CHECK_THROWS_WITH(maxout(Tensor::zeros({2, 6}), 0),
                      Catch::Contains("maxout: pieces must be >= 1, got 0"));
    CHECK_THROWS_WITH(maxout(Tensor::zeros({6}), 2),
                      Catch::Contains("maxout: x must be (N, C*pieces, ...), got (6)"));
    CHECK_THROWS_AS(maxout(Tensor::zeros({2, 5}), 2), ShapeError);
}

// ---- dropout -----------------------------------------------------------------------------------

TEST_CASE("dropout: identity in eval and at p = 0", "[op]") {
    const Tensor x = random_tensor({3, 4}, 7);
    Rng rng(1);
    const RngState before = rng.state();
    CHECK(dropout(x, 0.5f, false, rng).is_same(x));
    CHECK(dropout(x, 0.f, true, rng).is_same(x));
    CHECK(rng.state() == before);  // no mask drawn
}

TEST_CASE("dropout: kept elements are scaled by 1/(1-p) at about the rate 1-p", "[op]") {
    const Tensor x = Tensor::ones({100, 100});
    Rng rng(2);
    const float p = 0.3f;
    const std::vector<float> y = dropout(x, p, true, rng).to_vector();
    int64_t kept = 0;
    for (float v : y) {
        const bool zero = v == 0.f, scaled = std::fabs(v - 1.f / (1.f - p)) < 1e-6f;
        CHECK((zero || scaled));
        kept += scaled;
    }
    CHECK(kept > 6700);
    CHECK(kept < 7300);
    // Same seed, same mask; the generator moves on between calls.
    Rng again(2);
    CHECK(dropout(x, p, true, again).to_vector() == y);
    CHECK(dropout(x, p, true, again).to_vector() != y);
}

TEST_CASE("dropout: p below 0 or from 1 up is refused", "[op][errors]") {
    Rng rng(3);
    const Tensor x = Tensor::zeros({2, 2});
    CHECK_THROWS_WITH(dropout(x, 1.f, true, rng), Catch::Contains("dropout: p must be in [0, 1), got 1"));
    CHECK_THROWS_WITH(dropout(x, -0.1f, false, rng),
                      Catch::Contains("dropout: p must be in [0, 1), got -0.1"));
    CHECK_THROWS_AS(dropout(x, NAN, true, rng), Error);
}
