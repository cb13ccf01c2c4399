// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The tape: one Node per recorded op. Internal to the core; ops create nodes with record().
#include <functional>
#include <memory>
#include <vector>

#include "gantry/precision.hpp"
#include "gantry/tensor.hpp"

namespace gantry::autograd {

class Node;

/// What a backward rule sees: the gradient of the op's output, which inputs need a gradient, and
/// the op's output (reconnected to this node, so that rules using it stay differentiable).
class BackwardContext {
public:
    BackwardContext(const Node& node, const Tensor& grad, const std::vector<bool>& needs)
        : node_(node), grad_(grad), needs_(needs) {}
    const Tensor& grad() const { return grad_; }
    bool needs(size_t input) const { return needs_[input]; }
    /// The op's output; only valid for ops recorded with keep_output.
    Tensor output() const;

private:
    const Node& node_;
    const Tensor& grad_;
    const std::vector<bool>& needs_;
};

/// Gradients for each input, in order; an undefined tensor where !needs(i).
using BackwardFn = std::function<std::vector<Tensor>(const BackwardContext&)>;

class Node : public std::enable_shared_from_this<Node> {
public:
    Node(const char* name, std::vector<Tensor> inputs, BackwardFn backward)
        : name_(name), inputs_(std::move(inputs)), backward_(std::move(backward)), precision_(precision()) {}

    const char* name() const { return name_; }
    const std::vector<Tensor>& inputs() const { return inputs_; }
    bool released() const { return !backward_; }

    /// Runs the backward rule in the precision the op was recorded in (so the gradients of a
    /// forward under a PrecisionScope are computed in that precision, wherever backward() is called).
    std::vector<Tensor> apply(const Tensor& grad, const std::vector<bool>& needs) const;
    /// Frees what the node holds for backward (after a backward without retain_graph).
    void release();

    /// The output saved with keep_output: its storage, without autograd identity (a cycle
    /// output -> node -> output would otherwise never be freed).
    Tensor saved_output;
    Shape output_shape;

private:
    const char* name_;
    std::vector<Tensor> inputs_;
    BackwardFn backward_;
    Precision precision_;
};

/// Puts `output` on the tape as the result of op `name` applied to `inputs` when recording is on
/// and some input requires a gradient; returns `output` either way. `keep_output` lets the rule
/// call ctx.output().
Tensor record(const char* name, Tensor output, std::vector<Tensor> inputs, BackwardFn backward,
              bool keep_output = false);

}  // namespace gantry::autograd
