// SPDX-License-Identifier: Apache-2.0
// Tensor handles: factories, element access, copies, detach/clone and their shape errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "gantry/error.hpp"
#include "gantry/tensor.hpp"

using namespace gantry;
using Catch::Contains;

TEST_CASE("factories fill every element", "[tensor]") {
    const Tensor z = Tensor::zeros(Shape{2, 3});
    CHECK(z.shape() == Shape{2, 3});
    CHECK(z.rank() == 2);
    CHECK(z.numel() == 6);
    CHECK(z.to_vector() == std::vector<float>(6, 0.f));
    CHECK(Tensor::ones(Shape{4}).to_vector() == std::vector<float>(4, 1.f));
    CHECK(Tensor::full(Shape{1, 2, 1, 2}, -2.5f).to_vector() == std::vector<float>(4, -2.5f));
    const Tensor nan = Tensor::full(Shape{2}, std::nanf(""));
    CHECK(std::isnan(nan.data()[0]));
    CHECK(std::isnan(nan.data()[1]));
    CHECK(Tensor::empty(Shape{3, 0}).numel() == 0);
    CHECK(Tensor::zeros(Shape{0}).to_vector().empty());
}

TEST_CASE("from_vector keeps row-major order", "[tensor]") {
    const Tensor t = Tensor::from_vector(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(t.data()[0] == 1.f);
    CHECK(t.data()[3] == 4.f);  // row 1, column 0
    CHECK(t.size(0) == 2);
    CHECK(t.size(-1) == 3);
    CHECK(t.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
    REQUIRE_THROWS_AS(Tensor::from_vector(Shape{2, 3}, {1, 2, 3}), ShapeError);
    REQUIRE_THROWS_WITH(Tensor::from_vector(Shape{2, 3}, {1, 2, 3}),
                        Contains("Tensor::from_vector") && Contains("(2, 3)") &&
                            Contains("holds 6 values, got 3"));
}

TEST_CASE("scalars and item", "[tensor]") {
    const Tensor s = Tensor::scalar(3.5f);
    CHECK(s.rank() == 0);
    CHECK(s.numel() == 1);
    CHECK(s.item() == 3.5f);
    CHECK(Tensor::full(Shape{1, 1}, 7.f).item() == 7.f);
    REQUIRE_THROWS_AS(Tensor::zeros(Shape{2}).item(), ShapeError);
    REQUIRE_THROWS_WITH(Tensor::zeros(Shape{2, 2}).item(),
                        Contains("Tensor::item") && Contains("one element") &&
                            Contains("(2, 2)"));
}

TEST_CASE("handles share storage and clone copies", "[tensor]") {
    Tensor a = Tensor::from_vector(Shape{3}, {1, 2, 3});
    Tensor alias = a;
    CHECK(alias.is_same(a));
    alias.data()[0] = 10.f;
    CHECK(a.data()[0] == 10.f);

    Tensor copy = a.clone();
    CHECK_FALSE(copy.is_same(a));
    CHECK(copy.data() != a.data());
    copy.data()[1] = -1.f;
    CHECK(a.data()[1] == 2.f);
    CHECK(copy.to_vector() == std::vector<float>{10, -1, 3});
}

TEST_CASE("detach shares values but leaves the tape", "[tensor]") {
    Tensor a = Tensor::ones(Shape{2});
    a.requires_grad_();
    CHECK(a.requires_grad());
    CHECK(a.is_leaf());
    Tensor d = a.detach();
    CHECK_FALSE(d.is_same(a));
    CHECK_FALSE(d.requires_grad());
    CHECK(d.is_leaf());
    CHECK(d.grad_fn() == nullptr);
    CHECK(d.data() == a.data());
    d.data()[1] = 5.f;
    CHECK(a.data()[1] == 5.f);
    const Tensor c = a.clone();
    CHECK_FALSE(c.requires_grad());
    a.requires_grad_(false);
    CHECK_FALSE(a.requires_grad());
}

TEST_CASE("copy_from copies values in place", "[tensor]") {
    Tensor dst = Tensor::zeros(Shape{2, 2});
    float* storage = dst.data();
    dst.copy_from(Tensor::from_vector(Shape{4}, {1, 2, 3, 4}));  // same count, other shape
    CHECK(dst.data() == storage);
    CHECK(dst.shape() == Shape{2, 2});
    CHECK(dst.to_vector() == std::vector<float>{1, 2, 3, 4});
    dst.copy_from(dst);  // self-copy is a no-op
    CHECK(dst.to_vector() == std::vector<float>{1, 2, 3, 4});
    REQUIRE_THROWS_AS(dst.copy_from(Tensor::zeros(Shape{3})), ShapeError);
    REQUIRE_THROWS_WITH(dst.copy_from(Tensor::zeros(Shape{3})),
                        Contains("Tensor::copy_from") && Contains("(3)") && Contains("(2, 2)"));
}

TEST_CASE("gradients are stored per tensor", "[tensor]") {
    Tensor p = Tensor::zeros(Shape{2, 2});
    CHECK_FALSE(p.grad().defined());
    p.set_grad(Tensor::ones(Shape{2, 2}));
    CHECK(p.grad().to_vector() == std::vector<float>(4, 1.f));
    REQUIRE_THROWS_AS(p.set_grad(Tensor::ones(Shape{4})), ShapeError);
    REQUIRE_THROWS_WITH(p.set_grad(Tensor::ones(Shape{4})),
                        Contains("Tensor::set_grad") && Contains("(4)") && Contains("(2, 2)"));
    p.clear_grad();
    CHECK_FALSE(p.grad().defined());
    p.set_grad(Tensor());  // undefined: allowed, same as clearing
    CHECK_FALSE(p.grad().defined());
}

TEST_CASE("undefined tensors fail loudly", "[tensor]") {
    Tensor u;
    CHECK_FALSE(u.defined());
    CHECK_FALSE(u.requires_grad());
    REQUIRE_THROWS_WITH(u.shape(), Contains("Tensor::shape") && Contains("undefined"));
    REQUIRE_THROWS_WITH(u.data(), Contains("Tensor::data") && Contains("undefined"));
    REQUIRE_THROWS_AS(u.clone(), Error);
    REQUIRE_THROWS_AS(u.detach(), Error);
    REQUIRE_NOTHROW(u.clear_grad());
}

TEST_CASE("shapes are checked", "[tensor][shape]") {
    REQUIRE_THROWS_AS(Shape({1, 2, 3, 4, 5}), ShapeError);
    REQUIRE_THROWS_WITH(Shape({1, 2, 3, 4, 5}), Contains("at most 4 axes") && Contains("5"));
    REQUIRE_THROWS_WITH(Shape({2, -1}), Contains("dimensions must be >= 0, got -1"));
    const Shape s{2, 3, 4};
    CHECK(s.numel() == 24);
    CHECK(Shape{}.numel() == 1);
    CHECK(s.dim(-1) == 4);
    CHECK(s.dim(0) == 2);
    CHECK(s.str() == "(2, 3, 4)");
    REQUIRE_THROWS_WITH(s.dim(3), Contains("axis 3 is out of range") && Contains("(2, 3, 4)"));
    REQUIRE_THROWS_AS(s.dim(-4), ShapeError);
    REQUIRE_THROWS_AS(Tensor::zeros(Shape{2}).size(1), ShapeError);
}
