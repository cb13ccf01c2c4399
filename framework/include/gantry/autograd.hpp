// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Reverse-mode automatic differentiation on a tape of ops.
///
/// Every op's backward rule is written in differentiable ops, so the gradients computed with
/// `create_graph = true` are themselves on the tape and can be differentiated again (the gradient
/// of a gradient that WGAN-GP, R1 and DRAGAN need).
///
/// Example (a gradient penalty):
/// ```
/// Tensor x = x_hat.detach().requires_grad_();
/// Tensor g = autograd::grad({sum(critic(x))}, {x}, {.create_graph = true})[0];
/// Tensor penalty = mean(square(per_sample_norm(g) - 1.f));
/// autograd::backward(penalty);   // reaches the critic's weights through g
/// ```
#include <vector>

#include "gantry/tensor.hpp"

namespace gantry::autograd {

/// True while ops record themselves on the tape (the default). Thread-local.
bool grad_enabled();

/// Turns recording off for its lifetime: ops then cost no graph memory and no backward work.
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

/// Turns recording on for its lifetime (inside a NoGradGuard, for instance).
class EnableGradGuard {
public:
    EnableGradGuard();
    ~EnableGradGuard();
    EnableGradGuard(const EnableGradGuard&) = delete;
    EnableGradGuard& operator=(const EnableGradGuard&) = delete;

private:
    bool previous_;
};

struct GradOptions {
    /// One per output; an undefined entry (or an empty list) means ones for a one-element output.
    std::vector<Tensor> grad_outputs = {};
    /// Keep the tape after the call (default: only when create_graph).
    bool retain_graph = false;
    /// Record the backward computation itself, so the returned gradients are differentiable.
    bool create_graph = false;
    /// Return an undefined tensor for an input the outputs do not depend on, instead of throwing.
    bool allow_unused = false;
};

/// d(sum of outputs * grad_outputs)/d(inputs). Only the part of the tape that leads to `inputs` is
/// run; nothing is accumulated into any .grad().
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const GradOptions& options = {});

/// Accumulates d(output)/d(leaf) into leaf.grad() for every leaf that requires a gradient.
/// `output` must hold one element unless `grad_output` is given. Frees the tape unless
/// `retain_graph` (or `create_graph`, which records the backward pass itself).
void backward(const Tensor& output, const Tensor& grad_output = {}, bool retain_graph = false,
              bool create_graph = false);

}  // namespace gantry::autograd
