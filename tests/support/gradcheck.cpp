// SPDX-License-Identifier: Apache-2.0
#include "support/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "gantry/random.hpp"

namespace gantry::testing {

namespace {
double dot(const Tensor& a, const Tensor& b) {
    double s = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        s += static_cast<double>(a.data()[i]) * static_cast<double>(b.data()[i]);
    return s;
}

struct Worst {
    double excess = -1;
    std::string where;
    void consider(double analytic, double numeric, const CheckOptions& o, size_t input,
                  int64_t index) {
        const double err = std::fabs(analytic - numeric);
        const double allowed = o.atol + o.rtol * std::fabs(numeric);
        const double excess_here = err - allowed;
        if (excess_here > excess || !std::isfinite(analytic)) {
            excess = std::isfinite(analytic) ? excess_here : 1e30;
            std::ostringstream out;
            out << "input " << input << " flat index " << index << ": autograd " << analytic
                << ", finite differences " << numeric << " (|diff| " << err << ", allowed "
                << allowed << ")";
            where = out.str();
        }
    }
    CheckResult result() const { return {excess <= 0, where}; }
};

/// Numeric d(scalar(inputs))/d(inputs[i][k]) by central differences, for every i, k.
template <typename Scalar>
std::vector<std::vector<double>> numeric_gradient(const Scalar& scalar, std::vector<Tensor>& inputs,
                                                  double eps) {
    std::vector<std::vector<double>> result;
    for (Tensor& x : inputs) {
        std::vector<double> g(static_cast<size_t>(x.numel()));
        float* p = x.data();
        for (int64_t k = 0; k < x.numel(); ++k) {
            const float saved = p[k];
            p[k] = static_cast<float>(saved + eps);
            const double plus = scalar();
            p[k] = static_cast<float>(saved - eps);
            const double minus = scalar();
            p[k] = saved;
            g[static_cast<size_t>(k)] = (plus - minus) / (2 * eps);
        }
        result.push_back(std::move(g));
    }
    return result;
}
}  // namespace

CheckResult gradcheck(const OpFn& f, std::vector<Tensor> inputs, const CheckOptions& o) {
    for (Tensor& x : inputs) x.requires_grad_(true);
    Rng rng(o.seed);
    const Tensor w = rng.uniform(f(inputs).shape(), -1.f, 1.f);
    std::vector<Tensor> analytic =
        autograd::grad({sum(f(inputs) * w)}, inputs, {.allow_unused = true});
    auto scalar = [&] {
        autograd::NoGradGuard no_grad;
        return dot(f(inputs), w);
    };
    auto numeric = numeric_gradient(scalar, inputs, o.eps);
    Worst worst;
    for (size_t i = 0; i < inputs.size(); ++i)
        for (int64_t k = 0; k < inputs[i].numel(); ++k)
            worst.consider(analytic[i].defined() ? analytic[i].data()[k] : 0.0,
                           numeric[i][static_cast<size_t>(k)], o, i, k);
    return worst.result();
}

CheckResult gradgradcheck(const OpFn& f, std::vector<Tensor> inputs, const CheckOptions& o) {
    for (Tensor& x : inputs) x.requires_grad_(true);
    Rng rng(o.seed);
    const Tensor w = rng.uniform(f(inputs).shape(), -1.f, 1.f);
    std::vector<Tensor> v;
    for (const Tensor& x : inputs) v.push_back(rng.uniform(x.shape(), -1.f, 1.f));

    // G = sum_i <dL/dx_i, v_i>, with the first-order gradients on the tape.
    auto build_g = [&](bool create_graph) {
        std::vector<Tensor> g = autograd::grad({sum(f(inputs) * w)}, inputs,
                                               {.create_graph = create_graph, .allow_unused = true});
        Tensor total;
        for (size_t i = 0; i < g.size(); ++i) {
            if (!g[i].defined()) continue;
            Tensor term = sum(g[i] * v[i]);
            total = total.defined() ? total + term : term;
        }
        return total;
    };
    const Tensor g_total = build_g(true);
    std::vector<Tensor> analytic;
    if (g_total.defined() && g_total.requires_grad())
        analytic = autograd::grad({g_total}, inputs, {.allow_unused = true});
    else
        analytic.resize(inputs.size());
    auto scalar = [&] {
        const Tensor g = build_g(false);
        return g.defined() ? static_cast<double>(g.item()) : 0.0;
    };
    auto numeric = numeric_gradient(scalar, inputs, o.eps);
    Worst worst;
    for (size_t i = 0; i < inputs.size(); ++i)
        for (int64_t k = 0; k < inputs[i].numel(); ++k)
            worst.consider(analytic[i].defined() ? analytic[i].data()[k] : 0.0,
                           numeric[i][static_cast<size_t>(k)], o, i, k);
    return worst.result();
}

CheckResult all_close(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
    if (actual.shape() != expected.shape())
        return {false, "shapes differ: " + actual.shape().str() + " vs " + expected.shape().str()};
    CheckOptions o;
    o.atol = atol;
    o.rtol = rtol;
    Worst worst;
    for (int64_t k = 0; k < actual.numel(); ++k)
        worst.consider(actual.data()[k], expected.data()[k], o, 0, k);
    if (worst.excess > 0) return worst.result();
    return {true, ""};
}

}  // namespace gantry::testing
