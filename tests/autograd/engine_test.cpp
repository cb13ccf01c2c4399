// SPDX-License-Identifier: Apache-2.0
// The engine's contract, after PyTorch's test/cpp/api/autograd.cpp.
#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

TEST_CASE("backward: accumulates into leaves across calls", "[autograd]") {
    Tensor x = Tensor::from_vector({2}, {1.f, 2.f}).requires_grad_();
    autograd::backward(sum(square(x)));
    CHECK(x.grad().to_vector() == std::vector<float>{2.f, 4.f});
    autograd::backward(sum(x * 3.f));
    CHECK(x.grad().to_vector() == std::vector<float>{5.f, 7.f});
    x.clear_grad();
    CHECK_FALSE(x.grad().defined());
}

TEST_CASE("backward: a tensor used twice gets both contributions", "[autograd]") {
    Tensor x = Tensor::from_vector({1}, {3.f}).requires_grad_();
    const Tensor y = x * x + x;
    autograd::backward(sum(y));
    CHECK(x.grad().item() == 7.f);
}

TEST_CASE("grad: second derivative through create_graph", "[autograd]") {
    Tensor x = Tensor::from_vector({1}, {2.f}).requires_grad_();
    const Tensor y = sum(pow(x, 3.f));  // y = x^3
    const Tensor dy = autograd::grad({y}, {x}, {.create_graph = true})[0];  // 3x^2 = 12
    CHECK(dy.item() == 12.f);
    CHECK(dy.requires_grad());
    const Tensor d2y = autograd::grad({sum(dy)}, {x})[0];  // 6x = 12
    CHECK_THAT(d2y.item(), Catch::WithinAbs(12.0, 1e-5));
    CHECK_FALSE(x.grad().defined());  // grad() accumulates nothing
}

TEST_CASE("grad: gradient with respect to a non-leaf", "[autograd]") {
    Tensor x = Tensor::from_vector({2}, {1.f, 2.f}).requires_grad_();
    const Tensor h = x * 2.f;
    const Tensor y = sum(square(h));
    const Tensor gh = autograd::grad({y}, {h})[0];
    CHECK(gh.to_vector() == std::vector<float>{4.f, 8.f});
}

TEST_CASE("grad: unused inputs and inputs without requires_grad", "[autograd][errors]") {
    Tensor x = Tensor::ones({2}).requires_grad_();
    Tensor z = Tensor::ones({2}).requires_grad_();
    const Tensor y = sum(x);
    CHECK_THROWS_WITH(autograd::grad({y}, {z}, {.retain_graph = true}),
                      Catch::Contains("was not used to compute the outputs"));
    const auto g = autograd::grad({y}, {x, z}, {.allow_unused = true});
    CHECK(g[0].defined());
    CHECK_FALSE(g[1].defined());
    CHECK_THROWS_WITH(autograd::grad({y}, {Tensor::ones({2})}),
                      Catch::Contains("does not require a gradient"));
}

TEST_CASE("backward: a freed tape is refused with a hint and retain_graph keeps it", "[autograd][errors]") {
    Tensor x = Tensor::ones({2}).requires_grad_();
    const Tensor y = sum(exp(x));
    autograd::backward(y, {}, /*retain_graph=*/true);
    autograd::backward(y);
    CHECK_THROWS_WITH(autograd::backward(y), Catch::Contains("retain_graph"));
}

TEST_CASE("backward: non-scalar outputs need grad_output", "[autograd][errors]") {
    Tensor x = Tensor::ones({2}).requires_grad_();
    CHECK_THROWS_WITH(autograd::backward(x * 2.f), Catch::Contains("pass grad_output"));
    autograd::backward(x * 2.f, Tensor::from_vector({2}, {1.f, -1.f}));
    CHECK(x.grad().to_vector() == std::vector<float>{2.f, -2.f});
}

TEST_CASE("no-grad mode records nothing and frozen leaves get no gradient", "[autograd]") {
    Tensor w = Tensor::ones({2}).requires_grad_();
    {
        autograd::NoGradGuard no_grad;
        const Tensor y = w * 2.f;
        CHECK_FALSE(y.requires_grad());
        CHECK(y.is_leaf());
        autograd::EnableGradGuard enable;
        CHECK((w * 2.f).requires_grad());
    }
    Tensor frozen = Tensor::ones({2});
    Tensor x = Tensor::ones({2}).requires_grad_();
    autograd::backward(sum(frozen * x));
    CHECK_FALSE(frozen.grad().defined());
    CHECK(x.grad().defined());
}

TEST_CASE("a long chain of ops does not overflow the stack", "[autograd]") {
    Tensor x = Tensor::ones({1}).requires_grad_();
    Tensor y = x;
    for (int i = 0; i < 3000; ++i) y = y * 1.f;
    autograd::backward(sum(y));
    CHECK(x.grad().item() == 1.f);
}

TEST_CASE("saved outputs do not keep their graph alive (no reference cycle)", "[autograd]") {
    std::weak_ptr<autograd::Node> node;
    {
        Tensor x = Tensor::ones({3}).requires_grad_();
        const Tensor y = tanh(x);
        node = y.grad_fn();
        CHECK_FALSE(node.expired());
    }
    CHECK(node.expired());
}
