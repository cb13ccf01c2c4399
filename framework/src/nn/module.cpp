// SPDX-License-Identifier: Apache-2.0
#include "gantry/nn/module.hpp"

#include <ostream>
#include <set>
#include <sstream>

namespace gantry::nn {

Module::Module(std::string name) : name_(std::move(name)) {}

Tensor Module::forward(const Tensor&) {
    throw Error(detail::concat(name_, ": this module defines no forward(x); a Module subclass must override forward"));
}

Tensor Module::forward(const Tensor& x, const Tensor& labels) {
    // Dropping labels silently would turn a conditional GAN into an unconditional one.
    GANTRY_CHECK(!labels.defined(), name_,
                 ": this module takes no class labels, got labels of shape ", labels.shape(),
                 "; call forward(x) or use a class-conditional module");
    return forward(x);
}

void Module::check_new_name(const std::string& name, const char* what) const {
    GANTRY_CHECK(!name.empty(), name_, ": a ", what, " name must not be empty");
    GANTRY_CHECK(name.find('.') == std::string::npos, name_, ": a ", what,
                 " name must not contain '.', got \"", name, "\"");
    auto taken = [&name](const auto& entries) {
        for (const auto& entry : entries)
            if (entry.first == name) return true;
        return false;
    };
    GANTRY_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), name_,
                 ": the name \"", name, "\" is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
    check_new_name(name, "parameter");
    GANTRY_CHECK(tensor.defined(), name_, ": parameter \"", name, "\" is undefined");
    GANTRY_CHECK(tensor.is_leaf(), name_, ": parameter \"", name,
                 "\" must be a leaf tensor; detach() an op's result first");
    tensor.requires_grad_(requires_grad);
    parameters_.emplace_back(name, tensor);
    return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
    check_new_name(name, "buffer");
    GANTRY_CHECK(tensor.defined(), name_, ": buffer \"", name, "\" is undefined");
    GANTRY_CHECK(tensor.is_leaf(), name_, ": buffer \"", name, "\" must be a leaf tensor");
    tensor.requires_grad_(false);
    buffers_.emplace_back(name, tensor);
    return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
    check_new_name(name, "submodule");
    GANTRY_CHECK(module != nullptr, name_, ": submodule \"", name, "\" is null");
    GANTRY_CHECK(module.get() != this, name_, ": a module cannot be its own submodule");
    children_.emplace_back(name, std::move(module));
}

void Module::collect(const std::string& prefix, bool recurse, bool want_parameters,
                     NamedTensors& out) const {
    for (const auto& [name, tensor] : want_parameters ? parameters_ : buffers_)
        out.emplace_back(prefix + name, tensor);
    if (!recurse) return;
    for (const auto& [name, child] : children_)
        child->collect(prefix + name + ".", true, want_parameters, out);
}

NamedTensors Module::named_parameters(bool recurse) const {
    NamedTensors out;
    collect("", recurse, true, out);
    return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
    NamedTensors out;
    collect("", recurse, false, out);
    return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
    std::vector<Tensor> out;
    for (auto& entry : named_parameters(recurse)) out.push_back(std::move(entry.second));
    return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
    std::vector<Tensor> out;
    for (auto& entry : named_buffers(recurse)) out.push_back(std::move(entry.second));
    return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
    std::vector<std::shared_ptr<Module>> out;
    for (const auto& entry : children_) out.push_back(entry.second);
    return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
    return children_;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
    for (const auto& [name, child] : children_) {
        out.emplace_back(name, child);
        for (auto& [sub_name, sub] : child->named_modules())
            out.emplace_back(name + "." + sub_name, std::move(sub));
    }
    return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
    fn(*this);
    for (const auto& entry : children_) entry.second->apply(fn);
}

void Module::train(bool on) {
    training_ = on;
    for (const auto& entry : children_) entry.second->train(on);
}

void Module::requires_grad_(bool on) {
    for (Tensor& p : parameters()) p.requires_grad_(on);
}

void Module::zero_grad() {
    for (Tensor& p : parameters()) p.clear_grad();
}

std::map<std::string, Tensor> Module::state_dict() const {
    std::map<std::string, Tensor> out;
    for (auto& [name, t] : named_parameters()) out.emplace(name, t);
    for (auto& [name, t] : named_buffers()) out.emplace(name, t);
    return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
    const std::map<std::string, Tensor> own = state_dict();
    // Check everything before copying anything: a half-loaded network is worse than none.
    if (strict) {
        std::vector<std::string> missing, unexpected;
        for (const auto& entry : own)
            if (!state.count(entry.first)) missing.push_back(entry.first);
        for (const auto& entry : state)
            if (!own.count(entry.first)) unexpected.push_back(entry.first);
        if (!missing.empty() || !unexpected.empty()) {
            std::ostringstream message;
            message << name_ << "::load_state_dict: the keys do not match";
            auto list = [&message](const char* what, const std::vector<std::string>& keys) {
                if (keys.empty()) return;
                message << "; " << what << ":";
                for (const auto& key : keys) message << " \"" << key << "\"";
            };
            list("missing keys", missing);
            list("unexpected keys", unexpected);
            throw Error(message.str());
        }
    }
    for (const auto& [key, target] : own) {
        const auto found = state.find(key);
        if (found == state.end()) continue;
        GANTRY_CHECK(found->second.defined(), name_, "::load_state_dict: \"", key,
                     "\" is undefined");
        GANTRY_CHECK_AS(ShapeError, found->second.shape() == target.shape(), name_,
                        "::load_state_dict: \"", key, "\" expected shape ", target.shape(),
                        ", got ", found->second.shape());
    }
    for (const auto& [key, target] : own) {
        const auto found = state.find(key);
        if (found == state.end()) continue;
        Tensor dst = target;
        dst.copy_from(found->second);
    }
}

void Module::print(std::ostream& out, int indent) const {
    out << name_ << "(" << extra_repr();
    if (children_.empty()) {
        out << ")";
        return;
    }
    out << "\n";
    const std::string pad(static_cast<size_t>(indent + 2), ' ');
    for (const auto& [name, child] : children_) {
        out << pad << "(" << name << "): ";
        child->print(out, indent + 2);
        out << "\n";
    }
    out << std::string(static_cast<size_t>(indent), ' ') << ")";
}

std::string Module::repr() const {
    std::ostringstream out;
    print(out, 0);
    return out.str();
}

std::string Module::summary() const {
    std::ostringstream out;
    int64_t trained = 0, frozen = 0;
    out << name_ << "\n";
    for (const auto& [name, t] : named_parameters()) {
        out << "  " << name << " " << t.shape() << (t.requires_grad() ? "" : " (frozen)") << "\n";
        (t.requires_grad() ? trained : frozen) += t.numel();
    }
    for (const auto& [name, t] : named_buffers()) out << "  " << name << " " << t.shape() << " (buffer)\n";
    out << "trainable values: " << trained << ", frozen: " << frozen;
    return out.str();
}

std::ostream& operator<<(std::ostream& out, const Module& module) { return out << module.repr(); }

}  // namespace gantry::nn
