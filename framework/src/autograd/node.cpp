// SPDX-License-Identifier: Apache-2.0
#include "autograd/node.hpp"

#include "gantry/autograd.hpp"
#include "gantry/error.hpp"
#include "tensor/tensor_impl.hpp"

namespace gantry::autograd {

Tensor BackwardContext::output() const {
    GANTRY_ASSERT(node_.saved_output.defined());
    // A fresh handle on the saved storage whose grad_fn is this node: differentiating a rule
    // that uses the output goes back through the op itself.
    auto impl = std::make_shared<TensorImpl>(node_.output_shape,
                                             node_.saved_output.impl()->storage);
    impl->grad_fn = std::const_pointer_cast<Node>(node_.shared_from_this());
    return Tensor(std::move(impl));
}

std::vector<Tensor> Node::apply(const Tensor& grad, const std::vector<bool>& needs) const {
    GANTRY_CHECK(backward_ != nullptr, "autograd: backward through '", name_,
                 "' a second time: its tape was freed by an earlier backward; pass "
                 "retain_graph = true to the first call");
    BackwardContext ctx(*this, grad, needs);
    const PrecisionScope as_recorded(precision_);
    return backward_(ctx);
}

void Node::release() {
    inputs_.clear();
    backward_ = nullptr;
    saved_output = Tensor();
}

Tensor record(const char* name, Tensor output, std::vector<Tensor> inputs, BackwardFn backward,
              bool keep_output) {
    if (!grad_enabled()) return output;
    bool any = false;
    for (const Tensor& t : inputs) any = any || t.requires_grad();
    if (!any) return output;
    auto node = std::make_shared<Node>(name, std::move(inputs), std::move(backward));
    node->output_shape = output.shape();
    if (keep_output) node->saved_output = output.detach();
    output.impl()->grad_fn = std::move(node);
    return output;
}

}  // namespace gantry::autograd
