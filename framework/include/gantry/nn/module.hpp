// SPDX-License-Identifier: Apache-2.0
#pragma once
/// gantry::nn::Module, the base of every layer and network (after torch::nn::Module).
///
/// A module owns three kinds of named state, each kept in registration order:
///  - parameters: leaf tensors that an optimizer updates (requires_grad by default);
///  - buffers: tensors that are state but not trained (BatchNorm's running statistics,
///    SpectralNorm's u and v); they never require a gradient;
///  - submodules: children held by shared_ptr, so a layer can be shared and kept by its owner.
/// Recursive listings use dotted names ("0.weight", "block.conv.weight"), parents' own entries
/// first, then each child's in registration order, as PyTorch does.
///
/// Unlike PyTorch there is no XImpl/holder pair: a module is an ordinary class used through
/// std::shared_ptr, and modules are not copyable (a copy would silently share its parameters).
///
/// Example:
/// ```
/// class Critic : public nn::Module {
/// public:
///     explicit Critic(Rng& rng) : Module("Critic") {
///         fc1 = register_module("fc1", std::make_shared<nn::Linear>(nn::LinearOptions{2, 64}, rng));
///         fc2 = register_module("fc2", std::make_shared<nn::Linear>(nn::LinearOptions{64, 1}, rng));
///     }
///     using Module::forward;
///     Tensor forward(const Tensor& x) override { return (*fc2)(leaky_relu((*fc1)(x), 0.2f)); }
///     std::shared_ptr<nn::Linear> fc1, fc2;
/// };
/// ```
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/tensor.hpp"

namespace gantry::nn {

/// Named tensors in registration order (what named_parameters() and named_buffers() return).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
public:
    /// `name` is the type name shown by the printer ("Linear", "Sequential", ...).
    explicit Module(std::string name = "Module");
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    /// The type name given at construction.
    const std::string& name() const { return name_; }

    // ---- forward ------------------------------------------------------------------------------

    /// The module's computation. The base version throws: a module that is only a container
    /// (or only a class-conditional one) need not define it.
    virtual Tensor forward(const Tensor& x);
    /// The class-conditional form: `labels` (N) holds integer class indices as floats. The base
    /// version throws if `labels` is defined (this module would silently ignore them) and
    /// otherwise calls forward(x). Conditional modules (conditional BatchNorm, projection
    /// discriminators) override it. A subclass overriding one overload should say
    /// `using Module::forward;` to keep the other visible.
    virtual Tensor forward(const Tensor& x, const Tensor& labels);
    /// forward(x), through the virtual call.
    Tensor operator()(const Tensor& x) { return forward(x); }
    /// forward(x, labels), through the virtual call.
    Tensor operator()(const Tensor& x, const Tensor& labels) { return forward(x, labels); }

    // ---- state listings -----------------------------------------------------------------------

    /// The parameters, this module's own first, then each child's (when `recurse`).
    std::vector<Tensor> parameters(bool recurse = true) const;
    /// The parameters with dotted names relative to this module.
    NamedTensors named_parameters(bool recurse = true) const;
    /// The buffers (never requiring a gradient), in the same order as parameters().
    std::vector<Tensor> buffers(bool recurse = true) const;
    NamedTensors named_buffers(bool recurse = true) const;
    /// The direct submodules in registration order.
    std::vector<std::shared_ptr<Module>> children() const;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
    /// Every module of the tree below this one, depth first, with dotted names (this module
    /// itself is not included).
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;

    /// Calls `fn` on this module, then on every descendant depth first (the C++ frontend's
    /// order). The usual way to initialise by layer type:
    /// `net.apply([&](nn::Module& m) { if (auto* c = dynamic_cast<nn::Conv2d*>(&m))
    ///     nn::init::normal_(c->weight, rng, 0.0, 0.02); });`
    void apply(const std::function<void(Module&)>& fn);

    // ---- mode and gradients -------------------------------------------------------------------

    /// Sets training mode on this module and every descendant. Virtual so that a module can
    /// react (the base behaviour must be kept: call Module::train).
    virtual void train(bool on = true);
    /// train(false).
    void eval() { train(false); }
    bool is_training() const { return training_; }

    /// Marks every parameter (recursively) as wanting a gradient or not; false freezes the
    /// network: a backward pass then leaves its parameters' grad() undefined.
    void requires_grad_(bool on = true);
    /// Forgets the gradient of every parameter (PyTorch's zero_grad(set_to_none=True)).
    void zero_grad();

    // ---- state dict ---------------------------------------------------------------------------

    /// Parameters and buffers by dotted name. The values are the live tensors (no copy): clone
    /// them to keep a snapshot. The type is identical to gantry::StateDict of serialize.hpp, so
    /// `save_state_dict(path, net.state_dict())` and
    /// `net.load_state_dict(load_state_dict(path))` save and restore a network.
    std::map<std::string, Tensor> state_dict() const;
    /// Copies `state`'s values into the existing parameters and buffers in place, so every
    /// handle held elsewhere (an optimizer's, a wrapper's) stays valid. Throws gantry::Error
    /// listing every missing and unexpected key when `strict`, and ShapeError naming the key and
    /// both shapes on a shape mismatch (also when not strict). Nothing is copied on an error.
    void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

    // ---- printing -----------------------------------------------------------------------------

    /// The module's options for the printer ("in_features=2, out_features=64, bias=true");
    /// empty by default.
    virtual std::string extra_repr() const { return {}; }
    /// The tree, as PyTorch prints it: "Sequential(\n  (0): Linear(in_features=2, ...)\n)".
    std::string repr() const;
    /// One line per parameter and buffer with its shape, and the number of trained values.
    std::string summary() const;

    // ---- registration (public, as in PyTorch, so that a container can be filled from outside) -

    /// Registers `tensor` as parameter `name` and marks it requires_grad(`requires_grad`).
    /// It must be a defined leaf (detach() an op's result first). Returns the same handle.
    Tensor register_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
    /// Registers `tensor` as buffer `name` (a defined leaf; requires_grad is turned off).
    Tensor register_buffer(const std::string& name, Tensor tensor);
    /// Registers `module` as child `name`. Returns the same pointer, typed.
    template <typename M>
    std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
        add_child(name, module);
        return module;
    }

private:
    void check_new_name(const std::string& name, const char* what) const;
    void add_child(const std::string& name, std::shared_ptr<Module> module);
    void collect(const std::string& prefix, bool recurse, bool want_parameters,
                 NamedTensors& out) const;
    void print(std::ostream& out, int indent) const;

    std::string name_;
    bool training_ = true;
    NamedTensors parameters_;
    NamedTensors buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

/// Writes module.repr().
std::ostream& operator<<(std::ostream& out, const Module& module);

}  // namespace gantry::nn
