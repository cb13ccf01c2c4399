// SPDX-License-Identifier: Apache-2.0
// The update follows the algorithm box of torch.optim.RMSprop's documentation, in the order of
// operations of PyTorch's _single_tensor_rmsprop, so results agree with PyTorch to rounding.
#include "gantry/optim/rmsprop.hpp"

#include <cmath>

#include "gantry/error.hpp"
#include "parallel_update.hpp"

namespace gantry::optim {

void RMSpropOptions::validate() const {
    GANTRY_CHECK(lr >= 0, "RMSpropOptions: invalid learning rate: expected lr >= 0, got ", lr);
    GANTRY_CHECK(eps >= 0, "RMSpropOptions: invalid eps: expected eps >= 0, got ", eps);
    GANTRY_CHECK(momentum >= 0, "RMSpropOptions: invalid momentum: expected momentum >= 0, got ",
                 momentum);
    GANTRY_CHECK(weight_decay >= 0,
                 "RMSpropOptions: invalid weight_decay: expected weight_decay >= 0, got ",
                 weight_decay);
    GANTRY_CHECK(alpha >= 0, "RMSpropOptions: invalid alpha: expected alpha >= 0, got ", alpha);
}

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer(std::move(params)), options_(options) {
    options_.validate();
    state_.resize(params_.size());
}

void RMSprop::set_lr(double lr) {
    check_lr(lr, "RMSprop::set_lr");
    options_.lr = lr;
}

void RMSprop::step() {
    const float lambda = static_cast<float>(options_.weight_decay);
    const bool decay = options_.weight_decay != 0;
    const float alpha = static_cast<float>(options_.alpha);
    const float one_minus_alpha = static_cast<float>(1 - options_.alpha);
    const float eps = static_cast<float>(options_.eps);
    const float mu = static_cast<float>(options_.momentum);
    const float neg_lr = static_cast<float>(-options_.lr);
    const bool momentum = options_.momentum > 0;
    const bool centered = options_.centered;

    for (size_t i = 0; i < params_.size(); ++i) {
        Tensor& param = params_[i];
        const Tensor grad = param.grad();
        if (!grad.defined()) continue;
        GANTRY_ASSERT(grad.numel() == param.numel());
        RMSpropParamState& state = state_[i];
        if (state.step == 0) {
            state.square_avg = Tensor::zeros(param.shape());
            if (momentum) state.momentum_buffer = Tensor::zeros(param.shape());
            if (centered) state.grad_avg = Tensor::zeros(param.shape());
        }
        ++state.step;

        float* theta = param.data();
        const float* g = grad.data();
        float* v = state.square_avg.data();
        float* b = momentum ? state.momentum_buffer.data() : nullptr;
        float* g_ave = centered ? state.grad_avg.data() : nullptr;
        const int64_t n = param.numel();
#pragma omp parallel for simd schedule(static) if (n >= kParallelUpdateElements)
        for (int64_t j = 0; j < n; ++j) {
            float gt = g[j];
            // g_t <- g_t + lambda * theta_{t-1}
            if (decay) gt = gt + lambda * theta[j];
            // v_t <- alpha * v_{t-1} + (1 - alpha) * g_t^2
            v[j] = v[j] * alpha + one_minus_alpha * gt * gt;
            float avg;
            if (centered) {
                // g_ave_t <- alpha * g_ave_{t-1} + (1 - alpha) * g_t; v~_t <- v_t - g_ave_t^2
                g_ave[j] = g_ave[j] * alpha + one_minus_alpha * gt;
                avg = std::sqrt(v[j] + -1.f * g_ave[j] * g_ave[j]);
            } else {
                avg = std::sqrt(v[j]);
            }
            avg = avg + eps;
            if (momentum) {
                // b_t <- mu * b_{t-1} + g_t / (sqrt(v~_t) + eps)
                b[j] = b[j] * mu + gt / avg;
                // theta_t <- theta_{t-1} - gamma * b_t
                theta[j] = theta[j] + neg_lr * b[j];
            } else {
                // theta_t <- theta_{t-1} - gamma * g_t / (sqrt(v~_t) + eps)
                theta[j] = theta[j] + neg_lr * gt / avg;
            }
        }
    }
}

void RMSprop::save(StateDict& dict) const {
    put_f64(dict, "options.lr", options_.lr);
    put_f64(dict, "options.alpha", options_.alpha);
    put_f64(dict, "options.eps", options_.eps);
    put_f64(dict, "options.weight_decay", options_.weight_decay);
    put_f64(dict, "options.momentum", options_.momentum);
    put_u64(dict, "options.centered", options_.centered ? 1 : 0);
    for (size_t i = 0; i < state_.size(); ++i) {
        const RMSpropParamState& s = state_[i];
        if (s.step == 0) continue;
        put_u64(dict, state_key(i, "step"), s.step);
        dict.emplace(state_key(i, "square_avg"), s.square_avg.clone());
        if (s.momentum_buffer.defined())
            dict.emplace(state_key(i, "momentum_buffer"), s.momentum_buffer.clone());
        if (s.grad_avg.defined()) dict.emplace(state_key(i, "grad_avg"), s.grad_avg.clone());
    }
}

void RMSprop::load(const StateDict& dict) {
    const std::string where = load_where();
    RMSpropOptions options;
    options.lr = get_f64(dict, "options.lr", where.c_str());
    options.alpha = get_f64(dict, "options.alpha", where.c_str());
    options.eps = get_f64(dict, "options.eps", where.c_str());
    options.weight_decay = get_f64(dict, "options.weight_decay", where.c_str());
    options.momentum = get_f64(dict, "options.momentum", where.c_str());
    options.centered = get_bool(dict, "options.centered", where.c_str());
    options.validate();

    std::vector<RMSpropParamState> state(params_.size());
    for (size_t i = 0; i < params_.size(); ++i) {
        if (!dict.count(state_key(i, "step"))) continue;
        RMSpropParamState& s = state[i];
        s.step = get_u64(dict, state_key(i, "step"), where.c_str());
        GANTRY_CHECK(s.step > 0, where, ": entry '", state_key(i, "step"),
                     "' should be a positive step count, got 0");
        s.square_avg = load_buffer(dict, i, "square_avg");
        if (options.momentum > 0) s.momentum_buffer = load_buffer(dict, i, "momentum_buffer");
        if (options.centered) s.grad_avg = load_buffer(dict, i, "grad_avg");
    }

    options_ = options;
    state_ = std::move(state);
}

}  // namespace gantry::optim
