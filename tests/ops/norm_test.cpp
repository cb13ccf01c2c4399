// SPDX-License-Identifier: Apache-2.0
// Batch and layer normalisation: forward and batch_norm's backward against the reference kernels,
// running statistics, errors. Finite-difference gradients are in tests/ops/op_catalogue_test.cpp.
#include <cmath>

#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "kernels/reference/norm_reference.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;
using kernels::BatchNormDims;

namespace {
BatchNormDims dims_of(const Shape& s) {
    return {s[0], s[1], s.rank() == 4 ? s[2] * s[3] : 1};
}

const float* data_or_null(const Tensor& t) { return t.defined() ? t.data() : nullptr; }
}  // namespace

// ---- batch_norm --------------------------------------------------------------------------------

TEST_CASE("batch_norm: forward matches the reference kernel in training and eval", "[op]") {
    // (N, C), non-square images, odd channel counts.
    const Shape shape = GENERATE(Shape{4, 3}, Shape{2, 5, 3, 4}, Shape{3, 1, 2, 2}, Shape{2, 3, 1, 5});
    const bool affine = GENERATE(true, false);
    const int64_t c = shape[1];
    INFO(shape << (affine ? " with" : " without") << " weight and bias");
    const Tensor x = random_tensor(shape, 1, -2.f, 3.f);
    const Tensor w = affine ? random_tensor({c}, 2, 0.5f, 1.5f) : Tensor();
    const Tensor b = affine ? random_tensor({c}, 3) : Tensor();

    Tensor mean = Tensor::empty({c}), var = Tensor::empty({c}), expected = Tensor::empty(shape);
    reference::batch_norm_forward(dims_of(shape), true, 1e-5f, x.data(), data_or_null(w),
                                  data_or_null(b), mean.data(), var.data(), expected.data());
    GANTRY_REQUIRE_CHECK(all_close(batch_norm(x, w, b, {}, {}, true), expected, 1e-4, 1e-4));

    const Tensor rm = random_tensor({c}, 4), rv = random_tensor({c}, 5, 0.5f, 2.f);
    reference::batch_norm_forward(dims_of(shape), false, 1e-5f, x.data(), data_or_null(w),
                                  data_or_null(b), rm.clone().data(), rv.clone().data(),
                                  expected.data());
    GANTRY_REQUIRE_CHECK(all_close(batch_norm(x, w, b, rm, rv, false), expected, 1e-5, 1e-4));
}

TEST_CASE("batch_norm: training gradients match the reference backward", "[op][autograd]") {
    const Shape shape = GENERATE(Shape{5, 3}, Shape{2, 3, 2, 3});
    const int64_t c = shape[1];
    INFO(shape);
    Tensor x = random_tensor(shape, 6, -1.f, 2.f);
    Tensor w = random_tensor({c}, 7, 0.5f, 1.5f), b = random_tensor({c}, 8);
    x.requires_grad_();
    w.requires_grad_();
    b.requires_grad_();
    const Tensor g = random_tensor(shape, 9);
    const auto grads = autograd::grad({batch_norm(x, w, b, {}, {}, true)}, {x, w, b},
                                      {.grad_outputs = {g}});

    Tensor mean = Tensor::empty({c}), var = Tensor::empty({c}), y = Tensor::empty(shape);
    reference::batch_norm_forward(dims_of(shape), true, 1e-5f, x.data(), w.data(), b.data(),
                                  mean.data(), var.data(), y.data());
    Tensor gx = Tensor::empty(shape), gw = Tensor::empty({c}), gb = Tensor::empty({c});
    reference::batch_norm_backward(dims_of(shape), 1e-5f, x.data(), g.data(), mean.data(),
                                   var.data(), w.data(), gx.data(), gw.data(), gb.data());
    GANTRY_REQUIRE_CHECK(all_close(grads[0], gx, 1e-4, 1e-3));
    GANTRY_REQUIRE_CHECK(all_close(grads[1], gw, 1e-4, 1e-3));
    GANTRY_REQUIRE_CHECK(all_close(grads[2], gb, 1e-4, 1e-3));
    // Only x wanted: oneDNN still writes the parameter gradients, into scratch.
    const Tensor gx_only = autograd::grad({batch_norm(x, w, b, {}, {}, true)}, {x},
                                          {.grad_outputs = {g}})[0];
    GANTRY_REQUIRE_CHECK(all_close(gx_only, gx, 1e-4, 1e-3));
}

TEST_CASE("batch_norm: running statistics follow PyTorch's update", "[op]") {
    // Channel 0: 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3); channel 1: all 5.
    const Tensor x = Tensor::from_vector({4, 2}, {1, 5, 2, 5, 3, 5, 6, 5});
    Tensor rm = Tensor::from_vector({2}, {1.f, -1.f});
    Tensor rv = Tensor::from_vector({2}, {2.f, 0.5f});
    const float momentum = 0.25f;
    const Tensor y = batch_norm(x, {}, {}, rm, rv, true, momentum);
    const std::vector<float> m = rm.to_vector(), v = rv.to_vector();
    CHECK_THAT(m[0], Catch::WithinAbs(0.75 * 1.0 + 0.25 * 3.0, 1e-6));
    CHECK_THAT(m[1], Catch::WithinAbs(0.75 * -1.0 + 0.25 * 5.0, 1e-6));
    CHECK_THAT(v[0], Catch::WithinAbs(0.75 * 2.0 + 0.25 * (14.0 / 3.0), 1e-5));
    CHECK_THAT(v[1], Catch::WithinAbs(0.75 * 0.5, 1e-6));
    // The batch itself is normalised with the biased variance.
    CHECK_THAT(y.to_vector()[0], Catch::WithinAbs((1.0 - 3.0) / std::sqrt(3.5 + 1e-5), 1e-5));
    CHECK_THAT(y.to_vector()[1], Catch::WithinAbs(0.0, 1e-5));
}

TEST_CASE("batch_norm: eval normalises with the running statistics and leaves them alone",
          "[op]") {
    const Tensor x = random_tensor({3, 2, 2, 2}, 20, -2.f, 2.f);
    const Tensor w = Tensor::from_vector({2}, {2.f, 0.5f}), b = Tensor::from_vector({2}, {1.f, -1.f});
    Tensor rm = Tensor::from_vector({2}, {0.5f, -0.25f}), rv = Tensor::from_vector({2}, {4.f, 0.25f});
    const std::vector<float> y = batch_norm(x, w, b, rm, rv, false, 0.1f, 1e-3f).to_vector();
    for (int64_t i = 0; i < x.numel(); ++i) {
        const int64_t c = (i / 4) % 2;
        const double expected = (x.data()[i] - rm.data()[c]) / std::sqrt(rv.data()[c] + 1e-3) *
                                    w.data()[c] + b.data()[c];
        CHECK_THAT(y[static_cast<size_t>(i)], Catch::WithinAbs(expected, 1e-5));
    }
    CHECK(rm.to_vector() == std::vector<float>{0.5f, -0.25f});
    CHECK(rv.to_vector() == std::vector<float>{4.f, 0.25f});
}

TEST_CASE("batch_norm: differentiating the training gradient again is refused",
          "[op][autograd][errors]") {
    Tensor x = random_tensor({4, 3}, 21);
    Tensor w = random_tensor({3}, 22, 0.5f, 1.5f);
    x.requires_grad_();
    w.requires_grad_();
    const Tensor y = batch_norm(x, w, {}, {}, {}, true);
    const Tensor g = autograd::grad({sum(square(y))}, {x}, {.create_graph = true})[0];
    CHECK_THROWS_WITH(autograd::grad({sum(square(g))}, {w}),
                      Catch::Contains("batch_norm: double backward is not supported; use "
                                      "layer_norm or no normalisation in a critic under a "
                                      "gradient penalty"));
    // First order without create_graph is fine.
    const Tensor y2 = batch_norm(x, w, {}, {}, {}, true);
    CHECK(autograd::grad({sum(square(y2))}, {x})[0].shape() == Shape{4, 3});
}

TEST_CASE("batch_norm: wrong ranks and channel counts and modes are refused", "[op][errors]") {
    const Tensor x = Tensor::zeros({2, 3, 2, 2});
    CHECK_THROWS_WITH(batch_norm(x, Tensor::ones({4}), {}, {}, {}, true),
                      Catch::Contains("batch_norm: weight must have C = 3 elements, got (4)"));
    CHECK_THROWS_WITH(batch_norm(x, {}, Tensor::ones({3, 1}), {}, {}, true),
                      Catch::Contains("batch_norm: bias must have C = 3 elements, got (3, 1)"));
    CHECK_THROWS_WITH(batch_norm(x, {}, {}, Tensor::zeros({2}), Tensor::ones({2}), true),
                      Catch::Contains("batch_norm: running_mean must have C = 3 elements, got (2)"));
    CHECK_THROWS_WITH(batch_norm(Tensor::zeros({2, 3, 4}), {}, {}, {}, {}, true),
                      Catch::Contains("batch_norm: x must be (N, C) or (N, C, H, W), got (2, 3, 4)"));
    CHECK_THROWS_WITH(batch_norm(x, {}, {}, {}, {}, false),
                      Catch::Contains("batch_norm: eval mode needs running_mean and running_var"));
    CHECK_THROWS_WITH(batch_norm(x, {}, {}, Tensor::zeros({3}), {}, true),
                      Catch::Contains("must be given together"));
    CHECK_THROWS_WITH(batch_norm(Tensor::zeros({1, 3}), {}, {}, {}, {}, true),
                      Catch::Contains("batch_norm: training needs more than one value per "
                                      "channel, got x of shape (1, 3)"));
    CHECK_THROWS_AS(batch_norm(Tensor::zeros({1, 3}), {}, {}, {}, {}, true), ShapeError);
}

// ---- layer_norm --------------------------------------------------------------------------------

TEST_CASE("layer_norm: forward matches the reference kernel", "[op]") {
    const Shape shape = GENERATE(Shape{1, 5}, Shape{3, 4}, Shape{2, 3, 4}, Shape{2, 3, 2, 5},
                                 Shape{1, 3, 3, 3});
    const bool affine = GENERATE(true, false);
    INFO(shape << (affine ? " with" : " without") << " weight and bias");
    const Shape sample(std::vector<int64_t>(shape.dims().begin() + 1, shape.dims().end()));
    const Tensor x = random_tensor(shape, 30, -2.f, 3.f);
    const Tensor w = affine ? random_tensor(sample, 31, 0.5f, 1.5f) : Tensor();
    const Tensor b = affine ? random_tensor(sample, 32) : Tensor();
    Tensor expected = Tensor::empty(shape);
    reference::layer_norm_forward(shape[0], sample.numel(), 1e-5f, x.data(), data_or_null(w),
                                  data_or_null(b), expected.data());
    GANTRY_REQUIRE_CHECK(all_close(layer_norm(x, w, b), expected, 1e-4, 1e-4));
}

TEST_CASE("layer_norm: a gradient penalty through it reaches the weight", "[op][autograd]") {
    Tensor x = random_tensor({3, 4}, 40);
    Tensor w = random_tensor({4}, 41, 0.5f, 1.5f);
    x.requires_grad_();
    w.requires_grad_();
    const Tensor g = autograd::grad({sum(tanh(layer_norm(x, w)))}, {x}, {.create_graph = true})[0];
    const Tensor gw = autograd::grad({sum(square(g))}, {w})[0];
    double total = 0;
    for (float v : gw.to_vector()) total += std::fabs(v);
    CHECK(total > 0);
}

TEST_CASE("layer_norm: wrong ranks and parameter shapes are refused", "[op][errors]") {
    const Tensor x = Tensor::zeros({2, 3, 4});
    CHECK_THROWS_WITH(layer_norm(x, Tensor::ones({3})),
                      Catch::Contains("layer_norm: weight must have the shape of one sample "
                                      "(3, 4), got (3)"));
    CHECK_THROWS_WITH(layer_norm(x, {}, Tensor::ones({4, 3})),
                      Catch::Contains("layer_norm: bias must have the shape of one sample (3, 4), "
                                      "got (4, 3)"));
    CHECK_THROWS_WITH(layer_norm(Tensor::zeros({5})),
                      Catch::Contains("layer_norm: x must be (N, ...) with at least 2 axes, got (5)"));
    CHECK_THROWS_AS(layer_norm(x, Tensor::ones({12})), ShapeError);
}
