// SPDX-License-Identifier: Apache-2.0
// nn::init against PyTorch's formulas: fans, gains, and the statistics of large draws.
#include <cmath>

#include "gantry/nn/init.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::nn;

namespace {

struct Moments {
    double mean = 0.0, var = 0.0, min = 1e30, max = -1e30;
};

Moments moments(const Tensor& t) {
    Moments m;
    const float* v = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) {
        m.mean += v[i];
        m.min = std::min(m.min, static_cast<double>(v[i]));
        m.max = std::max(m.max, static_cast<double>(v[i]));
    }
    m.mean /= static_cast<double>(t.numel());
    for (int64_t i = 0; i < t.numel(); ++i) m.var += (v[i] - m.mean) * (v[i] - m.mean);
    m.var /= static_cast<double>(t.numel());
    return m;
}

// max |(W W^T)_ij - gain^2 delta_ij| over the flattened (rows, cols) matrix, rows <= cols.
double gram_error(const Tensor& w, double gain, bool rows_side) {
    const int64_t rows = w.size(0), cols = w.numel() / rows;
    const int64_t n = rows_side ? rows : cols, k = rows_side ? cols : rows;
    auto at = [&](int64_t i, int64_t j) {  // i-th vector, j-th component
        return static_cast<double>(rows_side ? w.data()[i * cols + j] : w.data()[j * cols + i]);
    };
    double worst = 0.0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double dot = 0.0;
            for (int64_t c = 0; c < k; ++c) dot += at(i, c) * at(j, c);
            worst = std::max(worst, std::abs(dot - (i == j ? gain * gain : 0.0)));
        }
    return worst;
}

}  // namespace

TEST_CASE("init: fans and gains follow PyTorch", "[nn]") {
    CHECK(init::calculate_fan_in_and_fan_out(Tensor::empty({64, 32})) == std::pair<int64_t, int64_t>{32, 64});
    CHECK(init::calculate_fan_in_and_fan_out(Tensor::empty({64, 3, 4, 5})) ==
          std::pair<int64_t, int64_t>{60, 1280});
    CHECK_THROWS_WITH(init::calculate_fan_in_and_fan_out(Tensor::empty({7})),
                      Catch::Contains("expected a tensor of rank >= 2, got shape (7)"));
    CHECK(init::calculate_gain(init::Nonlinearity::linear) == 1.0);
    CHECK(init::calculate_gain(init::Nonlinearity::conv_transpose2d) == 1.0);
    CHECK(init::calculate_gain(init::Nonlinearity::sigmoid) == 1.0);
    CHECK_THAT(init::calculate_gain(init::Nonlinearity::tanh), Catch::WithinRel(5.0 / 3.0));
    CHECK_THAT(init::calculate_gain(init::Nonlinearity::relu), Catch::WithinRel(std::sqrt(2.0)));
    CHECK_THAT(init::calculate_gain(init::Nonlinearity::leaky_relu),
               Catch::WithinRel(std::sqrt(2.0 / (1.0 + 1e-4))));
    CHECK_THAT(init::calculate_gain(init::Nonlinearity::leaky_relu, 0.2),
               Catch::WithinRel(std::sqrt(2.0 / 1.04)));
    CHECK(init::calculate_gain(init::Nonlinearity::selu) == 0.75);
}

TEST_CASE("init: kaiming and xavier draws have the prescribed variance", "[nn]") {
    Rng rng(11);
    // fan_in = 128 * 3 * 3 = 1152, fan_out = 256 * 9 = 2304; 294912 values.
    Tensor w = Tensor::empty({256, 128, 3, 3});
    const double fan_in = 1152, fan_out = 2304;

    SECTION("kaiming_uniform, relu, fan_in") {
        init::kaiming_uniform_(w, rng, 0.0, init::FanMode::fan_in, init::Nonlinearity::relu);
        const Moments m = moments(w);
        const double bound = std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(fan_in);
        CHECK_THAT(m.var, Catch::WithinRel(2.0 / fan_in, 0.02));
        CHECK(m.max <= bound);
        CHECK(m.min >= -bound);
        CHECK(std::abs(m.mean) < 1e-3);
    }
    SECTION("kaiming_uniform with PyTorch's layer default a = sqrt(5) is U(+-1/sqrt(fan_in))") {
        init::kaiming_uniform_(w, rng, std::sqrt(5.0));
        const Moments m = moments(w);
        CHECK_THAT(m.var, Catch::WithinRel(1.0 / (3.0 * fan_in), 0.02));
        CHECK(m.max <= 1.0 / std::sqrt(fan_in));
        CHECK(m.max > 0.99 / std::sqrt(fan_in));
    }
    SECTION("kaiming_normal, leaky_relu(0.2), fan_out") {
        init::kaiming_normal_(w, rng, 0.2, init::FanMode::fan_out);
        CHECK_THAT(moments(w).var, Catch::WithinRel(2.0 / (1.04 * fan_out), 0.02));
    }
    SECTION("xavier_uniform and xavier_normal with a gain") {
        init::xavier_uniform_(w, rng, 2.0);
        CHECK_THAT(moments(w).var, Catch::WithinRel(4.0 * 2.0 / (fan_in + fan_out), 0.02));
        CHECK(moments(w).max <= 2.0 * std::sqrt(6.0 / (fan_in + fan_out)));
        init::xavier_normal_(w, rng);
        CHECK_THAT(moments(w).var, Catch::WithinRel(2.0 / (fan_in + fan_out), 0.02));
    }
    SECTION("uniform, normal, constants") {
        init::uniform_(w, rng, -2.0, 4.0);
        Moments m = moments(w);
        CHECK_THAT(m.mean, Catch::WithinAbs(1.0, 0.02));
        CHECK_THAT(m.var, Catch::WithinRel(3.0, 0.02));
        CHECK(m.min >= -2.0);
        CHECK(m.max < 4.0);
        init::normal_(w, rng, 0.5, 0.02);
        m = moments(w);
        CHECK_THAT(m.mean, Catch::WithinAbs(0.5, 1e-3));
        CHECK_THAT(std::sqrt(m.var), Catch::WithinRel(0.02, 0.02));
        init::zeros_(w);
        CHECK(moments(w).max == 0.0);
        init::ones_(w);
        CHECK(moments(w).min == 1.0);
        init::constant_(w, -3.0);
        CHECK(moments(w).max == -3.0);
    }
}

TEST_CASE("init: the same seed gives the same values", "[nn]") {
    Rng a(5), b(5), c(6);
    Tensor x = Tensor::empty({16, 8}), y = Tensor::empty({16, 8}), z = Tensor::empty({16, 8});
    init::kaiming_uniform_(x, a);
    init::kaiming_uniform_(y, b);
    init::kaiming_uniform_(z, c);
    CHECK(x.to_vector() == y.to_vector());
    CHECK(x.to_vector() != z.to_vector());
    init::orthogonal_(x, a);
    init::orthogonal_(y, b);
    CHECK(x.to_vector() == y.to_vector());
}

TEST_CASE("init: orthogonal_ gives W W^T = gain^2 I (wide) and W^T W = gain^2 I (tall)", "[nn]") {
    Rng rng(3);
    Tensor wide = Tensor::empty({16, 8, 3, 3});  // (16, 72): orthonormal rows
    init::orthogonal_(wide, rng);
    CHECK(gram_error(wide, 1.0, true) < 1e-5);
    Tensor tall = Tensor::empty({100, 20});  // orthonormal columns
    init::orthogonal_(tall, rng, 1.5);
    CHECK(gram_error(tall, 1.5, false) < 1e-5);
    Tensor square = Tensor::empty({32, 32});
    init::orthogonal_(square, rng);
    CHECK(gram_error(square, 1.0, true) < 1e-5);
    CHECK(gram_error(square, 1.0, false) < 1e-5);
    CHECK_THROWS_WITH(init::orthogonal_(Tensor::empty({4}), rng),
                      Catch::Contains("orthogonal_: expected a tensor of rank >= 2, got shape (4)"));
}

TEST_CASE("init: bad arguments are refused with their values", "[nn]") {
    Rng rng(1);
    Tensor w = Tensor::empty({4, 4});
    CHECK_THROWS_WITH(init::uniform_(w, rng, 1.0, 1.0), Catch::Contains("expected a < b, got [1, 1)"));
    CHECK_THROWS_WITH(init::normal_(w, rng, 0.0, -1.0), Catch::Contains("expected std >= 0, got -1"));
    CHECK_THROWS_WITH(init::kaiming_normal_(Tensor::empty({3}), rng),
                      Catch::Contains("rank >= 2"));
}
