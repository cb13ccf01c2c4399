// SPDX-License-Identifier: Apache-2.0
#pragma once
/// RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning"), as torch.optim.RMSprop:
/// eps is added outside the square root; `centered` divides by an estimate of the gradient's
/// variance instead of its raw second moment (Graves 2013).
#include <cstdint>
#include <vector>

#include "gantry/optim/optimizer.hpp"

namespace gantry::optim {

struct RMSpropOptions {
    double lr = 1e-2;
    /// Smoothing constant of the squared-gradient average.
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0;
    double momentum = 0;
    bool centered = false;

    /// Throws gantry::Error naming the first invalid value.
    void validate() const;
};

struct RMSpropParamState {
    uint64_t step = 0;       ///< this parameter's updates so far (0: no state yet)
    Tensor square_avg;       ///< running average of grad^2
    Tensor momentum_buffer;  ///< momentum > 0 only
    Tensor grad_avg;         ///< running average of grad (centered only)
};

class RMSprop : public Optimizer {
public:
    explicit RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = {});

    void step() override;
    double lr() const override { return options_.lr; }
    void set_lr(double lr) override;
    const char* kind() const override { return "RMSprop"; }

    const RMSpropOptions& options() const { return options_; }
    const RMSpropParamState& state(size_t index) const { return state_.at(index); }

protected:
    void save(StateDict& dict) const override;
    void load(const StateDict& dict) override;

private:
    RMSpropOptions options_;
    std::vector<RMSpropParamState> state_;
};

}  // namespace gantry::optim
