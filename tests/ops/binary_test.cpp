// SPDX-License-Identifier: Apache-2.0
#include <functional>

#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {
/// Naive broadcasting binary op over up to 4-D shapes, for the forward check.
Tensor reference_binary(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
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

struct BinaryCase {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> op;
    std::function<double(double, double)> ref;
};
}  // namespace

TEST_CASE("binary ops: broadcasting forward with first and second order gradients", "[op][autograd]") {
    const std::vector<BinaryCase> cases = {
        {"add", [](const Tensor& a, const Tensor& b) { return a + b; }, [](double a, double b) { return a + b; }},
        {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }, [](double a, double b) { return a - b; }},
        {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }, [](double a, double b) { return a * b; }},
        {"div", [](const Tensor& a, const Tensor& b) { return a / b; }, [](double a, double b) { return a / b; }},
    };
    const std::vector<std::pair<Shape, Shape>> shapes = {
        {{2, 3, 4, 5}, {2, 3, 4, 5}},  // same
        {{2, 3, 4, 5}, {1, 3, 1, 1}},  // per channel
        {{1, 3, 1, 1}, {2, 3, 4, 5}},  // broadcast on the left operand
        {{2, 3, 4, 5}, {2, 1, 1, 1}},  // per sample
        {{4, 3}, {3}},                 // missing leading axis
        {{4, 3}, {}},                  // scalar
        {{}, {4, 3}},
        {{1, 3}, {4, 1}},              // both broadcast
    };
    for (const BinaryCase& c : cases)
        for (const auto& [sa, sb] : shapes) {
            INFO(c.name << " " << sa << " with " << sb);
            const Tensor a = random_tensor(sa, 11, -1, 1);
            // Keep divisors away from zero.
            const Tensor b = random_tensor(sb, 12, 0.5f, 1.5f);
            GANTRY_REQUIRE_CHECK(all_close(c.op(a, b), reference_binary(a, b, c.ref), 1e-6, 1e-6));
            const OpFn f = [&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); };
            if (sa.numel() * sb.numel() <= 400 * 400) {
                GANTRY_REQUIRE_CHECK(gradcheck(f, {a.clone(), b.clone()}));
            }
        }
    for (const BinaryCase& c : cases) {
        INFO(c.name << " second order");
        const OpFn f = [&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); };
        GANTRY_REQUIRE_CHECK(gradgradcheck(f, {random_tensor({2, 3}, 13), random_tensor({3}, 14, 0.5f, 1.5f)}));
    }
}

TEST_CASE("binary ops: shapes that do not broadcast are refused with both shapes", "[op][errors]") {
    const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
    CHECK_THROWS_AS(a + b, ShapeError);
    CHECK_THROWS_WITH(a * b, Catch::Contains("mul: shapes (2, 3) and (4) do not broadcast"));
    CHECK_THROWS_WITH(add(a, Tensor()), Catch::Contains("add: b is undefined"));
}

TEST_CASE("lerp: interpolates with one weight per sample", "[op][autograd]") {
    const Tensor a = Tensor::zeros({2, 1, 2, 2}), b = Tensor::ones({2, 1, 2, 2});
    const Tensor t = Tensor::from_vector({2, 1, 1, 1}, {0.25f, 0.75f});
    const std::vector<float> y = lerp(a, b, t).to_vector();
    CHECK(y[0] == 0.25f);
    CHECK(y[7] == 0.75f);
    const OpFn f = [](const std::vector<Tensor>& in) { return lerp(in[0], in[1], in[2]); };
    GANTRY_REQUIRE_CHECK(gradgradcheck(f, {random_tensor({2, 3}, 1), random_tensor({2, 3}, 2), random_tensor({2, 1}, 3)}));
}
