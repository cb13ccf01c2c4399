// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Adam (Kingma & Ba 2015) and its AMSGrad variant (Reddi et al. 2018), as torch.optim.Adam:
/// weight decay is an L2 penalty added to the gradient (not AdamW's decoupled decay).
#include <cstdint>
#include <utility>
#include <vector>

#include "gantry/optim/optimizer.hpp"

namespace gantry::optim {

struct AdamOptions {
    double lr = 1e-3;
    std::pair<double, double> betas = {0.9, 0.999};
    double eps = 1e-8;
    double weight_decay = 0;
    bool amsgrad = false;

    /// Throws gantry::Error naming the first invalid value.
    void validate() const;
};

struct AdamParamState {
    uint64_t step = 0;       ///< this parameter's updates so far (0: no state yet)
    Tensor exp_avg;          ///< first moment estimate m
    Tensor exp_avg_sq;       ///< second moment estimate v
    Tensor max_exp_avg_sq;   ///< running max of v (amsgrad only)
};

class Adam : public Optimizer {
public:
    explicit Adam(std::vector<Tensor> params, const AdamOptions& options = {});

    void step() override;
    double lr() const override { return options_.lr; }
    void set_lr(double lr) override;
    const char* kind() const override { return "Adam"; }

    const AdamOptions& options() const { return options_; }
    const AdamParamState& state(size_t index) const { return state_.at(index); }

protected:
    void save(StateDict& dict) const override;
    void load(const StateDict& dict) override;

private:
    AdamOptions options_;
    std::vector<AdamParamState> state_;
};

}  // namespace gantry::optim
