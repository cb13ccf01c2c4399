// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

TEST_CASE("sum and mean: values over all axes and chosen axes", "[op]") {
    const Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(sum(x).item() == 21.f);
    CHECK(sum(x).rank() == 0);
    CHECK(mean(x).item() == 3.5f);
    CHECK(sum(x, {0}).to_vector() == std::vector<float>{5, 7, 9});
    CHECK(sum(x, {-1}, true).shape() == Shape{2, 1});
    CHECK(sum(x, {1}).to_vector() == std::vector<float>{6, 15});
    CHECK(mean(x, {0}).to_vector() == std::vector<float>{2.5f, 3.5f, 4.5f});
    const Tensor img = random_tensor({2, 3, 4, 5}, 1);
    double total = 0;
    for (int64_t i = 0; i < img.numel(); ++i) total += img.data()[i];
    CHECK_THAT(sum(img).item(), Catch::WithinAbs(total, 1e-4));
    CHECK(sum(img, {0, 2, 3}).shape() == Shape{3});
}

TEST_CASE("per_sample_norm: the L2 norm of each sample", "[op]") {
    const Tensor x = Tensor::from_vector({2, 2}, {3, 4, 0, 0});
    const std::vector<float> n = per_sample_norm(x, 0.f).to_vector();
    CHECK_THAT(n[0], Catch::WithinAbs(5.0, 1e-6));
    CHECK(n[1] == 0.f);
    Tensor zl = Tensor::zeros({2, 3});
    zl.requires_grad_();
    // eps keeps the gradient finite at zero.
    Tensor g = autograd::grad({sum(per_sample_norm(zl))}, {zl})[0];
    for (float v : g.to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("reductions: bad axes are refused", "[op][errors]") {
    const Tensor x = Tensor::zeros({2, 3});
    CHECK_THROWS_WITH(sum(x, {2}), Catch::Contains("sum: axis 2 is out of range for shape (2, 3)"));
    CHECK_THROWS_WITH(sum_to(x, Shape{4}), Catch::Contains("do not broadcast"));
    CHECK_THROWS_WITH(broadcast_to(x, Shape{3, 3}), Catch::Contains("broadcast_to"));
}
