// SPDX-License-Identifier: Apache-2.0
// Element-wise ops: forward against the reference kernel on several shapes, stability, errors.
// Their gradients are in the op catalogue (tests/ops/op_catalogue_test.cpp).
#include <cmath>
#include <functional>

#include "gantry/ops.hpp"
#include "kernels/reference/eltwise_reference.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;
using kernels::Eltwise;

namespace {
struct UnaryCase {
    const char* name;
    std::function<Tensor(const Tensor&)> op;
    Eltwise alg;
    float alpha, beta;
    float low, high;  ///< input domain
    float min_abs;    ///< distance kept from a kink at zero
};

std::vector<UnaryCase> unary_cases() {
    return {
        {"relu", [](const Tensor& x) { return relu(x); }, Eltwise::relu, 0.f, 0.f, -2, 2, 0.05f},
        {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2f); }, Eltwise::relu, 0.2f, 0.f, -2, 2, 0.05f},
        {"tanh", [](const Tensor& x) { return tanh(x); }, Eltwise::tanh, 0, 0, -2, 2, 0},
        {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, Eltwise::logistic, 0, 0, -3, 3, 0},
        {"softplus", [](const Tensor& x) { return softplus(x); }, Eltwise::soft_relu, 0, 0, -3, 3, 0},
        {"exp", [](const Tensor& x) { return exp(x); }, Eltwise::exp, 0, 0, -1, 1, 0},
        {"log", [](const Tensor& x) { return log(x); }, Eltwise::log, 0, 0, 0.5f, 2, 0},
        {"sqrt", [](const Tensor& x) { return sqrt(x); }, Eltwise::sqrt, 0, 0, 0.5f, 2, 0},
        {"square", [](const Tensor& x) { return square(x); }, Eltwise::square, 0, 0, -2, 2, 0},
        {"abs", [](const Tensor& x) { return abs(x); }, Eltwise::abs, 0, 0, -2, 2, 0.05f},
        {"affine", [](const Tensor& x) { return affine(x, -1.5f, 0.25f); }, Eltwise::linear, -1.5f, 0.25f, -2, 2, 0},
        {"pow", [](const Tensor& x) { return pow(x, 3.f); }, Eltwise::pow, 1.f, 3.f, -1.5f, 1.5f, 0},
    };
}
}  // namespace

TEST_CASE("element-wise ops: forward matches the reference kernel", "[op]") {
    const Shape shape = GENERATE(Shape{1}, Shape{7}, Shape{3, 5}, Shape{2, 3, 5, 4});
    for (const UnaryCase& c : unary_cases()) {
        INFO(c.name << " on " << shape);
        const Tensor x = random_tensor(shape, 1, c.low, c.high, c.min_abs);
        Tensor expected = Tensor::empty(shape);
        reference::eltwise_forward(c.alg, c.alpha, c.beta, x.data(), expected.data(), x.numel());
        GANTRY_REQUIRE_CHECK(all_close(c.op(x), expected, 1e-5, 1e-5));
    }
}

TEST_CASE("log_sigmoid: stable for large inputs", "[op]") {
    const Tensor x = Tensor::from_vector({4}, {-100.f, -1.f, 1.f, 100.f});
    const std::vector<float> y = log_sigmoid(x).to_vector();
    CHECK_THAT(y[0], Catch::WithinAbs(-100.0, 1e-3));
    CHECK_THAT(y[1], Catch::WithinAbs(-1.3132616, 1e-5));
    CHECK_THAT(y[3], Catch::WithinAbs(0.0, 1e-6));
}

TEST_CASE("scalar arithmetic operators", "[op]") {
    const Tensor x = Tensor::from_vector({3}, {1.f, 2.f, 4.f});
    CHECK((x + 1.f).to_vector() == std::vector<float>{2.f, 3.f, 5.f});
    CHECK((1.f - x).to_vector() == std::vector<float>{0.f, -1.f, -3.f});
    CHECK((x * 2.f).to_vector() == std::vector<float>{2.f, 4.f, 8.f});
    CHECK((x / 2.f).to_vector() == std::vector<float>{0.5f, 1.f, 2.f});
    const std::vector<float> inv = (4.f / x).to_vector();
    CHECK_THAT(inv[2], Catch::WithinAbs(1.0, 1e-6));
    CHECK((-x).to_vector() == std::vector<float>{-1.f, -2.f, -4.f});
    CHECK(sign(Tensor::from_vector({3}, {-2.f, 0.f, 3.f})).to_vector() ==
          std::vector<float>{-1.f, 0.f, 1.f});
}

TEST_CASE("log and sqrt: debug checks name the op and the bad value", "[op][errors]") {
    set_debug_checks(true);
    const Tensor x = Tensor::from_vector({2}, {1.f, -1.f});
    CHECK_THROWS_AS(log(x), DomainError);
    CHECK_THROWS_WITH(log(x), Catch::Contains("log: input of shape (2) has -1"));
    CHECK_THROWS_WITH(sqrt(x), Catch::Contains("sqrt: input of shape (2) has -1"));
    set_debug_checks(false);
    CHECK_NOTHROW(log(x));
}
