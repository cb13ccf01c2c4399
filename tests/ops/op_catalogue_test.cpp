// SPDX-License-Identifier: Apache-2.0
// The op catalogue (after ggml's tests/test-backend-ops.cpp): one row per differentiable op case,
// one harness. For each row the harness compares the forward with a naive reference where the row
// has one, the gradient with central finite differences, and (rows marked `second`) the gradient
// of the gradient too: every op can sit under a gradient penalty. A last test reads ops.hpp and
// fails when a public op has no row.
//
// Adding an op: declare it in ops.hpp, add its rows here. A row whose op is linear (or piecewise
// linear) in its inputs checks the first order only: its second derivative is zero, and the
// harness refuses a check where every value is zero (it would pass on a missing gradient). Such
// an op gets a second row through a curvature (`square(op(x))`) for its double backward.
// The forward-only tests (every axis, odd shapes, errors) stay beside the ops in tests/ops/.
// Every row runs in fp32, the default precision: bf16's rounding (2^-9) is coarser than any useful
// difference step, so the bf16 kernels are checked against the fp32 ones instead (tests/ops/bf16_test.cpp).
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/ops.hpp"
#include "kernels/reference/matmul_reference.hpp"
#include "kernels/reference/resample_reference.hpp"
#include "kernels/reference/softmax_reference.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

// ---- what a row is --------------------------------------------------------------------------

/// One input: U[low, high) pushed `min_abs` away from zero, or a fixed tensor.
struct Input {
    Shape shape;
    float low = -1.f, high = 1.f;
    float min_abs = 0.f;  ///< distance kept from a kink at zero (relu, abs)
    Tensor fixed = {};    ///< used instead when defined (maxout's tie-free values)
};

Input in(Shape shape, float low = -1.f, float high = 1.f, float min_abs = 0.f) {
    return {std::move(shape), low, high, min_abs};
}

enum class Order { first, second };

using Reference = std::function<Tensor(const std::vector<Tensor>&)>;

struct OpRow {
    std::string op;        ///< the ops.hpp function the row covers
    std::string variant;   ///< what this case adds to the op's other rows
    std::vector<Input> inputs;
    OpFn f;
    Order order = Order::second;
    Reference reference = {};  ///< a naive forward, when one exists
    CheckOptions tolerance = {};
};

// ---- naive references -----------------------------------------------------------------------

Tensor map(const Tensor& x, const std::function<double(double)>& fn) {
    Tensor y = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) y.data()[i] = static_cast<float>(fn(x.data()[i]));
    return y;
}

Reference unary(std::function<double(double)> fn) {
    return [fn](const std::vector<Tensor>& x) { return map(x[0], fn); };
}

/// A broadcasting binary op over up to 4-D shapes, element by element.
Tensor broadcast_binary(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
    const Shape out = broadcast_shapes(a.shape(), b.shape(), "reference");
    Tensor y = Tensor::empty(out);
    auto index = [&](const Shape& s, const int64_t* idx) {
        int64_t flat = 0;
        const int off = out.rank() - s.rank();
        for (int i = 0; i < s.rank(); ++i) flat = flat * s[i] + (s[i] == 1 ? 0 : idx[off + i]);
        return flat;
    };
    std::vector<int64_t> idx(static_cast<size_t>(std::max(out.rank(), 1)), 0);
    for (int64_t k = 0; k < out.numel(); ++k) {
        int64_t rem = k;
        for (int i = out.rank() - 1; i >= 0; --i) {
            idx[static_cast<size_t>(i)] = rem % out[i];
            rem /= out[i];
        }
        y.data()[k] = static_cast<float>(f(a.data()[index(a.shape(), idx.data())],
                                           b.data()[index(b.shape(), idx.data())]));
    }
    return y;
}

Reference binary(std::function<double(double, double)> fn) {
    return [fn](const std::vector<Tensor>& x) { return broadcast_binary(x[0], x[1], fn); };
}

Reference matmul_reference(bool ta, bool tb) {
    return [ta, tb](const std::vector<Tensor>& x) {
        const int64_t m = ta ? x[0].shape()[1] : x[0].shape()[0];
        const int64_t k = ta ? x[0].shape()[0] : x[0].shape()[1];
        const int64_t n = tb ? x[1].shape()[0] : x[1].shape()[1];
        Tensor y = Tensor::empty(Shape{m, n});
        reference::matmul(x[0].data(), x[1].data(), nullptr, y.data(), m, n, k, ta, tb);
        return y;
    };
}

Reference softmax_reference(int axis, bool log) {
    return [axis, log](const std::vector<Tensor>& x) {
        Tensor y = Tensor::empty(x[0].shape());
        const int a = axis < 0 ? axis + x[0].rank() : axis;
        reference::softmax_forward(x[0].shape(), a, log, x[0].data(), y.data());
        return y;
    };
}

/// Distinct values 0.1 apart in a scrambled order: no two pieces of a maxout group come within a
/// finite-difference step of each other, so the argmax never flips during a check.
Input tie_free(const Shape& shape) {
    Tensor t = Tensor::empty(shape);
    const int64_t n = shape.numel();
    for (int64_t i = 0; i < n; ++i)
        t.data()[i] = static_cast<float>((i * 7) % n) * 0.1f - static_cast<float>(n) * 0.05f;
    Input input = in(shape);
    input.fixed = t;
    return input;
}

std::string describe(const Conv2dParams& p) {
    std::ostringstream out;
    out << "stride (" << p.stride[0] << ", " << p.stride[1] << ") padding (" << p.padding[0] << ", "
        << p.padding[1] << ") dilation (" << p.dilation[0] << ", " << p.dilation[1] << ")";
    return out.str();
}

/// Normalised values are O(1) whatever the input scale, but their derivatives grow like 1/std:
/// a smaller step and looser tolerances.
CheckOptions norm_tolerance() {
    CheckOptions o;
    o.eps = 2e-3;
    o.atol = 5e-3;
    o.rtol = 3e-2;
    return o;
}

// ---- the rows -------------------------------------------------------------------------------

using V = const std::vector<Tensor>&;

std::vector<OpRow> elementwise_rows() {
    const Shape s{2, 3, 2, 2};
    CheckOptions zero_by_design;
    zero_by_design.allow_zero = true;
    return {
        {"relu", "", {in(s, -2, 2, 0.05f)}, [](V x) { return relu(x[0]); }, Order::first,
         unary([](double v) { return v > 0 ? v : 0.0; })},
        {"relu", "squared", {in(s, -2, 2, 0.05f)}, [](V x) { return square(relu(x[0])); }},
        {"leaky_relu", "slope 0.2", {in(s, -2, 2, 0.05f)}, [](V x) { return leaky_relu(x[0], 0.2f); },
         Order::first, unary([](double v) { return v > 0 ? v : 0.2 * v; })},
        {"leaky_relu", "squared", {in(s, -2, 2, 0.05f)}, [](V x) { return square(leaky_relu(x[0], 0.2f)); }},
        {"tanh", "", {in(s, -2, 2)}, [](V x) { return tanh(x[0]); }, Order::second,
         unary([](double v) { return std::tanh(v); })},
        {"sigmoid", "", {in(s, -3, 3)}, [](V x) { return sigmoid(x[0]); }, Order::second,
         unary([](double v) { return 1 / (1 + std::exp(-v)); })},
        {"softplus", "", {in(s, -3, 3)}, [](V x) { return softplus(x[0]); }, Order::second,
         unary([](double v) { return std::log1p(std::exp(v)); })},
        {"log_sigmoid", "", {in(s, -3, 3)}, [](V x) { return log_sigmoid(x[0]); }, Order::second,
         unary([](double v) { return -std::log1p(std::exp(-v)); })},
        {"exp", "", {in(s, -1, 1)}, [](V x) { return exp(x[0]); }, Order::second,
         unary([](double v) { return std::exp(v); })},
        {"log", "", {in(s, 0.5f, 2)}, [](V x) { return log(x[0]); }, Order::second,
         unary([](double v) { return std::log(v); })},
        {"sqrt", "", {in(s, 0.5f, 2)}, [](V x) { return sqrt(x[0]); }, Order::second,
         unary([](double v) { return std::sqrt(v); })},
        {"square", "", {in(s, -2, 2)}, [](V x) { return square(x[0]); }, Order::second,
         unary([](double v) { return v * v; })},
        {"abs", "", {in(s, -2, 2, 0.05f)}, [](V x) { return abs(x[0]); }, Order::first,
         unary([](double v) { return std::fabs(v); })},
        {"abs", "squared", {in(s, -2, 2, 0.05f)}, [](V x) { return square(abs(x[0])); }},
        {"neg", "", {in(s)}, [](V x) { return neg(x[0]); }, Order::first, unary([](double v) { return -v; })},
        {"neg", "squared", {in(s)}, [](V x) { return square(neg(x[0])); }},
        // sign's gradient is zero by design: the one row that accepts an all-zero check.
        {"sign", "zero gradient", {in(s, -2, 2, 0.05f)}, [](V x) { return sign(x[0]); }, Order::first,
         unary([](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }), zero_by_design},
        {"affine", "", {in(s, -2, 2)}, [](V x) { return affine(x[0], -1.5f, 0.25f); }, Order::first,
         unary([](double v) { return -1.5 * v + 0.25; })},
        {"affine", "squared", {in(s, -2, 2)}, [](V x) { return square(affine(x[0], -1.5f, 0.25f)); }},
        {"pow", "integer exponent, negative base", {in(s, -1.5f, 1.5f)}, [](V x) { return pow(x[0], 3.f); },
         Order::second, unary([](double v) { return v * v * v; })},
        {"pow", "fractional exponent", {in(s, 0.5f, 2)}, [](V x) { return pow(x[0], 2.5f); }, Order::second,
         unary([](double v) { return std::pow(v, 2.5); })},
        // Differentiable in grad; its gradient in x is zero (x only picks the slope).
        {"leaky_relu_backward", "", {in(s), in(s, -2, 2, 0.05f)},
         [](V x) { return leaky_relu_backward(x[0], x[1], 0.2f); }, Order::first,
         binary([](double g, double v) { return v > 0 ? g : 0.2 * g; })},
        {"leaky_relu_backward", "squared", {in(s), in(s, -2, 2, 0.05f)},
         [](V x) { return square(leaky_relu_backward(x[0], x[1], 0.2f)); }},
    };
}

std::vector<OpRow> binary_rows() {
    struct Op {
        const char* name;
        std::function<Tensor(const Tensor&, const Tensor&)> f;
        std::function<double(double, double)> ref;
        bool linear;
    };
    const std::vector<Op> ops = {
        {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }, [](double a, double b) { return a + b; }, true},
        {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }, [](double a, double b) { return a - b; }, true},
        {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }, [](double a, double b) { return a * b; }, false},
        {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, [](double a, double b) { return a / b; }, false},
    };
    struct Shapes {
        Shape a, b;
        const char* what;
        bool second;  ///< also the second order (small shapes)
    };
    const std::vector<Shapes> shapes = {
        {{2, 3, 4, 5}, {2, 3, 4, 5}, "same shape", false},
        {{2, 3, 4, 5}, {1, 3, 1, 1}, "per channel", false},
        {{1, 3, 1, 1}, {2, 3, 4, 5}, "broadcast on the left operand", false},
        {{2, 3, 4, 5}, {2, 1, 1, 1}, "per sample", false},
        {{4, 3}, {3}, "missing leading axis", true},
        {{4, 3}, {}, "scalar right", true},
        {{}, {4, 3}, "scalar left", false},
        {{1, 3}, {4, 1}, "both broadcast", true},
    };
    std::vector<OpRow> rows;
    for (const Op& op : ops) {
        for (const Shapes& s : shapes) {
            // Divisors kept away from zero.
            rows.push_back({op.name, s.what, {in(s.a), in(s.b, 0.5f, 1.5f)},
                            [f = op.f](V x) { return f(x[0], x[1]); },
                            op.linear || !s.second ? Order::first : Order::second, binary(op.ref)});
        }
        if (op.linear)
            rows.push_back({op.name, "squared, missing leading axis", {in({2, 3}), in({3}, 0.5f, 1.5f)},
                            [f = op.f](V x) { return square(f(x[0], x[1])); }});
    }
    rows.push_back({"lerp", "one weight per sample", {in({2, 3}), in({2, 3}), in({2, 1})},
                    [](V x) { return lerp(x[0], x[1], x[2]); }, Order::second,
                    [](V x) {
                        Tensor y = Tensor::empty(Shape{2, 3});
                        for (int64_t i = 0; i < 6; ++i) {
                            const double a = x[0].data()[i], b = x[1].data()[i], t = x[2].data()[i / 3];
                            y.data()[i] = static_cast<float>(a + t * (b - a));
                        }
                        return y;
                    }});
    return rows;
}

std::vector<OpRow> operator_rows() {
    const Shape s{2, 3};
    const Input a = in(s), b = in(s, 0.5f, 1.5f);
    return {
        {"operator+", "tensor + tensor", {a, b}, [](V x) { return x[0] + x[1]; }, Order::first,
         binary(std::plus<>())},
        {"operator+", "tensor + float", {a}, [](V x) { return x[0] + 1.5f; }, Order::first,
         unary([](double v) { return v + 1.5; })},
        {"operator+", "float + tensor", {a}, [](V x) { return 1.5f + x[0]; }, Order::first,
         unary([](double v) { return 1.5 + v; })},
        {"operator-", "tensor - tensor", {a, b}, [](V x) { return x[0] - x[1]; }, Order::first,
         binary(std::minus<>())},
        {"operator-", "- tensor", {a}, [](V x) { return -x[0]; }, Order::first, unary([](double v) { return -v; })},
        {"operator-", "tensor - float", {a}, [](V x) { return x[0] - 1.5f; }, Order::first,
         unary([](double v) { return v - 1.5; })},
        {"operator-", "float - tensor", {a}, [](V x) { return 1.5f - x[0]; }, Order::first,
         unary([](double v) { return 1.5 - v; })},
        {"operator*", "tensor * tensor", {a, b}, [](V x) { return x[0] * x[1]; }, Order::second,
         binary(std::multiplies<>())},
        {"operator*", "tensor * float", {a}, [](V x) { return x[0] * 1.5f; }, Order::first,
         unary([](double v) { return v * 1.5; })},
        {"operator*", "float * tensor", {a}, [](V x) { return 1.5f * x[0]; }, Order::first,
         unary([](double v) { return 1.5 * v; })},
        {"operator/", "tensor / tensor", {a, b}, [](V x) { return x[0] / x[1]; }, Order::second,
         binary(std::divides<>())},
        {"operator/", "tensor / float", {a}, [](V x) { return x[0] / 1.5f; }, Order::first,
         unary([](double v) { return v / 1.5; })},
        {"operator/", "float / tensor", {b}, [](V x) { return 1.5f / x[0]; }, Order::second,
         unary([](double v) { return 1.5 / v; })},
    };
}

std::vector<OpRow> reduction_rows() {
    const Shape s{2, 3, 4, 2};
    std::vector<OpRow> rows = {
        {"sum", "all", {in(s)}, [](V x) { return sum(x[0]); }, Order::first},
        {"sum", "axes", {in(s)}, [](V x) { return sum(x[0], {0, 2}); }, Order::first},
        {"sum", "keepdim", {in(s)}, [](V x) { return sum(x[0], {1}, true); }, Order::first},
        {"mean", "all", {in(s)}, [](V x) { return mean(x[0]); }, Order::first},
        {"mean", "axes", {in(s)}, [](V x) { return mean(x[0], {0, 2, 3}); }, Order::first},
        {"sum_to", "", {in(s)}, [](V x) { return sum_to(x[0], Shape{1, 3, 1, 2}); }, Order::first},
        {"broadcast_to", "", {in(s)},
         [](V x) { return broadcast_to(sum_to(x[0], Shape{3, 1, 2}), Shape{2, 3, 4, 2}); }, Order::first},
        {"per_sample_norm", "", {in(s)}, [](V x) { return per_sample_norm(x[0]); }},
        {"mean", "square of mean", {in(s)}, [](V x) { return square(mean(x[0], {1})); }},
    };
    // The linear ones again through a square, for their double backward.
    const size_t linear = 7;
    for (size_t i = 0; i < linear; ++i) {
        OpRow squared = rows[i];
        squared.variant = squared.variant.empty() ? "squared" : squared.variant + ", squared";
        squared.f = [f = rows[i].f](V x) { return square(f(x)); };
        squared.order = Order::second;
        // square(mean(x))'s second derivative is 2 / numel^2: measured at a finer atol.
        if (squared.op == "mean") squared.tolerance.atol = 1e-5;
        rows.push_back(squared);
    }
    rows[0].reference = [](V x) {
        double total = 0;
        for (int64_t i = 0; i < x[0].numel(); ++i) total += x[0].data()[i];
        return Tensor::scalar(static_cast<float>(total));
    };
    return rows;
}

std::vector<OpRow> shape_rows() {
    return {
        {"reshape", "", {in({2, 3, 4})}, [](V x) { return reshape(x[0], {-1, 4}); }, Order::first},
        {"reshape", "squared", {in({2, 3, 4})}, [](V x) { return square(reshape(x[0], {4, -1})); }},
        {"flatten", "", {in({2, 3, 2, 2})}, [](V x) { return flatten(x[0]); }, Order::first},
        {"flatten", "squared, from axis 2", {in({2, 3, 2, 2})}, [](V x) { return square(flatten(x[0], 2)); }},
        {"concat", "squared", {in({2, 2, 3, 3}), in({2, 1, 3, 3})},
         [](V x) { return square(concat({x[0], x[1]}, 1)); }},
        {"concat", "squared, last axis", {in({2, 2, 2}), in({2, 2, 3})},
         [](V x) { return square(concat({x[0], x[1]}, 2)); }},
        {"narrow", "squared", {in({2, 4, 3})}, [](V x) { return square(narrow(x[0], 1, 1, 2)); }},
        {"narrow_backward", "squared", {in({2, 2, 3})},
         [](V x) { return square(narrow_backward(x[0], Shape{2, 4, 3}, 1, 1)); }},
    };
}

std::vector<OpRow> linalg_rows() {
    std::vector<OpRow> rows;
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            // op(a) (3, 4), op(b) (4, 2).
            const Shape a = ta ? Shape{4, 3} : Shape{3, 4};
            const Shape b = tb ? Shape{2, 4} : Shape{4, 2};
            rows.push_back({"matmul", std::string("trans_a ") + (ta ? "1" : "0") + " trans_b " + (tb ? "1" : "0"),
                            {in(a), in(b)}, [ta, tb](V x) { return matmul(x[0], x[1], ta, tb); },
                            Order::second, matmul_reference(ta, tb)});
        }
    rows.push_back({"linear", "with bias", {in({3, 4}), in({2, 4}), in({2})},
                    [](V x) { return linear(x[0], x[1], x[2]); }, Order::second, [](V x) {
                        Tensor y = Tensor::empty(Shape{3, 2});
                        reference::matmul(x[0].data(), x[1].data(), x[2].data(), y.data(), 3, 2, 4, false, true);
                        return y;
                    }});
    // tanh makes the second derivative in x and weight non-zero.
    rows.push_back({"linear", "without bias, through tanh", {in({2, 3}), in({4, 3})},
                    [](V x) { return tanh(linear(x[0], x[1])); }});
    return rows;
}

std::vector<OpRow> conv_rows() {
    std::vector<OpRow> rows;
    for (const Conv2dParams& p : {conv_params(1, 1, 0, 0), conv_params(2, 2, 1, 1), conv_params(1, 2, 1, 0, 2, 1)}) {
        rows.push_back({"conv2d", "with bias, " + describe(p),
                        {in({2, 2, 5, 4}), in({3, 2, 3, 3}), in({3})},
                        [p](V x) { return conv2d(x[0], x[1], x[2], p); }});
        // tanh gives conv2d non-zero second derivatives in x and weight alike.
        rows.push_back({"conv2d", "without bias, through tanh, " + describe(p),
                        {in({2, 3, 5, 4}, -0.5f, 0.5f), in({2, 3, 3, 3}, -0.5f, 0.5f)},
                        [p](V x) { return tanh(conv2d(x[0], x[1], {}, p)); }});
    }
    const Conv2dParams s2 = conv_params(2, 2, 1, 1);
    rows.push_back({"conv2d_input_grad", "through tanh, " + describe(s2),
                    {in({2, 3, 3, 2}, -0.5f, 0.5f), in({3, 2, 3, 3}, -0.5f, 0.5f)},
                    [s2](V x) { return tanh(conv2d_input_grad(x[0], x[1], Shape{2, 2, 5, 4}, s2)); }});
    const Conv2dParams dilated = conv_params(1, 1, 1, 0, 2, 1);
    rows.push_back({"conv2d_weight_grad", "through tanh, " + describe(dilated),
                    {in({2, 3, 3, 2}, -0.3f, 0.3f), in({2, 2, 5, 4}, -0.3f, 0.3f)},
                    [dilated](V x) { return tanh(conv2d_weight_grad(x[0], x[1], Shape{3, 2, 3, 3}, dilated)); }});
    rows.push_back({"conv_transpose2d", "with bias and output_padding, " + describe(s2),
                    {in({2, 3, 3, 2}), in({3, 2, 3, 3}), in({2})},
                    [s2](V x) { return conv_transpose2d(x[0], x[1], x[2], s2, {1, 0}); }});
    rows.push_back({"conv_transpose2d", "through tanh, " + describe(s2),
                    {in({2, 3, 3, 2}, -0.5f, 0.5f), in({3, 2, 3, 3}, -0.5f, 0.5f)},
                    [s2](V x) { return tanh(conv_transpose2d(x[0], x[1], {}, s2)); }});
    return rows;
}

Reference upsample_reference(int64_t f) {
    return [f](const std::vector<Tensor>& x) {
        const Shape& s = x[0].shape();
        Tensor y = Tensor::empty(Shape{s[0], s[1], s[2] * f, s[3] * f});
        reference::upsample_nearest_forward(s, f, x[0].data(), y.data());
        return y;
    };
}

Reference pool_reference(int64_t k, bool mean) {
    return [k, mean](const std::vector<Tensor>& x) {
        const Shape& s = x[0].shape();
        Tensor y = Tensor::empty(Shape{s[0], s[1], s[2] / k, s[3] / k});
        reference::sum_pool_forward(s, k, x[0].data(), y.data());
        if (mean)
            for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] /= static_cast<float>(k * k);
        return y;
    };
}

// The three are linear: a first-order row against the reference, and a row through a curvature
// whose second order runs through the partner op's rule (upsample_nearest <-> sum_pool2d).
std::vector<OpRow> resampling_rows() {
    std::vector<OpRow> rows;
    rows.push_back({"upsample_nearest", "factor 2", {in({2, 3, 3, 2})},
                    [](V x) { return upsample_nearest(x[0], 2); }, Order::first, upsample_reference(2)});
    rows.push_back({"upsample_nearest", "factor 3 non-square", {in({1, 2, 2, 3})},
                    [](V x) { return upsample_nearest(x[0], 3); }, Order::first, upsample_reference(3)});
    rows.push_back({"upsample_nearest", "squared, factor 2", {in({2, 2, 2, 3})},
                    [](V x) { return square(upsample_nearest(x[0], 2)); }});
    rows.push_back({"sum_pool2d", "k 2", {in({2, 3, 4, 6})},
                    [](V x) { return sum_pool2d(x[0], 2); }, Order::first, pool_reference(2, false)});
    rows.push_back({"sum_pool2d", "k 3 non-square", {in({1, 2, 6, 3})},
                    [](V x) { return sum_pool2d(x[0], 3); }, Order::first, pool_reference(3, false)});
    rows.push_back({"sum_pool2d", "through tanh, k 2", {in({2, 2, 4, 4}, -0.5f, 0.5f)},
                    [](V x) { return tanh(sum_pool2d(x[0], 2)); }});
    rows.push_back({"avg_pool2d", "k 2", {in({2, 3, 4, 6})},
                    [](V x) { return avg_pool2d(x[0], 2); }, Order::first, pool_reference(2, true)});
    rows.push_back({"avg_pool2d", "squared, k 4", {in({1, 2, 8, 4})},
                    [](V x) { return square(avg_pool2d(x[0], 4)); }});
    // Down then up (the SR generator's and the PatchGAN's path for a smaller condition).
    rows.push_back({"upsample_nearest", "of avg_pool2d through tanh", {in({2, 1, 4, 4})},
                    [](V x) { return tanh(upsample_nearest(avg_pool2d(x[0], 2), 2) * 2.f); }});
    return rows;
}

std::vector<OpRow> norm_rows() {
    std::vector<OpRow> rows;
    for (const Shape& shape : {Shape{4, 3}, Shape{2, 3, 2, 3}}) {
        const int64_t c = shape[1];
        const std::vector<Input> inputs = {in(shape, -1, 2), in({c}, 0.5f, 1.5f), in({c})};
        const std::string where = " on " + shape.str();
        // Its training gradient is first-order only (a second differentiation throws: see
        // norm_test.cpp).
        rows.push_back({"batch_norm", "training, affine" + where, inputs,
                        [](V x) { return batch_norm(x[0], x[1], x[2], {}, {}, true); }, Order::first, {},
                        norm_tolerance()});
        rows.push_back({"batch_norm", "training, weight only" + where, inputs,
                        [](V x) { return batch_norm(x[0], x[1], {}, {}, {}, true); }, Order::first, {},
                        norm_tolerance()});
        rows.push_back({"batch_norm", "training, bias only" + where, inputs,
                        [](V x) { return batch_norm(x[0], {}, x[2], {}, {}, true); }, Order::first, {},
                        norm_tolerance()});
        // With fixed statistics the eval op is affine in x, and its rule is plain ops.
        const Tensor rm = random_tensor({c}, 10), rv = random_tensor({c}, 11, 0.5f, 2.f);
        rows.push_back({"batch_norm", "eval, affine" + where, inputs,
                        [rm, rv](V x) { return batch_norm(x[0], x[1], x[2], rm, rv, false); }, Order::second,
                        {}, norm_tolerance()});
    }
    for (const Shape& shape : {Shape{1, 4}, Shape{3, 5}, Shape{2, 2, 1, 3}}) {
        const Shape sample(std::vector<int64_t>(shape.dims().begin() + 1, shape.dims().end()));
        const std::string where = " on " + shape.str();
        rows.push_back({"layer_norm", "affine" + where, {in(shape, -1, 2), in(sample, 0.5f, 1.5f), in(sample)},
                        [](V x) { return layer_norm(x[0], x[1], x[2]); }, Order::second, {}, norm_tolerance()});
        rows.push_back({"layer_norm", "plain" + where, {in(shape, -1, 2)},
                        [](V x) { return layer_norm(x[0]); }, Order::second, {}, norm_tolerance()});
    }
    return rows;
}

std::vector<OpRow> classification_rows() {
    const Shape s{2, 3, 2, 3};
    std::vector<OpRow> rows;
    for (int axis : {1, 0, -1})
        rows.push_back({"softmax", "axis " + std::to_string(axis), {in(s, -2, 2)},
                        [axis](V x) { return softmax(x[0], axis); }, Order::second, softmax_reference(axis, false)});
    for (int axis : {1, -1})
        rows.push_back({"log_softmax", "axis " + std::to_string(axis), {in(s, -2, 2)},
                        [axis](V x) { return log_softmax(x[0], axis); }, Order::second,
                        softmax_reference(axis, true)});
    // The labels are captured, not inputs: a check perturbs every input, and a perturbed label
    // is no label.
    const Tensor labels = Tensor::from_vector({5}, {1, 3, 1, 0, 2});
    rows.push_back({"embedding", "repeated labels", {in({4, 3})}, [labels](V x) { return embedding(labels, x[0]); },
                    Order::first, [labels](V x) {
                        Tensor y = Tensor::empty(Shape{5, 3});
                        for (int64_t i = 0; i < 5; ++i)
                            for (int64_t f = 0; f < 3; ++f)
                                y.data()[i * 3 + f] = x[0].data()[static_cast<int64_t>(labels.data()[i]) * 3 + f];
                        return y;
                    }});
    // tanh makes the first gradient depend on the table: the second order runs through
    // embedding_backward's own rule.
    rows.push_back({"embedding", "through tanh", {in({4, 3})},
                    [labels](V x) { return tanh(embedding(labels, x[0])); }});
    rows.push_back({"maxout", "3 pieces", {tie_free({2, 6, 2, 3})}, [](V x) { return maxout(x[0], 3); }, Order::first});
    // square makes the first gradient depend on x through maxout: the second order runs through
    // maxout_scatter's rule (maxout_gather) and back.
    rows.push_back({"maxout", "squared, 2 pieces", {tie_free({2, 6, 1, 2})},
                    [](V x) { return square(maxout(x[0], 2)); }});
    // A fresh Rng from the same seed inside the op: every evaluation sees the same mask.
    rows.push_back({"dropout", "squared, p 0.4", {in({3, 5})}, [](V x) {
                        Rng rng(11);
                        return square(dropout(x[0], 0.4f, true, rng));
                    }});
    return rows;
}

using Family = std::pair<const char*, std::vector<OpRow> (*)()>;
const std::vector<Family>& families() {
    static const std::vector<Family> all = {
        {"element-wise", elementwise_rows}, {"binary", binary_rows},     {"operators", operator_rows},
        {"reductions", reduction_rows},     {"shape", shape_rows},       {"linear algebra", linalg_rows},
        {"convolution", conv_rows},         {"resampling", resampling_rows},
        {"normalisation", norm_rows}, {"classification", classification_rows},
    };
    return all;
}

// ---- the harness ----------------------------------------------------------------------------

uint64_t seed_of(const OpRow& row) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a: a row's inputs do not move when rows are added
    for (char ch : row.op + "/" + row.variant) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
    return h;
}

std::vector<Tensor> inputs_of(const OpRow& row) {
    std::vector<Tensor> out;
    uint64_t seed = seed_of(row);
    for (const Input& i : row.inputs)
        out.push_back(i.fixed.defined() ? i.fixed.clone() : random_tensor(i.shape, seed++, i.low, i.high, i.min_abs));
    return out;
}

std::vector<Tensor> clones(const std::vector<Tensor>& xs) {
    std::vector<Tensor> out;
    for (const Tensor& x : xs) out.push_back(x.clone());
    return out;
}

void check_rows(const char* family) {
    // Gradchecks run thousands of primitives on tiny tensors: one thread is the fast way.
    const SingleThread one_thread;
    for (const Family& f : families()) {
        if (std::string(f.first) != family) continue;
        for (const OpRow& row : f.second()) {
            INFO(row.op << (row.variant.empty() ? "" : " (" + row.variant + ")"));
            const std::vector<Tensor> x = inputs_of(row);
            if (row.reference) {
                INFO("forward against the reference");
                GANTRY_CHECK_RESULT(all_close(row.f(x), row.reference(x), 1e-5, 1e-4));
            }
            {
                INFO("first order");
                GANTRY_CHECK_RESULT(gradcheck(row.f, clones(x), row.tolerance));
            }
            if (row.order == Order::second) {
                INFO("second order");
                GANTRY_CHECK_RESULT(gradgradcheck(row.f, clones(x), row.tolerance));
            }
        }
    }
}

}  // namespace

TEST_CASE("op catalogue: element-wise", "[op][autograd][catalogue]") { check_rows("element-wise"); }
TEST_CASE("op catalogue: binary with broadcasting", "[op][autograd][catalogue]") { check_rows("binary"); }
TEST_CASE("op catalogue: operators", "[op][autograd][catalogue]") { check_rows("operators"); }
TEST_CASE("op catalogue: reductions", "[op][autograd][catalogue]") { check_rows("reductions"); }
TEST_CASE("op catalogue: shape", "[op][autograd][catalogue]") { check_rows("shape"); }
TEST_CASE("op catalogue: linear algebra", "[op][autograd][catalogue]") { check_rows("linear algebra"); }
TEST_CASE("op catalogue: convolution", "[op][autograd][catalogue]") { check_rows("convolution"); }
TEST_CASE("op catalogue: resampling", "[op][autograd][catalogue]") { check_rows("resampling"); }
TEST_CASE("op catalogue: normalisation", "[op][autograd][catalogue]") { check_rows("normalisation"); }
TEST_CASE("op catalogue: classification and discriminator helpers", "[op][autograd][catalogue]") {
    check_rows("classification");
}

namespace {
/// Public functions of ops.hpp that are not differentiable ops, and why. Nothing else may lack
/// a row.
const std::map<std::string, std::string> kExempt = {
    {"set_debug_checks", "a switch for domain checks, not an op"},
    {"debug_checks", "reads that switch"},
    {"one_hot", "labels to 0/1 rows: not differentiable (embedding is its differentiable form)"},
};

/// The names of the functions declared at namespace scope in `header` (return type Tensor,
/// void or bool at the start of a line), operators included.
std::set<std::string> declared_functions(const std::string& header) {
    std::ifstream file(header);
    std::stringstream text;
    text << file.rdbuf();
    const std::string s = text.str();
    static const std::regex declaration(R"((?:^|\n)(?:Tensor|void|bool)\s+(operator\s*[^\s(]+|\w+)\s*\()");
    std::set<std::string> names;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), declaration); it != std::sregex_iterator(); ++it)
        names.insert((*it)[1].str());
    return names;
}
}  // namespace

TEST_CASE("op catalogue: every op declared in ops.hpp has a row", "[op][catalogue]") {
    const std::set<std::string> declared = declared_functions(GANTRY_OPS_HEADER);
    INFO("parsed " << GANTRY_OPS_HEADER);
    // The parse itself must see the header: an empty set would make this test pass on nothing.
    REQUIRE(declared.size() > 40);
    REQUIRE(declared.count("conv2d"));
    REQUIRE(declared.count("operator*"));

    std::set<std::string> covered;
    size_t first = 0, second = 0;
    for (const Family& f : families())
        for (const OpRow& row : f.second()) {
            covered.insert(row.op);
            ++first;
            second += row.order == Order::second;
        }
    for (const std::string& name : declared) {
        INFO("ops.hpp declares " << name);
        CHECK((covered.count(name) || kExempt.count(name)));
    }
    for (const std::string& name : covered) {
        INFO("a row names " << name << ", which ops.hpp does not declare");
        CHECK(declared.count(name));
    }
    for (const auto& [name, why] : kExempt) {
        INFO("exempt " << name << " (" << why << ") is no longer declared or has a row");
        CHECK((declared.count(name) && !covered.count(name)));
    }
    // The scattered tests this catalogue replaced held 96 first- and 62 second-order checks.
    CHECK(first >= 96);
    CHECK(second >= 62);
}
