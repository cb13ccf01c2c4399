// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Stochastic gradient descent with momentum, as torch.optim.SGD.
#include <vector>

#include "gantry/optim/optimizer.hpp"

namespace gantry::optim {

struct SGDOptions {
    double lr = 1e-3;
    double momentum = 0;
    double dampening = 0;
    /// Nesterov momentum (Sutskever et al. 2013, in PyTorch's formulation); needs momentum > 0
    /// and dampening 0.
    bool nesterov = false;
    /// L2 penalty, added to the gradient.
    double weight_decay = 0;

    /// Throws gantry::Error naming the first invalid value.
    void validate() const;
};

struct SGDParamState {
    /// Undefined until the parameter's first step with momentum != 0, which sets it to the
    /// gradient itself (no dampening on that step, as in PyTorch).
    Tensor momentum_buffer;
};

class SGD : public Optimizer {
public:
    explicit SGD(std::vector<Tensor> params, const SGDOptions& options = {});

    void step() override;
    double lr() const override { return options_.lr; }
    void set_lr(double lr) override;
    const char* kind() const override { return "SGD"; }

    const SGDOptions& options() const { return options_; }
    const SGDParamState& state(size_t index) const { return state_.at(index); }

protected:
    void save(StateDict& dict) const override;
    void load(const StateDict& dict) override;

private:
    SGDOptions options_;
    std::vector<SGDParamState> state_;
};

}  // namespace gantry::optim
