// SPDX-License-Identifier: Apache-2.0
// bf16 mixed precision (gantry/precision.hpp): every convolution direction, the transposed
// convolution, matmul and linear under a bf16 PrecisionScope, three ways:
//  - within 1e-2 of the output's scale of the same op in fp32 (what a user can expect);
//  - different from fp32 (inputs are not bf16 numbers: a bf16 mode that silently ran fp32 fails);
//  - equal, to f32 rounding, to the naive double reference on the operands rounded to bf16 (so the
//    operands really were bf16 and the sums and the result f32: a bf16 result would be off by
//    ~2^-9 of the scale, 40x the tolerance).
// Gradient checks by finite differences stay in fp32 (the default precision, tests/ops/
// op_catalogue_test.cpp): bf16's 8-bit mantissa is coarser than any useful difference step.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "kernels/conv.hpp"
#include "gantry/precision.hpp"
#include "kernels/reference/conv_reference.hpp"
#include "kernels/reference/matmul_reference.hpp"
#include "support/conv_case.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;
using kernels::ConvGeometry;

namespace {

/// True (and a SKIPPED warning, which CTest reports as skipped) when this CPU has no bf16.
bool skip_without_bf16() {
    const std::string missing = missing_cpu_isa(Precision::bf16);
    if (missing.empty()) return false;
    WARN("SKIPPED: oneDNN's ISA here (" << cpu_isa() << ") lacks " << missing);
    return true;
}

/// `t` with every value rounded to the nearest bfloat16 (ties to even), as oneDNN's f32 -> bf16
/// reorder rounds; kept in f32.
Tensor round_to_bf16(const Tensor& t) {
    Tensor r = t.clone();
    for (int64_t i = 0; i < r.numel(); ++i) {
        uint32_t bits;
        std::memcpy(&bits, r.data() + i, sizeof bits);
        bits += 0x7fffu + ((bits >> 16) & 1u);
        bits &= 0xffff0000u;
        std::memcpy(r.data() + i, &bits, sizeof bits);
    }
    return r;
}

double max_abs(const Tensor& t) {
    double m = 0;
    for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, std::fabs(static_cast<double>(t.data()[i])));
    return m;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
    double m = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        m = std::max(m, std::fabs(static_cast<double>(a.data()[i]) - static_cast<double>(b.data()[i])));
    return m;
}

/// The three checks of the file comment on one output: `bf16` (the op under bf16), `fp32` (the
/// same op in fp32), `rounded` (the reference on bf16-rounded operands).
void check_bf16(const Tensor& bf16, const Tensor& fp32, const Tensor& rounded) {
    REQUIRE(bf16.shape() == fp32.shape());
    const double scale = max_abs(fp32);
    REQUIRE(scale > 0);
    const double off_fp32 = max_abs_diff(bf16, fp32);
    INFO("output scale " << scale << ", max |bf16 - fp32| " << off_fp32 << ", max |bf16 - reference on bf16 operands| "
                         << max_abs_diff(bf16, rounded));
    CHECK(off_fp32 <= 1e-2 * scale);
    CHECK(off_fp32 > 0);
    GANTRY_CHECK_RESULT(all_close(bf16, rounded, 5e-5 * scale, 0));
}

// The shapes of conv_test.cpp that pick different oneDNN implementations (few channels on plain
// layouts, blocked channels, channels off the block size), and the DCGAN layers the bench times.
std::vector<ConvCase> conv_cases() {
    return {
        {1, 1, 5, 5, 1, 3, 3, conv_params(1, 1, 0, 0), true},        // channels 1
        {2, 3, 7, 5, 4, 3, 3, conv_params(2, 2, 1, 1), false},       // odd, non-square, stride 2
        {2, 3, 8, 6, 5, 3, 2, conv_params(1, 1, 2, 2, 2, 2), true},  // dilation 2, padding 2
        {2, 17, 5, 4, 33, 3, 3, conv_params(1, 1, 1, 1), true},      // channels off the block size
        {2, 3, 16, 16, 32, 4, 4, conv_params(2, 2, 1, 1), true},     // a DCGAN critic's RGB input layer
        {4, 64, 8, 8, 128, 4, 4, conv_params(2, 2, 1, 1), false},    // a DCGAN critic layer
        {4, 128, 4, 4, 1, 4, 4, conv_params(1, 1, 0, 0), false},     // the critic's last, 1 channel
    };
}

struct ConvInputs {
    Tensor x, w, b, dy;
};

ConvInputs conv_inputs(const ConvCase& c, const ConvGeometry& g, uint64_t seed) {
    return {random_tensor(x_shape(g), seed), random_tensor(w_shape(g), seed + 1),
            c.bias ? random_tensor({g.c_out}, seed + 2) : Tensor(), random_tensor(y_shape(g), seed + 3)};
}

}  // namespace

TEST_CASE("bf16: conv2d forward is bf16 operands with f32 sums", "[op][bf16]") {
    if (skip_without_bf16()) return;
    for (const ConvCase& c : conv_cases()) {
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        for (uint64_t seed : {1, 11}) {  // the second pass reuses the cached primitives
            const ConvInputs in = conv_inputs(c, g, seed);
            const Tensor fp32 = conv2d(in.x, in.w, in.b, c.p);
            Tensor bf16;
            {
                PrecisionScope scope(Precision::bf16);
                bf16 = conv2d(in.x, in.w, in.b, c.p);
            }
            Tensor rounded = Tensor::empty(y_shape(g));
            reference::conv2d_forward(g, round_to_bf16(in.x).data(), round_to_bf16(in.w).data(),
                                      c.bias ? in.b.data() : nullptr, rounded.data());
            check_bf16(bf16, fp32, rounded);
        }
    }
}

TEST_CASE("bf16: conv2d_input_grad (backward-data) is bf16 operands with f32 sums", "[op][bf16]") {
    if (skip_without_bf16()) return;
    for (const ConvCase& c : conv_cases()) {
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        const ConvInputs in = conv_inputs(c, g, 2);
        const Tensor fp32 = conv2d_input_grad(in.dy, in.w, x_shape(g), c.p);
        Tensor bf16;
        {
            PrecisionScope scope(Precision::bf16);
            bf16 = conv2d_input_grad(in.dy, in.w, x_shape(g), c.p);
        }
        Tensor rounded = Tensor::empty(x_shape(g));
        reference::conv2d_backward_data(g, round_to_bf16(in.dy).data(), round_to_bf16(in.w).data(), rounded.data());
        check_bf16(bf16, fp32, rounded);
    }
}

TEST_CASE("bf16: conv2d_weight_grad (backward-weights) is bf16 operands with f32 sums", "[op][bf16]") {
    if (skip_without_bf16()) return;
    for (const ConvCase& c : conv_cases()) {
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        const ConvInputs in = conv_inputs(c, g, 3);
        const Tensor fp32 = conv2d_weight_grad(in.dy, in.x, w_shape(g), c.p);
        Tensor bf16;
        {
            PrecisionScope scope(Precision::bf16);
            bf16 = conv2d_weight_grad(in.dy, in.x, w_shape(g), c.p);
        }
        Tensor rounded = Tensor::empty(w_shape(g));
        reference::conv2d_backward_weights(g, round_to_bf16(in.dy).data(), round_to_bf16(in.x).data(),
                                           rounded.data(), nullptr);
        check_bf16(bf16, fp32, rounded);
    }
}

TEST_CASE("bf16: conv2d backward with the bias fused gives f32 weight and bias gradients", "[op][bf16][autograd]") {
    if (skip_without_bf16()) return;
    for (const ConvCase& c : conv_cases()) {
        if (!c.bias) continue;
        INFO(describe(c));
        const ConvGeometry g = geometry_of(c);
        // One backward-weights primitive yields both (the rule's path without create_graph).
        auto grads = [&](Precision precision) {
            ConvInputs in = conv_inputs(c, g, 4);
            in.w.requires_grad_();
            in.b.requires_grad_();
            PrecisionScope scope(precision);
            autograd::backward(conv2d(in.x, in.w, in.b, c.p), in.dy);
            return std::pair{in.w.grad(), in.b.grad()};
        };
        const auto [w32, b32] = grads(Precision::fp32);
        const auto [w16, b16] = grads(Precision::bf16);
        const ConvInputs in = conv_inputs(c, g, 4);
        Tensor dw = Tensor::empty(w_shape(g)), db = Tensor::empty(Shape{g.c_out});
        reference::conv2d_backward_weights(g, round_to_bf16(in.dy).data(), round_to_bf16(in.x).data(), dw.data(),
                                           db.data());
        check_bf16(w16, w32, dw);
        check_bf16(b16, b32, db);
    }
}

TEST_CASE("bf16: conv_transpose2d (deconvolution) is bf16 operands with f32 sums", "[op][bf16]") {
    if (skip_without_bf16()) return;
    const std::vector<ConvTransposeCase> cases = {
        {4, 100, 1, 1, 128, 4, 4, conv_params(1, 1, 0, 0), {0, 0}, false},  // DCGAN G's first layer
        {2, 64, 8, 8, 32, 4, 4, conv_params(2, 2, 1, 1), {0, 0}, true},     // a middle layer
        {2, 16, 4, 4, 3, 4, 4, conv_params(2, 2, 1, 1), {0, 0}, true},      // to RGB (plain output)
        {2, 32, 7, 7, 1, 4, 4, conv_params(2, 2, 1, 1), {0, 0}, true},      // to 1 channel
        {1, 3, 5, 4, 2, 3, 3, conv_params(2, 2, 1, 1), {1, 1}, true},       // output_padding
        {1, 17, 3, 3, 33, 3, 3, conv_params(2, 2, 1, 1), {1, 0}, true},     // channels off the block size
    };
    for (const ConvTransposeCase& c : cases) {
        INFO("x (" << c.n << ", " << c.cin << ", " << c.h << ", " << c.w << ") weight (" << c.cin << ", " << c.cout
                   << ", " << c.kh << ", " << c.kw << ") stride (" << c.p.stride[0] << ", " << c.p.stride[1]
                   << ") output_padding (" << c.output_padding[0] << ", " << c.output_padding[1] << ")");
        // The conv2d this transposes: from the transposed output back to x.
        ConvGeometry g;
        g.n = c.n, g.c_out = c.cin, g.c_in = c.cout, g.kh = c.kh, g.kw = c.kw;
        g.stride = c.p.stride, g.padding = c.p.padding, g.dilation = c.p.dilation;
        g.ho = c.h, g.wo = c.w;
        g.h = (c.h - 1) * c.p.stride[0] - 2 * c.p.padding[0] + c.p.dilation[0] * (c.kh - 1) + c.output_padding[0] + 1;
        g.w = (c.w - 1) * c.p.stride[1] - 2 * c.p.padding[1] + c.p.dilation[1] * (c.kw - 1) + c.output_padding[1] + 1;
        const Tensor x = random_tensor({c.n, c.cin, c.h, c.w}, 5);
        const Tensor w = random_tensor({c.cin, c.cout, c.kh, c.kw}, 6);
        const Tensor b = c.bias ? random_tensor({c.cout}, 7) : Tensor();
        const Tensor fp32 = conv_transpose2d(x, w, b, c.p, c.output_padding);
        Tensor bf16;
        {
            PrecisionScope scope(Precision::bf16);
            bf16 = conv_transpose2d(x, w, b, c.p, c.output_padding);
        }
        Tensor rounded = Tensor::empty(x_shape(g));
        reference::conv_transpose2d_forward(g, round_to_bf16(x).data(), round_to_bf16(w).data(),
                                            c.bias ? b.data() : nullptr, rounded.data());
        check_bf16(bf16, fp32, rounded);
    }
}

TEST_CASE("bf16: matmul is bf16 operands with f32 sums for every transpose", "[op][bf16]") {
    if (skip_without_bf16()) return;
    struct MatmulCase {
        int64_t m, n, k;
    };
    const MatmulCase c = GENERATE(MatmulCase{1, 1, 1}, MatmulCase{3, 5, 4}, MatmulCase{7, 2, 9},
                                  MatmulCase{33, 17, 65}, MatmulCase{64, 256, 128});
    const bool ta = GENERATE(false, true);
    const bool tb = GENERATE(false, true);
    INFO("m " << c.m << " n " << c.n << " k " << c.k << " trans_a " << ta << " trans_b " << tb);
    for (uint64_t seed : {1, 11}) {  // the second pass reuses the entry's bf16 buffers
        const Tensor a = random_tensor(ta ? Shape{c.k, c.m} : Shape{c.m, c.k}, seed);
        const Tensor b = random_tensor(tb ? Shape{c.n, c.k} : Shape{c.k, c.n}, seed + 1);
        const Tensor fp32 = matmul(a, b, ta, tb);
        Tensor bf16;
        {
            PrecisionScope scope(Precision::bf16);
            bf16 = matmul(a, b, ta, tb);
        }
        Tensor rounded = Tensor::empty(Shape{c.m, c.n});
        reference::matmul(round_to_bf16(a).data(), round_to_bf16(b).data(), nullptr, rounded.data(), c.m, c.n, c.k,
                          ta, tb);
        check_bf16(bf16, fp32, rounded);
    }
}

TEST_CASE("bf16: linear keeps its f32 bias and reads x and weight as bf16", "[op][bf16]") {
    if (skip_without_bf16()) return;
    const int64_t n = 64, in = 100, out = 48;
    const Tensor x = random_tensor({n, in}, 1), w = random_tensor({out, in}, 2), b = random_tensor({out}, 3);
    const Tensor fp32 = linear(x, w, b);
    Tensor bf16;
    {
        PrecisionScope scope(Precision::bf16);
        bf16 = linear(x, w, b);
    }
    Tensor rounded = Tensor::empty(Shape{n, out});
    reference::matmul(round_to_bf16(x).data(), round_to_bf16(w).data(), b.data(), rounded.data(), n, out, in, false,
                      true);
    check_bf16(bf16, fp32, rounded);
}

TEST_CASE("bf16: a PrecisionScope ends with its scope and fp32 results stay bit for bit", "[op][bf16]") {
    if (skip_without_bf16()) return;
    const Tensor a = random_tensor({9, 13}, 1), b = random_tensor({13, 5}, 2);
    const Tensor before = matmul(a, b);
    {
        PrecisionScope scope(Precision::bf16);
        CHECK(precision() == Precision::bf16);
        (void)matmul(a, b);  // a bf16 primitive for the same shape, cached beside the fp32 one
    }
    CHECK(precision() == Precision::fp32);
    const Tensor after = matmul(a, b);
    CHECK(max_abs_diff(before, after) == 0);
}

TEST_CASE("bf16: an op's backward runs in the precision its forward was recorded in", "[op][bf16][autograd]") {
    if (skip_without_bf16()) return;
    const ConvCase c = conv_cases().front();
    INFO(describe(c));
    const ConvGeometry g = geometry_of(c);
    // w's gradient of one convolution recorded under `forward` with backward() called under `backward`.
    auto weight_grad = [&](Precision forward, Precision backward) {
        ConvInputs in = conv_inputs(c, g, 4);
        in.w.requires_grad_();
        Tensor y;
        {
            PrecisionScope scope(forward);
            y = conv2d(in.x, in.w, in.b, c.p);
        }
        PrecisionScope scope(backward);
        autograd::backward(y, in.dy);
        return in.w.grad();
    };
    const Tensor fp32 = weight_grad(Precision::fp32, Precision::fp32);
    const Tensor bf16 = weight_grad(Precision::bf16, Precision::bf16);
    REQUIRE(max_abs_diff(fp32, bf16) > 0);
    // An fp32 region inside a bf16 iteration keeps its gradients fp32, and the other way round.
    CHECK(max_abs_diff(weight_grad(Precision::fp32, Precision::bf16), fp32) == 0);
    CHECK(max_abs_diff(weight_grad(Precision::bf16, Precision::fp32), bf16) == 0);
}
