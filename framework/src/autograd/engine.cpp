// SPDX-License-Identifier: Apache-2.0
// The reverse-mode engine: order the tape, run each needed node's rule once, accumulate.
#include <algorithm>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "autograd/node.hpp"
#include "gantry/autograd.hpp"
#include "gantry/error.hpp"
#include "gantry/ops.hpp"
#include "tensor/tensor_impl.hpp"

namespace gantry::autograd {

namespace {
thread_local bool t_grad_enabled = true;

/// Which gradients a pass must produce: leaves (by identity) and non-leaf tensors (by the node
/// whose output they are).
struct Targets {
    bool all_leaves = false;  // backward(): every leaf that requires a gradient
    std::unordered_set<const TensorImpl*> leaves;
    std::unordered_set<const Node*> nodes;

    bool wants_leaf(const Tensor& t) const {
        return t.impl()->requires_grad && (all_leaves || leaves.count(t.impl()) > 0);
    }
};

class Pass {
public:
    explicit Pass(const Targets& targets) : targets_(targets) {}

    /// Orders every node reachable from `roots`, consumers before producers, and marks the ones
    /// whose rule must run to reach a target.
    void plan(const std::vector<Tensor>& roots) {
        std::vector<const Node*> postorder;
        std::unordered_set<const Node*> seen;
        // Iterative DFS: deep graphs (long chains of ops) must not overflow the stack.
        std::vector<std::pair<const Node*, size_t>> stack;
        for (const Tensor& root : roots) {
            const Node* n = root.grad_fn().get();
            if (!n || !seen.insert(n).second) continue;
            stack.emplace_back(n, 0);
            while (!stack.empty()) {
                auto& [node, next] = stack.back();
                if (next < node->inputs().size()) {
                    const Tensor& input = node->inputs()[next++];
                    const Node* child = input.defined() ? input.grad_fn().get() : nullptr;
                    if (child && seen.insert(child).second) stack.emplace_back(child, 0);
                } else {
                    postorder.push_back(node);
                    stack.pop_back();
                }
            }
        }
        // Releasing a node drops its inputs, which may own the only reference to the nodes
        // below it: the pass holds every node until it ends.
        for (const Node* node : postorder)
            alive_.push_back(const_cast<Node*>(node)->shared_from_this());
        // Producers come first in postorder, so a node's inputs are decided before the node.
        for (const Node* node : postorder) {
            // A released node is kept so that apply() can say its tape was freed.
            bool needed = node->released();
            for (const Tensor& input : node->inputs()) needed = needed || reaches(input);
            if (needed) needed_.insert(node);
        }
        order_.assign(postorder.rbegin(), postorder.rend());
    }

    /// True when a gradient flowing into `t` can reach a target.
    bool reaches(const Tensor& t) const {
        if (!t.defined()) return false;
        const Node* producer = t.impl()->grad_fn.get();
        if (!producer) return targets_.wants_leaf(t);
        return targets_.nodes.count(producer) > 0 || needed_.count(producer) > 0;
    }

    void seed(const Tensor& root, const Tensor& grad) { accumulate(root, grad); }

    void run(bool retain_graph) {
        for (const Node* node : order_) {
            auto it = node_grads_.find(node);
            if (it == node_grads_.end() || !needed_.count(node)) continue;
            const Tensor grad = it->second;
            std::vector<bool> needs;
            for (const Tensor& input : node->inputs()) needs.push_back(reaches(input));
            std::vector<Tensor> grads = node->apply(grad, needs);
            GANTRY_ASSERT(grads.size() == node->inputs().size());
            for (size_t i = 0; i < grads.size(); ++i) {
                if (!needs[i] || !grads[i].defined()) continue;
                const Tensor& input = node->inputs()[i];
                GANTRY_CHECK(grads[i].shape() == input.shape(), "autograd: the rule of '",
                             node->name(), "' returned a gradient of shape ", grads[i].shape(),
                             " for input ", i, " of shape ", input.shape(), " (a Gantry bug)");
                accumulate(input, grads[i]);
            }
            if (!retain_graph) const_cast<Node*>(node)->release();
        }
    }

    Tensor grad_of(const Tensor& t) const {
        const Node* producer = t.impl()->grad_fn.get();
        if (producer) {
            auto it = node_grads_.find(producer);
            return it == node_grads_.end() ? Tensor() : it->second;
        }
        auto it = leaf_grads_.find(t.impl());
        return it == leaf_grads_.end() ? Tensor() : it->second;
    }

    const std::unordered_map<const TensorImpl*, Tensor>& leaf_grads() const { return leaf_grads_; }
    const std::unordered_map<const TensorImpl*, Tensor>& leaves() const { return leaf_handles_; }

private:
    void accumulate(const Tensor& t, const Tensor& grad) {
        const Node* producer = t.impl()->grad_fn.get();
        if (producer) {
            auto [it, fresh] = node_grads_.try_emplace(producer, grad);
            if (!fresh) it->second = add(it->second, grad);
            return;
        }
        if (!t.impl()->requires_grad) return;
        leaf_handles_.try_emplace(t.impl(), t);
        auto [it, fresh] = leaf_grads_.try_emplace(t.impl(), grad);
        if (!fresh) it->second = add(it->second, grad);
    }

    const Targets& targets_;
    std::vector<const Node*> order_;
    std::vector<std::shared_ptr<Node>> alive_;
    std::unordered_set<const Node*> needed_;
    std::unordered_map<const Node*, Tensor> node_grads_;
    std::unordered_map<const TensorImpl*, Tensor> leaf_grads_;
    std::unordered_map<const TensorImpl*, Tensor> leaf_handles_;
};

Tensor default_grad_output(const Tensor& output, const Tensor& given, const char* where) {
    if (given.defined()) {
        GANTRY_CHECK_AS(ShapeError, given.shape() == output.shape(), where,
                        ": grad_output of shape ", given.shape(), " for an output of shape ",
                        output.shape());
        return given;
    }
    GANTRY_CHECK_AS(ShapeError, output.numel() == 1, where,
                    ": the output has shape ", output.shape(),
                    "; a gradient can be implied only for a one-element output, pass grad_output");
    return Tensor::ones(output.shape());
}
}  // namespace

bool grad_enabled() { return t_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }
EnableGradGuard::EnableGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { t_grad_enabled = previous_; }

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const GradOptions& options) {
    GANTRY_CHECK(options.grad_outputs.empty() || options.grad_outputs.size() == outputs.size(),
                 "autograd::grad: ", outputs.size(), " outputs but ",
                 options.grad_outputs.size(), " grad_outputs");
    Targets targets;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor& input = inputs[i];
        GANTRY_CHECK(input.defined() && input.requires_grad(), "autograd::grad: input ", i,
                     " does not require a gradient; call requires_grad_() on it before the "
                     "forward pass");
        if (input.is_leaf()) targets.leaves.insert(input.impl());
        else targets.nodes.insert(input.grad_fn().get());
    }
    Pass pass(targets);
    {
        // Building the plan and the seeds records nothing.
        NoGradGuard no_grad;
        pass.plan(outputs);
    }
    const bool retain = options.retain_graph || options.create_graph;
    {
        NoGradGuard no_grad;
        std::unique_ptr<EnableGradGuard> record;
        if (options.create_graph) record = std::make_unique<EnableGradGuard>();
        for (size_t i = 0; i < outputs.size(); ++i) {
            GANTRY_CHECK(outputs[i].defined(), "autograd::grad: output ", i, " is undefined");
            if (!outputs[i].requires_grad()) continue;
            pass.seed(outputs[i],
                      default_grad_output(outputs[i],
                                          options.grad_outputs.empty() ? Tensor()
                                                                       : options.grad_outputs[i],
                                          "autograd::grad"));
        }
        pass.run(retain);
    }
    std::vector<Tensor> result;
    for (size_t i = 0; i < inputs.size(); ++i) {
        Tensor g = pass.grad_of(inputs[i]);
        GANTRY_CHECK(g.defined() || options.allow_unused, "autograd::grad: input ", i,
                     " (shape ", inputs[i].shape(),
                     ") was not used to compute the outputs; pass allow_unused = true if that is "
                     "expected");
        result.push_back(options.create_graph || !g.defined() ? g : g.detach());
    }
    return result;
}

void backward(const Tensor& output, const Tensor& grad_output, bool retain_graph,
              bool create_graph) {
    GANTRY_CHECK(output.defined(), "autograd::backward: the output is undefined");
    GANTRY_CHECK(output.requires_grad(), "autograd::backward: the output does not require a "
                 "gradient (no input of its computation required one, or it was computed with "
                 "recording off)");
    Targets targets;
    targets.all_leaves = true;
    Pass pass(targets);
    {
        NoGradGuard no_grad;
        pass.plan({output});
        std::unique_ptr<EnableGradGuard> record;
        if (create_graph) record = std::make_unique<EnableGradGuard>();
        pass.seed(output, default_grad_output(output, grad_output, "autograd::backward"));
        pass.run(retain_graph || create_graph);
    }
    NoGradGuard no_grad;
    std::unique_ptr<EnableGradGuard> record;
    if (create_graph) record = std::make_unique<EnableGradGuard>();
    for (const auto& [impl, g] : pass.leaf_grads()) {
        Tensor leaf = pass.leaves().at(impl);
        Tensor total = g;
        if (leaf.grad().defined()) total = add(leaf.grad(), g);
        leaf.set_grad(create_graph ? total : total.detach());
    }
}

}  // namespace gantry::autograd
