// SPDX-License-Identifier: Apache-2.0
// SpectralNorm (Miyato et al. 2018) against singular values computed here in double, and its
// gradient against finite differences. Most cases wrap a test layer built from broadcasting
// ops; the last one wraps nn::Linear and needs the linear op.
#include <cmath>

#include "gantry/autograd.hpp"
#include "gantry/nn/init.hpp"
#include "gantry/nn/spectral_norm.hpp"
#include "gantry/ops.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

// y = x W^T through broadcasting (N, 1, in) * (1, out, in) summed over in: a WeightedModule that
// needs no matmul.
class BroadcastLinear : public nn::WeightedModule {
public:
    BroadcastLinear(int64_t in, int64_t out) : WeightedModule("BroadcastLinear") {
        weight = register_parameter("weight", Tensor::zeros({out, in}));
    }
    using WeightedModule::forward;
    Tensor forward_with_weight(const Tensor& x, const Tensor& w) override {
        return sum(reshape(x, {x.size(0), 1, x.size(1)}) * reshape(w, {1, w.size(0), w.size(1)}),
                   {2});
    }
    void reset_parameters(Rng&) override {}
};

using Matrix = std::vector<std::vector<double>>;

// The weight as W_mat (out, rest), output axis first, the other axes flattened in order.
Matrix weight_matrix(const Tensor& w, int axis) {
    int64_t before = 1, after = 1;
    for (int i = 0; i < axis; ++i) before *= w.size(i);
    for (int i = axis + 1; i < w.rank(); ++i) after *= w.size(i);
    const int64_t out = w.size(axis);
    Matrix m(static_cast<size_t>(out), std::vector<double>(static_cast<size_t>(before * after)));
    for (int64_t a = 0; a < before; ++a)
        for (int64_t o = 0; o < out; ++o)
            for (int64_t b = 0; b < after; ++b)
                m[o][a * after + b] = w.data()[(a * out + o) * after + b];
    return m;
}

// The largest singular value, by many power iterations on M^T M from a fixed dense start.
double top_singular_value(const Matrix& m) {
    const size_t rows = m.size(), cols = m[0].size();
    std::vector<double> v(cols, 1.0), mv(rows);
    double sigma = 0.0;
    for (int it = 0; it < 2000; ++it) {
        for (size_t r = 0; r < rows; ++r) {
            mv[r] = 0.0;
            for (size_t c = 0; c < cols; ++c) mv[r] += m[r][c] * v[c];
        }
        std::fill(v.begin(), v.end(), 0.0);
        for (size_t r = 0; r < rows; ++r)
            for (size_t c = 0; c < cols; ++c) v[c] += m[r][c] * mv[r];
        double norm = 0.0;
        for (double x : v) norm += x * x;
        norm = std::sqrt(norm);
        sigma = std::sqrt(norm);  // ||M^T M v|| -> sigma^2 for a unit v
        for (double& x : v) x /= norm;
    }
    return sigma;
}

// Q1 diag(3, 2, 1) Q2 as a (4, 3) weight: singular values 3, 2, 1, no structure to exploit.
Tensor known_weight(Rng& rng) {
    Tensor q1 = Tensor::empty({4, 4}), q2 = Tensor::empty({3, 3});
    nn::init::orthogonal_(q1, rng);
    nn::init::orthogonal_(q2, rng);
    const double s[3] = {3.0, 2.0, 1.0};
    std::vector<float> w(12);
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 3; ++c) {
            double value = 0.0;
            for (int k = 0; k < 3; ++k) value += q1.data()[r * 4 + k] * s[k] * q2.data()[k * 3 + c];
            w[r * 3 + c] = static_cast<float>(value);
        }
    return Tensor::from_vector({4, 3}, w);
}

double norm(const Tensor& t) {
    double out = 0.0;
    for (float v : t.to_vector()) out += static_cast<double>(v) * v;
    return std::sqrt(out);
}

}  // namespace

TEST_CASE("SpectralNorm: sigma converges to the largest singular value", "[nn]") {
    Rng rng(1);
    auto inner = std::make_shared<BroadcastLinear>(3, 4);
    inner->weight.copy_from(known_weight(rng));
    nn::SpectralNorm sn(inner, rng);
    CHECK(sn.weight_u.shape() == Shape{4});
    CHECK(sn.weight_v.shape() == Shape{3});
    CHECK_THAT(norm(sn.weight_u), Catch::WithinAbs(1.0, 1e-6));
    CHECK_THAT(norm(sn.weight_v), Catch::WithinAbs(1.0, 1e-6));

    SECTION("by explicit power iterations") {
        sn.power_iteration(100);
        CHECK_THAT(sn.sigma().item(), Catch::WithinRel(3.0, 1e-5));
    }
    SECTION("by training forwards, one iteration each") {
        const Tensor x = random_tensor({2, 3}, 2);
        for (int step = 0; step < 60; ++step) sn(x);
        CHECK_THAT(sn.sigma().item(), Catch::WithinRel(3.0, 1e-4));
        // The output is the layer applied with W / sigma.
        const Tensor expected = inner->forward_with_weight(x, inner->weight / 3.f);
        GANTRY_REQUIRE_CHECK(all_close(sn(x), expected, 1e-5, 1e-4));
    }
    const Tensor normalized = sn.normalize(inner->weight);
    CHECK_THAT(top_singular_value(weight_matrix(normalized, 0)), Catch::WithinRel(1.0, 1e-4));
    // sigma is a lower bound of the spectral norm even before convergence (Miyato et al.).
    nn::SpectralNorm fresh(inner, rng);
    CHECK(fresh.sigma().item() <= 3.f + 1e-5f);
}

TEST_CASE("SpectralNorm: training updates u and v in place and eval mode does not", "[nn]") {
    Rng rng(3);
    auto inner = std::make_shared<BroadcastLinear>(5, 3);
    nn::init::normal_(inner->weight, rng);
    auto sn = std::make_shared<nn::SpectralNorm>(inner, rng,
                                                 nn::SpectralNormOptions{.n_power_iterations = 2});
    const Tensor u_handle = sn->weight_u;
    const std::vector<float> u0 = sn->weight_u.to_vector(), v0 = sn->weight_v.to_vector();
    const Tensor x = random_tensor({2, 5}, 4);
    sn->eval();
    const Tensor y_eval = (*sn)(x);
    CHECK(sn->weight_u.to_vector() == u0);
    CHECK(sn->weight_v.to_vector() == v0);
    sn->train();
    (*sn)(x);
    CHECK(sn->weight_u.to_vector() != u0);
    CHECK(sn->weight_v.to_vector() != v0);
    CHECK(sn->weight_u.is_same(u_handle));
    CHECK_THAT(norm(sn->weight_u), Catch::WithinAbs(1.0, 1e-5));
    CHECK_THROWS_WITH((nn::SpectralNormOptions{.n_power_iterations = -1}.validate()),
                      Catch::Contains("n_power_iterations must be non-negative, got -1"));
    CHECK_THROWS_WITH((nn::SpectralNormOptions{.eps = 0.f}.validate()),
                      Catch::Contains("eps must be positive, got 0"));
}

TEST_CASE("SpectralNorm: u and v are buffers saved in the state dict", "[nn]") {
    Rng rng(5);
    auto sn = std::make_shared<nn::SpectralNorm>(std::make_shared<BroadcastLinear>(3, 2), rng);
    nn::Sequential net{sn, std::make_shared<nn::ReLU>()};
    std::vector<std::string> keys;
    for (const auto& entry : net.state_dict()) keys.push_back(entry.first);
    CHECK(keys == std::vector<std::string>{"0.module.weight", "0.weight_u", "0.weight_v"});
    CHECK(net.named_parameters().size() == 1);
    CHECK(net.repr() ==
          "Sequential(\n  (0): SpectralNorm(n_power_iterations=1, eps=1e-12\n"
          "    (module): BroadcastLinear()\n  )\n  (1): ReLU()\n)");

    std::map<std::string, Tensor> saved;
    for (const auto& [key, t] : net.state_dict()) saved.emplace(key, t.clone());
    sn->power_iteration(3);
    CHECK(sn->weight_u.to_vector() != saved.at("0.weight_u").to_vector());
    net.load_state_dict(saved);
    CHECK(sn->weight_u.to_vector() == saved.at("0.weight_u").to_vector());
    CHECK(sn->weight_v.to_vector() == saved.at("0.weight_v").to_vector());
}

TEST_CASE("SpectralNorm: convolution weights and ConvTranspose2d normalised along axis 1", "[nn]") {
    Rng rng(7);
    SECTION("Conv2d: W_mat is (Cout, Cin kH kW)") {
        auto conv = std::make_shared<nn::Conv2d>(
            nn::Conv2dOptions{.in_channels = 3, .out_channels = 5, .kernel_size = 3}, rng);
        nn::SpectralNorm sn(conv, rng);
        CHECK(sn.weight_u.shape() == Shape{5});
        CHECK(sn.weight_v.shape() == Shape{27});
        sn.power_iteration(200);
        CHECK_THAT(sn.sigma().item(),
                   Catch::WithinRel(top_singular_value(weight_matrix(conv->weight, 0)), 1e-4));
    }
    SECTION("ConvTranspose2d: W_mat is (Cout, Cin kH kW), as PyTorch's dim=1") {
        auto up = std::make_shared<nn::ConvTranspose2d>(
            nn::ConvTranspose2dOptions{.in_channels = 4, .out_channels = 3, .kernel_size = 2},
            rng);
        nn::SpectralNorm sn(up, rng);
        CHECK(sn.weight_u.shape() == Shape{3});
        CHECK(sn.weight_v.shape() == Shape{16});
        sn.power_iteration(200);
        const double expected = top_singular_value(weight_matrix(up->weight, 1));
        CHECK_THAT(sn.sigma().item(), Catch::WithinRel(expected, 1e-4));
        // Axis 0 would be a different matrix with a different norm.
        CHECK(std::abs(expected - top_singular_value(weight_matrix(up->weight, 0))) > 1e-3);
        const Tensor normalized = sn.normalize(up->weight);
        CHECK_THAT(top_singular_value(weight_matrix(normalized, 1)), Catch::WithinRel(1.0, 1e-4));
    }
}

TEST_CASE("SpectralNorm: gradient through sigma matches finite differences with u and v frozen",
          "[nn][autograd]") {
    Rng rng(9);
    auto inner = std::make_shared<BroadcastLinear>(3, 4);
    nn::init::normal_(inner->weight, rng);
    nn::SpectralNorm sn(inner, rng);
    sn.power_iteration(3);
    sn.eval();
    const Tensor x = random_tensor({2, 3}, 10);
    GANTRY_REQUIRE_CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return sn.normalize(in[0]); },
        {random_tensor({4, 3}, 11)}));
    GANTRY_REQUIRE_CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) {
            return inner->forward_with_weight(in[1], sn.normalize(in[0]));
        },
        {random_tensor({4, 3}, 12), x.clone()}));

    // The sigma term matters: holding sigma constant gives a different gradient.
    Tensor w = inner->weight;
    const Tensor r = random_tensor({4, 3}, 13);
    const Tensor full = autograd::grad({sum(sn.normalize(w) * r)}, {w})[0];
    const Tensor frozen = autograd::grad({sum(w / sn.sigma(w).detach() * r)}, {w})[0];
    CHECK_FALSE(all_close(full, frozen, 1e-4, 1e-3).ok);

    // Backward through the module reaches the inner weight and never the buffers.
    sn.train();
    autograd::backward(sum(sn(x)));
    CHECK(inner->weight.grad().defined());
    CHECK_FALSE(sn.weight_u.grad().defined());
    CHECK_FALSE(sn.weight_v.grad().defined());
}

TEST_CASE("SpectralNorm: second-order gradient through sigma (WGAN-GP on an SN critic)",
          "[nn][autograd]") {
    Rng rng(17);
    auto inner = std::make_shared<BroadcastLinear>(3, 2);
    nn::init::normal_(inner->weight, rng);  // u and v come from it: a zero weight gives sigma 0
    nn::SpectralNorm sn(inner, rng);
    sn.power_iteration(2);
    GANTRY_REQUIRE_CHECK(gradgradcheck(
        [&](const std::vector<Tensor>& in) {
            return inner->forward_with_weight(in[1], sn.normalize(in[0]));
        },
        {random_tensor({2, 3}, 18), random_tensor({4, 3}, 19)}));
}

TEST_CASE("SpectralNorm: a later training forward leaves an earlier graph's gradient unchanged",
          "[nn][autograd]") {
    // D on real, then D on fake, then one backward: the second forward's power iteration updates
    // u and v in place while the first graph still needs the values it used.
    Rng rng(20);
    auto inner = std::make_shared<BroadcastLinear>(4, 3);
    nn::init::normal_(inner->weight, rng);
    nn::SpectralNorm sn(inner, rng);
    const Tensor x = random_tensor({2, 4}, 21);
    const Tensor first = sum(sn(x));
    const Tensor u1 = sn.weight_u.clone(), v1 = sn.weight_v.clone();
    sn(random_tensor({2, 4}, 22));
    REQUIRE(sn.weight_u.to_vector() != u1.to_vector());
    const Tensor grad_first = autograd::grad({first}, {inner->weight})[0];

    sn.weight_u.copy_from(u1);
    sn.weight_v.copy_from(v1);
    sn.eval();
    const Tensor expected = autograd::grad({sum(sn(x))}, {inner->weight})[0];
    GANTRY_REQUIRE_CHECK(all_close(grad_first, expected, 1e-6, 1e-5));
}

TEST_CASE("SpectralNorm: wrapping nn::Linear passes gradcheck of the output wrt the weight",
          "[nn][autograd]") {
    Rng rng(14);
    auto fc = std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 3, .out_features = 2}, rng);
    nn::SpectralNorm sn(fc, rng);
    const Tensor x = random_tensor({4, 3}, 15);
    (*fc)(x);  // the plain layer works alongside its wrapper
    sn.power_iteration(5);
    sn.eval();
    GANTRY_REQUIRE_CHECK(all_close(sn(x), linear(x, fc->weight / sn.sigma(), fc->bias)));
    GANTRY_REQUIRE_CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return fc->forward_with_weight(x, sn.normalize(in[0])); },
        {random_tensor({2, 3}, 16)}));
}
