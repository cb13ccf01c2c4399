// SPDX-License-Identifier: Apache-2.0
#pragma once
/// First-order optimizers with torch.optim's semantics, one parameter group each.
///
/// An optimizer holds handles to its parameters (sharing their storage) and updates their values
/// in place from their .grad(), outside autograd. A parameter whose gradient is undefined is
/// skipped by step(), as in PyTorch. Per-parameter state (moment estimates, momentum buffers,
/// step counts) is allocated on a parameter's first step and never again, so step() does not
/// allocate after that.
///
/// state_dict() returns deep copies of the hyperparameters and of all state, and
/// load_state_dict() copies them back (hyperparameters included, like PyTorch's param_groups, so
/// a resumed run keeps its scheduled learning rate): save, step, load, step reproduces the first
/// step bit for bit.
#include <string>
#include <vector>

#include "gantry/serialize.hpp"
#include "gantry/tensor.hpp"

namespace gantry::optim {

class Optimizer {
public:
    /// Throws gantry::Error for an undefined or non-leaf parameter, and for two parameters over
    /// the same values (the same tensor, or handles sharing storage).
    explicit Optimizer(std::vector<Tensor> params);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// One update of every parameter that has a gradient.
    virtual void step() = 0;
    /// Forgets every parameter's gradient (PyTorch's zero_grad(set_to_none=True)): the next
    /// backward() starts from nothing, and a parameter it does not reach is skipped by step().
    void zero_grad();

    /// The learning rate, for schedules. set_lr throws gantry::Error for a negative or NaN rate.
    virtual double lr() const = 0;
    virtual void set_lr(double lr) = 0;

    /// Entries: "optimizer.<kind>" (the state format version), "param_count", "options.<name>"
    /// for each hyperparameter, and "state.<index>.<name>" for each parameter that has state.
    StateDict state_dict() const;
    /// Restores a state_dict() of the same kind of optimizer over the same parameter shapes.
    /// Throws gantry::Error naming the first mismatch; on a throw this optimizer is unchanged.
    void load_state_dict(const StateDict& dict);

    const std::vector<Tensor>& params() const { return params_; }
    /// The class name: "SGD", "Adam", "RMSprop".
    virtual const char* kind() const = 0;

protected:
    /// Adds the options and per-parameter state to `dict`.
    virtual void save(StateDict& dict) const = 0;
    /// Reads the options and per-parameter state of `dict`, validating everything before changing
    /// anything.
    virtual void load(const StateDict& dict) = 0;

    /// "state.<index>.<name>".
    static std::string state_key(size_t index, const char* name);
    /// A clone of dict[key], which must have params_[index]'s shape.
    Tensor load_buffer(const StateDict& dict, size_t index, const char* name) const;
    /// "<Kind>::load_state_dict" for error messages.
    std::string load_where() const;
    /// A bool saved with put_u64 as 0 or 1.
    static bool get_bool(const StateDict& dict, const std::string& key, const char* where);
    /// Throws gantry::Error unless lr >= 0 (NaN fails).
    static void check_lr(double lr, const char* where);

    std::vector<Tensor> params_;
};

}  // namespace gantry::optim
