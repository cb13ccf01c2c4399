// SPDX-License-Identifier: Apache-2.0
// The finite-difference harness itself: it must fail where a gradient check would otherwise pass
// on nothing. Each wrong case below passed before the harness checked for it.
#include <catch2/catch.hpp>

#include <cmath>

#include "gantry/ops.hpp"
#include "support/gradcheck.hpp"

using namespace gantry;
using namespace gantry::testing;
using Catch::Contains;

TEST_CASE("gradcheck: a non-finite finite difference fails the check", "[support][autograd]") {
    // f(x) = 1 / (x - 0.75) at x = 0.5 with step 0.25: f(x + eps) = 1 / 0 = inf, so the central
    // difference is inf, while autograd's -1 / (x - 0.75)^2 = -16 is finite. |inf - (-16)| is
    // inf and the allowance atol + rtol * inf is inf too: inf - inf is NaN, which no comparison
    // with a tolerance catches.
    const OpFn pole = [](const std::vector<Tensor>& in) { return 1.f / (in[0] - 0.75f); };
    CheckOptions o;
    o.eps = 0.25;
    const CheckResult r = gradcheck(pole, {Tensor::from_vector({1}, {0.5f})}, o);
    INFO(r.report);
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.report, Contains("finite differences") && (Contains("inf") || Contains("nan")));
    // Away from the pole the same op passes.
    CHECK(gradcheck(pole, {Tensor::from_vector({1}, {0.25f})}).ok);
}

TEST_CASE("gradcheck: a non-finite analytic gradient fails the check", "[support][autograd]") {
    // sqrt's gradient at 0 is inf; the finite difference around 0 is NaN (sqrt of a negative).
    const OpFn root = [](const std::vector<Tensor>& in) { return sqrt(in[0]); };
    CHECK_FALSE(gradcheck(root, {Tensor::from_vector({2}, {0.f, 1.f})}).ok);
}

TEST_CASE("gradcheck: a check where every gradient is zero fails", "[support][autograd]") {
    SECTION("first order: an op that ignores its input") {
        // A wrong op whose output does not depend on x: autograd and finite differences agree on
        // zero, which is what a dropped gradient would look like too.
        const OpFn constant = [](const std::vector<Tensor>& in) { return in[0] * 0.f + 1.f; };
        const CheckResult r = gradcheck(constant, {Tensor::from_vector({3}, {0.1f, 0.2f, 0.3f})});
        INFO(r.report);
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.report, Contains("every checked gradient is within atol"));
    }
    SECTION("second order: a linear op has a zero second derivative") {
        const OpFn linear = [](const std::vector<Tensor>& in) { return relu(in[0]); };
        const CheckResult r = gradgradcheck(linear, {Tensor::from_vector({3}, {-0.5f, 0.5f, 1.f})});
        INFO(r.report);
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.report, Contains("every checked gradient is within atol"));
        // Through a square the second derivative is 2 relu'(x)^2: checked and passing.
        const OpFn curved = [](const std::vector<Tensor>& in) { return square(relu(in[0])); };
        CHECK(gradgradcheck(curved, {Tensor::from_vector({3}, {-0.5f, 0.5f, 1.f})}).ok);
    }
    SECTION("allow_zero accepts it, for an op whose gradient is zero by design") {
        const OpFn step = [](const std::vector<Tensor>& in) { return sign(in[0]); };
        CheckOptions o;
        CHECK_FALSE(gradcheck(step, {Tensor::from_vector({2}, {-0.5f, 0.5f})}, o).ok);
        o.allow_zero = true;
        CHECK(gradcheck(step, {Tensor::from_vector({2}, {-0.5f, 0.5f})}, o).ok);
    }
}

TEST_CASE("gradcheck: a wrong gradient fails and is reported with both values",
          "[support][autograd]") {
    // detach() drops the gradient of half the expression: autograd says 1, the differences 2.
    const OpFn half = [](const std::vector<Tensor>& in) { return in[0] + in[0].detach(); };
    const CheckResult r = gradcheck(half, {Tensor::from_vector({2}, {0.3f, -0.2f})});
    INFO(r.report);
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.report, Contains("input 0 flat index") && Contains("autograd"));
}

TEST_CASE("all_close: a non-finite value on either side fails", "[support]") {
    const Tensor finite = Tensor::from_vector({2}, {1.f, 2.f});
    const Tensor infinite = Tensor::from_vector({2}, {1.f, INFINITY});
    CHECK(all_close(finite, finite).ok);
    CHECK_FALSE(all_close(finite, infinite).ok);
    CHECK_FALSE(all_close(infinite, finite).ok);
    CHECK_FALSE(all_close(finite, Tensor::from_vector({2}, {1.f, NAN})).ok);
}
