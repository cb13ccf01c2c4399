// SPDX-License-Identifier: Apache-2.0
// The convolution family: every direction against the naive reference on odd shapes, frozen
// weights, and the shape errors. Finite-difference gradients: tests/ops/op_catalogue_test.cpp.
#include "kernels/conv.hpp"

#include <sstream>

#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "gantry/threads.hpp"
#include "kernels/reference/conv_reference.hpp"
#include "support/conv_case.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;
using kernels::ConvGeometry;

namespace {
// Forward convolutions (support/conv_case.hpp) that pick different oneDNN implementations.
std::vector<ConvCase> forward_cases() {
    return {
        {1, 1, 5, 5, 1, 3, 3, conv_params(1, 1, 0, 0), true},        // channels 1, batch 1
        {2, 3, 7, 5, 4, 3, 3, conv_params(2, 2, 1, 1), false},       // odd, non-square, stride 2
        {2, 3, 8, 6, 5, 3, 2, conv_params(1, 1, 2, 2, 2, 2), true},  // dilation 2, padding 2
        {1, 3, 9, 7, 16, 4, 4, conv_params(2, 2, 1, 1), true},       // DCGAN's k4 s2 p1 on RGB
        {2, 2, 5, 4, 3, 3, 3, conv_params(2, 1, 0, 1, 1, 2), true},  // a different value per axis
        {1, 2, 6, 7, 3, 3, 3, conv_params(2, 2, 0, 0), false},       // floor drops a row and a column
        {1, 3, 5, 5, 2, 5, 5, conv_params(1, 1, 0, 0), true},        // kernel covers the image
        {3, 16, 6, 6, 8, 1, 1, conv_params(1, 1, 0, 0), true},       // 1x1, blocked channels
        {2, 17, 5, 4, 33, 3, 3, conv_params(1, 1, 1, 1), true},      // channels off the block size
        {4, 64, 8, 8, 128, 4, 4, conv_params(2, 2, 1, 1), false},    // a DCGAN critic layer
    };
}

struct Inputs {
    Tensor x, w, b, dy;
};

Inputs inputs_for(const ConvCase& c, const ConvGeometry& g, uint64_t seed) {
    return {random_tensor(x_shape(g), seed), random_tensor(w_shape(g), seed + 1),
            c.bias ? random_tensor({g.c_out}, seed + 2) : Tensor(),
            random_tensor(y_shape(g), seed + 3)};
}

// Sums of up to cin * kh * kw products of U(-1, 1) values, in f32.
constexpr double kAtol = 1e-4, kRtol = 1e-4;
}  // namespace

TEST_CASE("conv2d: forward matches the reference", "[op]") {
    for (const ConvCase& c : forward_cases()) {
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        for (uint64_t seed : {1, 11}) {  // the second pass reuses the cached primitive
            const Inputs in = inputs_for(c, g, seed);
            Tensor expected = Tensor::empty(y_shape(g));
            reference::conv2d_forward(g, in.x.data(), in.w.data(), c.bias ? in.b.data() : nullptr,
                                      expected.data());
            GANTRY_REQUIRE_CHECK(all_close(conv2d(in.x, in.w, in.b, c.p), expected, kAtol, kRtol));
        }
    }
}

TEST_CASE("conv2d_input_grad: matches the reference backward-data", "[op]") {
    for (const ConvCase& c : forward_cases()) {
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        const Inputs in = inputs_for(c, g, 2);
        Tensor expected = Tensor::empty(x_shape(g));
        reference::conv2d_backward_data(g, in.dy.data(), in.w.data(), expected.data());
        GANTRY_REQUIRE_CHECK(
            all_close(conv2d_input_grad(in.dy, in.w, x_shape(g), c.p), expected, kAtol, kRtol));
    }
}

TEST_CASE("conv2d_weight_grad: matches the reference backward-weights", "[op]") {
    for (const ConvCase& c : forward_cases()) {
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        const Inputs in = inputs_for(c, g, 3);
        Tensor expected = Tensor::empty(w_shape(g));
        reference::conv2d_backward_weights(g, in.dy.data(), in.x.data(), expected.data(), nullptr);
        // Sums over the batch and every output pixel: larger than the forward's.
        GANTRY_REQUIRE_CHECK(
            all_close(conv2d_weight_grad(in.dy, in.x, w_shape(g), c.p), expected, 1e-3, kRtol));
    }
}

TEST_CASE("conv2d: first-order backward matches the reference with the bias fused",
          "[op][autograd]") {
    for (const ConvCase& c : forward_cases()) {
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        Inputs in = inputs_for(c, g, 4);
        in.x.requires_grad_();
        in.w.requires_grad_();
        if (c.bias) in.b.requires_grad_();
        // Without create_graph the rule takes the one-pass backward-weights with diff_bias.
        autograd::backward(conv2d(in.x, in.w, in.b, c.p), in.dy);
        Tensor dx = Tensor::empty(x_shape(g)), dw = Tensor::empty(w_shape(g));
        Tensor db = Tensor::empty(Shape{g.c_out});
        reference::conv2d_backward_data(g, in.dy.data(), in.w.data(), dx.data());
        reference::conv2d_backward_weights(g, in.dy.data(), in.x.data(), dw.data(), db.data());
        GANTRY_REQUIRE_CHECK(all_close(in.x.grad(), dx, kAtol, kRtol));
        GANTRY_REQUIRE_CHECK(all_close(in.w.grad(), dw, 1e-3, kRtol));
        if (c.bias) GANTRY_REQUIRE_CHECK(all_close(in.b.grad(), db, 1e-3, kRtol));
    }
}

TEST_CASE("conv_transpose2d: forward matches the reference", "[op]") {
    const std::vector<ConvTransposeCase> cases = {
        {2, 8, 1, 1, 16, 4, 4, conv_params(1, 1, 0, 0), {0, 0}, false},       // DCGAN's first layer
        {2, 16, 4, 4, 3, 4, 4, conv_params(2, 2, 1, 1), {0, 0}, true},        // DCGAN's k4 s2 p1 to RGB
        {1, 3, 5, 4, 2, 3, 3, conv_params(2, 2, 1, 1), {1, 1}, true},         // output_padding
        {2, 2, 3, 5, 1, 3, 2, conv_params(1, 2, 0, 1, 2, 1), {0, 1}, false},  // dilation, channels 1
        {1, 17, 3, 3, 33, 3, 3, conv_params(2, 2, 1, 1), {1, 0}, true},  // channels off the block size
    };
    for (const ConvTransposeCase& c : cases) {
        INFO("x (" << c.n << ", " << c.cin << ", " << c.h << ", " << c.w << ") weight (" << c.cin
                   << ", " << c.cout << ", " << c.kh << ", " << c.kw << ") stride ("
                   << c.p.stride[0] << ", " << c.p.stride[1] << ") output_padding ("
                   << c.output_padding[0] << ", " << c.output_padding[1] << ")");
        // The conv2d this transposes: from the transposed output (h_out) back to x.
        ConvGeometry g;
        g.n = c.n, g.c_out = c.cin, g.c_in = c.cout, g.kh = c.kh, g.kw = c.kw;
        g.stride = c.p.stride, g.padding = c.p.padding, g.dilation = c.p.dilation;
        g.ho = c.h, g.wo = c.w;
        g.h = (c.h - 1) * c.p.stride[0] - 2 * c.p.padding[0] + c.p.dilation[0] * (c.kh - 1) +
              c.output_padding[0] + 1;
        g.w = (c.w - 1) * c.p.stride[1] - 2 * c.p.padding[1] + c.p.dilation[1] * (c.kw - 1) +
              c.output_padding[1] + 1;
        const Tensor x = random_tensor({c.n, c.cin, c.h, c.w}, 5);
        const Tensor w = random_tensor({c.cin, c.cout, c.kh, c.kw}, 6);
        const Tensor b = c.bias ? random_tensor({c.cout}, 7) : Tensor();
        Tensor expected = Tensor::empty(x_shape(g));
        reference::conv_transpose2d_forward(g, x.data(), w.data(), c.bias ? b.data() : nullptr,
                                            expected.data());
        const Tensor y = conv_transpose2d(x, w, b, c.p, c.output_padding);
        GANTRY_REQUIRE_CHECK(all_close(y, expected, kAtol, kRtol));
        // Without its bias it is conv2d_input_grad of the same weight.
        if (!c.bias)
            GANTRY_REQUIRE_CHECK(
                all_close(conv2d_input_grad(x, w, x_shape(g), c.p), expected, kAtol, kRtol));
    }
}

TEST_CASE("conv2d: frozen weights get no gradient", "[op][autograd]") {
    const Conv2dParams p = conv_params(2, 2, 1, 1);
    Tensor x = random_tensor({2, 3, 6, 5}, 36).requires_grad_();
    const Tensor w = random_tensor({4, 3, 3, 3}, 37);
    const Tensor b = random_tensor({4}, 38);
    SECTION("conv2d") {
        autograd::backward(sum(square(conv2d(x, w, b, p))));
        CHECK(x.grad().defined());
        CHECK_FALSE(w.grad().defined());
        CHECK_FALSE(b.grad().defined());
    }
    SECTION("conv_transpose2d") {
        const Tensor wt = random_tensor({3, 4, 3, 3}, 39);
        autograd::backward(sum(square(conv_transpose2d(x, wt, {}, p))));
        CHECK(x.grad().defined());
        CHECK_FALSE(wt.grad().defined());
    }
    SECTION("nothing requires a gradient: nothing is recorded") {
        CHECK_FALSE(conv2d(x.detach(), w, b, p).requires_grad());
    }
}

TEST_CASE("conv2d: bad shapes are reported with the shapes and what was expected", "[op]") {
    const Tensor x = Tensor::zeros({2, 3, 5, 5});
    REQUIRE_THROWS_AS(conv2d(x, Tensor::zeros({64, 3, 3})), ShapeError);
    REQUIRE_THROWS_WITH(conv2d(x, Tensor::zeros({64, 3, 3})),
                        Catch::Contains("conv2d: weight must be 4-D (Cout, Cin, kH, kW), got "
                                        "(64, 3, 3)"));
    REQUIRE_THROWS_WITH(conv2d(Tensor::zeros({3, 5, 5}), Tensor::zeros({4, 3, 3, 3})),
                        Catch::Contains("conv2d: x must be 4-D (N, Cin, H, W), got (3, 5, 5)"));
    REQUIRE_THROWS_WITH(conv2d(x, Tensor::zeros({4, 2, 3, 3})),
                        Catch::Contains("conv2d: x (2, 3, 5, 5) has 3 channels but weight "
                                        "(4, 2, 3, 3) expects Cin = 2"));
    REQUIRE_THROWS_WITH(
        conv2d(x, Tensor::zeros({4, 3, 3, 3}), Tensor::zeros({3})),
        Catch::Contains("conv2d: bias must be (4) for weight (4, 3, 3, 3), got (3)"));
    REQUIRE_THROWS_WITH(conv2d(x, Tensor::zeros({4, 3, 7, 7})),
                        Catch::Contains("conv2d: output size must be > 0"));
    REQUIRE_THROWS_WITH(conv2d(x, Tensor::zeros({4, 3, 3, 3}), {}, conv_params(1, 1, 0, 0, 3, 3)),
                        Catch::Contains("conv2d: output size must be > 0"));
    REQUIRE_THROWS_WITH(conv2d(x, Tensor::zeros({4, 3, 3, 3}), {}, conv_params(0, 1, 0, 0)),
                        Catch::Contains("conv2d: stride must be >= 1, got (0, 1)"));
    REQUIRE_THROWS_WITH(conv2d(x, Tensor::zeros({4, 3, 3, 3}), {}, conv_params(1, 1, -1, 0)),
                        Catch::Contains("conv2d: padding must be >= 0"));
}

TEST_CASE("conv2d_input_grad and conv2d_weight_grad: bad shapes are reported", "[op]") {
    const Tensor w = Tensor::zeros({4, 3, 3, 3});
    REQUIRE_THROWS_WITH(conv2d_input_grad(Tensor::zeros({2, 4, 2, 3}), w, {2, 3, 5, 5}, {}),
                        Catch::Contains("conv2d_input_grad: grad must be (2, 4, 3, 3)"));
    REQUIRE_THROWS_WITH(conv2d_input_grad(Tensor::zeros({2, 4, 3, 3}), w, {2, 2, 5, 5}, {}),
                        Catch::Contains("conv2d_input_grad: input_shape (2, 2, 5, 5) has 2 "
                                        "channels but weight (4, 3, 3, 3) expects Cin = 3"));
    REQUIRE_THROWS_WITH(
        conv2d_weight_grad(Tensor::zeros({2, 5, 3, 3}), Tensor::zeros({2, 3, 5, 5}), w.shape(), {}),
        Catch::Contains("conv2d_weight_grad: grad must be (2, 4, 3, 3)"));
    REQUIRE_THROWS_WITH(
        conv2d_weight_grad(Tensor::zeros({2, 4, 3, 3}), Tensor::zeros({2, 3, 5, 5}), {4, 3, 3}, {}),
        Catch::Contains(
            "conv2d_weight_grad: weight must be 4-D (Cout, Cin, kH, kW), got (4, 3, 3)"));
}

TEST_CASE("conv_transpose2d: bad shapes are reported", "[op]") {
    const Tensor x = Tensor::zeros({2, 8, 4, 4});
    REQUIRE_THROWS_WITH(conv_transpose2d(x, Tensor::zeros({4, 3, 4, 4})),
                        Catch::Contains("conv_transpose2d: x (2, 8, 4, 4) has 8 channels but "
                                        "weight (4, 3, 4, 4) expects Cin = 4"));
    REQUIRE_THROWS_WITH(
        conv_transpose2d(x, Tensor::zeros({8, 3, 4})),
        Catch::Contains("conv_transpose2d: weight must be 4-D (Cin, Cout, kH, kW)"));
    REQUIRE_THROWS_WITH(conv_transpose2d(x, Tensor::zeros({8, 3, 4, 4}), Tensor::zeros({8})),
                        Catch::Contains("conv_transpose2d: bias must be (3)"));
    REQUIRE_THROWS_WITH(
        conv_transpose2d(x, Tensor::zeros({8, 3, 4, 4}), {}, conv_params(2, 2, 1, 1), {2, 0}),
        Catch::Contains("conv_transpose2d: output_padding must be in [0, stride), got (2, 0)"));
    REQUIRE_THROWS_WITH(conv_transpose2d(Tensor::zeros({1, 8, 1, 1}), Tensor::zeros({8, 3, 1, 1}),
                                         {}, conv_params(1, 1, 1, 1)),
                        Catch::Contains("conv_transpose2d: output size must be > 0"));
    CHECK(conv_transpose2d(x, Tensor::zeros({8, 3, 4, 4}), {}, conv_params(2, 2, 1, 1)).shape() ==
          Shape{2, 3, 8, 8});
}

TEST_CASE("conv2d: an empty batch or zero input channels give empty or bias-only outputs",
          "[op]") {
    const Tensor bias = Tensor::from_vector({3}, {1.f, 2.f, 3.f});
    const Tensor y = conv2d(Tensor::zeros({2, 0, 5, 5}), Tensor::zeros({3, 0, 3, 3}), bias);
    REQUIRE(y.shape() == Shape{2, 3, 3, 3});
    CHECK(y.data()[0] == 1.f);
    CHECK(y.data()[y.numel() - 1] == 3.f);
    CHECK(conv2d(Tensor::zeros({0, 2, 5, 5}), Tensor::zeros({3, 2, 3, 3})).shape() ==
          Shape{0, 3, 3, 3});
    const Tensor t =
        conv_transpose2d(Tensor::zeros({1, 0, 3, 3}), Tensor::zeros({0, 3, 3, 3}), bias);
    REQUIRE(t.shape() == Shape{1, 3, 5, 5});
    CHECK(t.data()[t.numel() - 1] == 3.f);
}
