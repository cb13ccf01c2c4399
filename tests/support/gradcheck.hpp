// SPDX-License-Identifier: Apache-2.0
#pragma once
/// First- and second-order gradient checks against central finite differences (the op catalog's
/// harness, after ggml's test-backend-ops). The ops compute in f32, so the differences are taken
/// on f32 forwards and accumulated in double; eps and tolerances are per case.
#include <functional>
#include <string>
#include <vector>

#include "gantry/tensor.hpp"

namespace gantry::testing {

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct CheckOptions {
    double eps = 1e-2;   ///< finite-difference step
    double atol = 2e-3;  ///< |analytic - numeric| <= atol + rtol * |numeric|
    double rtol = 2e-2;
    uint64_t seed = 7;   ///< for the random projection weights
    /// gradcheck and gradgradcheck fail when every checked value is within atol of zero (a
    /// missing gradient would pass such a check); true accepts it, for a gradient that is zero
    /// by design (sign).
    bool allow_zero = false;
};

/// ok is false when an element differs by more than the tolerance, when a value on either side
/// is not finite, or (gradient checks) when every value is within atol of zero.
struct CheckResult {
    bool ok = true;
    std::string report;  ///< the worst element: input, flat index, both values
};

/// Compares autograd's d/d(inputs) of sum(f(inputs) * W) (W random, fixed) with finite differences.
/// Inputs must be leaves; the check marks them requires_grad.
CheckResult gradcheck(const OpFn& f, std::vector<Tensor> inputs, const CheckOptions& options = {});

/// The same for the gradient of a gradient: G(inputs) = sum_i <d(sum(f * W))/d(input_i), V_i>
/// (V random) is differentiated with autograd (create_graph) and with finite differences of G.
CheckResult gradgradcheck(const OpFn& f, std::vector<Tensor> inputs,
                          const CheckOptions& options = {});

/// Max-abs / allclose comparison of two tensors with a worst-element report.
CheckResult all_close(const Tensor& actual, const Tensor& expected, double atol = 1e-5,
                      double rtol = 1e-4);

}  // namespace gantry::testing
