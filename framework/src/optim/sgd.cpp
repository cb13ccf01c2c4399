// SPDX-License-Identifier: Apache-2.0
// The update follows the algorithm box of torch.optim.SGD's documentation, in the order of
// operations of PyTorch's _single_tensor_sgd, so results agree with PyTorch to rounding.
#include "gantry/optim/sgd.hpp"

#include <cmath>

#include "gantry/error.hpp"
#include "parallel_update.hpp"

namespace gantry::optim {

void SGDOptions::validate() const {
    GANTRY_CHECK(lr >= 0, "SGDOptions: invalid learning rate: expected lr >= 0, got ", lr);
    GANTRY_CHECK(momentum >= 0, "SGDOptions: invalid momentum: expected momentum >= 0, got ",
                 momentum);
    GANTRY_CHECK(weight_decay >= 0,
                 "SGDOptions: invalid weight_decay: expected weight_decay >= 0, got ",
                 weight_decay);
    // Dampening is not range-checked, as in PyTorch: 1 - dampening is just a gradient scale.
    GANTRY_CHECK(std::isfinite(dampening), "SGDOptions: invalid dampening: expected a finite "
                 "value, got ", dampening);
    GANTRY_CHECK(!nesterov || (momentum > 0 && dampening == 0),
                 "SGDOptions: Nesterov momentum requires momentum > 0 and dampening 0, got "
                 "momentum ", momentum, " and dampening ", dampening);
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params)), options_(options) {
    options_.validate();
    state_.resize(params_.size());
}

void SGD::set_lr(double lr) {
    check_lr(lr, "SGD::set_lr");
    options_.lr = lr;
}

void SGD::step() {
    // PyTorch applies the scalars to f32 tensors as f32 values.
    const float lambda = static_cast<float>(options_.weight_decay);
    const float mu = static_cast<float>(options_.momentum);
    const float one_minus_tau = static_cast<float>(1 - options_.dampening);
    const float neg_lr = static_cast<float>(-options_.lr);
    const bool decay = options_.weight_decay != 0;
    const bool momentum = options_.momentum != 0;
    const bool nesterov = options_.nesterov;

    for (size_t i = 0; i < params_.size(); ++i) {
        Tensor& param = params_[i];
        const Tensor grad = param.grad();
        if (!grad.defined()) continue;
        GANTRY_ASSERT(grad.numel() == param.numel());
        SGDParamState& state = state_[i];
        const bool first = momentum && !state.momentum_buffer.defined();
        if (first) state.momentum_buffer = Tensor::empty(param.shape());

        float* theta = param.data();
        const float* g = grad.data();
        float* b = momentum ? state.momentum_buffer.data() : nullptr;
        const int64_t n = param.numel();
#pragma omp parallel for simd schedule(static) if (n >= kParallelUpdateElements)
        for (int64_t j = 0; j < n; ++j) {
            float gt = g[j];
            // g_t <- g_t + lambda * theta_{t-1}
            if (decay) gt = gt + lambda * theta[j];
            if (momentum) {
                // b_t <- g_t on the first step, else mu * b_{t-1} + (1 - tau) * g_t
                b[j] = first ? gt : b[j] * mu + one_minus_tau * gt;
                // nesterov: g_t <- g_t + mu * b_t; otherwise g_t <- b_t
                gt = nesterov ? gt + mu * b[j] : b[j];
            }
            // theta_t <- theta_{t-1} - gamma * g_t
            theta[j] = theta[j] + neg_lr * gt;
        }
    }
}

void SGD::save(StateDict& dict) const {
    put_f64(dict, "options.lr", options_.lr);
    put_f64(dict, "options.momentum", options_.momentum);
    put_f64(dict, "options.dampening", options_.dampening);
    put_u64(dict, "options.nesterov", options_.nesterov ? 1 : 0);
    put_f64(dict, "options.weight_decay", options_.weight_decay);
    for (size_t i = 0; i < state_.size(); ++i)
        if (state_[i].momentum_buffer.defined())
            dict.emplace(state_key(i, "momentum_buffer"), state_[i].momentum_buffer.clone());
}

void SGD::load(const StateDict& dict) {
    const std::string where = load_where();
    SGDOptions options;
    options.lr = get_f64(dict, "options.lr", where.c_str());
    options.momentum = get_f64(dict, "options.momentum", where.c_str());
    options.dampening = get_f64(dict, "options.dampening", where.c_str());
    options.nesterov = get_bool(dict, "options.nesterov", where.c_str());
    options.weight_decay = get_f64(dict, "options.weight_decay", where.c_str());
    options.validate();

    std::vector<SGDParamState> state(params_.size());
    for (size_t i = 0; i < params_.size(); ++i)
        if (dict.count(state_key(i, "momentum_buffer")))
            state[i].momentum_buffer = load_buffer(dict, i, "momentum_buffer");

    options_ = options;
    state_ = std::move(state);
}

}  // namespace gantry::optim
