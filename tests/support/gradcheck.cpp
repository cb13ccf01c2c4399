// SPDX-License-Identifier: Apache-2.0
#include "support/gradcheck.hpp"

#include <algorithm>
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

/// The worst element of a comparison, and the largest magnitude seen. A non-finite value on
/// either side fails: |inf - inf| is NaN, and NaN compares false with any tolerance, so an
/// infinite finite difference would otherwise pass unnoticed.
struct Worst {
    double excess = -1;
    double largest = 0;  ///< max |analytic|, |numeric| over the finite values
    std::string where;
    void consider(double analytic, double numeric, const CheckOptions& o, size_t input,
                  int64_t index) {
        const bool finite = std::isfinite(analytic) && std::isfinite(numeric);
        const double err = std::fabs(analytic - numeric);
        const double allowed = o.atol + o.rtol * std::fabs(numeric);
        const double excess_here = finite ? err - allowed : 1e30;
        if (finite) largest = std::max({largest, std::fabs(analytic), std::fabs(numeric)});
        if (excess_here > excess) {
            excess = excess_here;
            std::ostringstream out;
            out << "input " << input << " flat index " << index << ": autograd " << analytic
                << ", finite differences " << numeric << " (|diff| " << err << ", allowed "
                << allowed << ")";
            where = out.str();
        }
    }
    CheckResult result() const { return {excess <= 0, where}; }
    /// result(), and a failure when every checked value is within atol of zero: such a check
    /// passes on a gradient that is missing altogether.
    CheckResult gradient_result(const CheckOptions& o) const {
        if (excess > 0 || o.allow_zero || largest > o.atol) return result();
        std::ostringstream out;
        out << "every checked gradient is within atol " << o.atol << " of zero (largest |value| "
            << largest << "): the check cannot tell this gradient from a missing one; check the "
            << "op through a curvature (square, tanh) or set allow_zero for a zero gradient by design";
        return {false, out.str()};
    }
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

/// Autograd's gradients (an undefined one counts as zero) against the finite differences.
CheckResult compare(const std::vector<Tensor>& analytic, const std::vector<std::vector<double>>& numeric,
                    const CheckOptions& o) {
    Worst worst;
    for (size_t i = 0; i < numeric.size(); ++i)
        for (size_t k = 0; k < numeric[i].size(); ++k)
            worst.consider(analytic[i].defined() ? analytic[i].data()[k] : 0.0, numeric[i][k], o, i,
                           static_cast<int64_t>(k));
    return worst.gradient_result(o);
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
    return compare(analytic, numeric, o);
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
    return compare(analytic, numeric, o);
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
