// SPDX-License-Identifier: Apache-2.0
// The update follows the algorithm box of torch.optim.Adam's documentation, in the order of
// operations of PyTorch's _single_tensor_adam, so results agree with PyTorch to rounding.
#include "gantry/optim/adam.hpp"

#include <cmath>

#include "gantry/error.hpp"
#include "parallel_update.hpp"

namespace gantry::optim {

void AdamOptions::validate() const {
    GANTRY_CHECK(lr >= 0, "AdamOptions: invalid learning rate: expected lr >= 0, got ", lr);
    GANTRY_CHECK(eps >= 0, "AdamOptions: invalid eps: expected eps >= 0, got ", eps);
    GANTRY_CHECK(betas.first >= 0 && betas.first < 1,
                 "AdamOptions: invalid betas.first: expected a value in [0, 1), got ",
                 betas.first);
    GANTRY_CHECK(betas.second >= 0 && betas.second < 1,
                 "AdamOptions: invalid betas.second: expected a value in [0, 1), got ",
                 betas.second);
    GANTRY_CHECK(weight_decay >= 0,
                 "AdamOptions: invalid weight_decay: expected weight_decay >= 0, got ",
                 weight_decay);
}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Optimizer(std::move(params)), options_(options) {
    options_.validate();
    state_.resize(params_.size());
}

void Adam::set_lr(double lr) {
    check_lr(lr, "Adam::set_lr");
    options_.lr = lr;
}

void Adam::step() {
    const double beta1 = options_.betas.first, beta2 = options_.betas.second;
    const float lambda = static_cast<float>(options_.weight_decay);
    const bool decay = options_.weight_decay != 0;
    const float b1 = static_cast<float>(beta1), one_minus_b1 = static_cast<float>(1 - beta1);
    const float b2 = static_cast<float>(beta2), one_minus_b2 = static_cast<float>(1 - beta2);
    const float eps = static_cast<float>(options_.eps);
    const bool amsgrad = options_.amsgrad;

    for (size_t i = 0; i < params_.size(); ++i) {
        Tensor& param = params_[i];
        const Tensor grad = param.grad();
        if (!grad.defined()) continue;
        GANTRY_ASSERT(grad.numel() == param.numel());
        AdamParamState& state = state_[i];
        if (state.step == 0) {
            state.exp_avg = Tensor::zeros(param.shape());
            state.exp_avg_sq = Tensor::zeros(param.shape());
            if (amsgrad) state.max_exp_avg_sq = Tensor::zeros(param.shape());
        }
        ++state.step;
        // The bias corrections in double, as PyTorch computes them in Python floats.
        const double t = static_cast<double>(state.step);
        const double bias_correction1 = 1 - std::pow(beta1, t);
        const double bias_correction2 = 1 - std::pow(beta2, t);
        const float neg_step_size = static_cast<float>(-(options_.lr / bias_correction1));
        const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));

        float* theta = param.data();
        const float* g = grad.data();
        float* m = state.exp_avg.data();
        float* v = state.exp_avg_sq.data();
        float* v_max = amsgrad ? state.max_exp_avg_sq.data() : nullptr;
        const int64_t n = param.numel();
#pragma omp parallel for simd schedule(static) if (n >= kParallelUpdateElements)
        for (int64_t j = 0; j < n; ++j) {
            float gt = g[j];
            // g_t <- g_t + lambda * theta_{t-1}
            if (decay) gt = gt + lambda * theta[j];
            // m_t <- beta1 * m_{t-1} + (1 - beta1) * g_t
            m[j] = m[j] * b1 + one_minus_b1 * gt;
            // v_t <- beta2 * v_{t-1} + (1 - beta2) * g_t^2
            v[j] = v[j] * b2 + one_minus_b2 * gt * gt;
            float second = v[j];
            if (amsgrad) {
                // v_max_t <- max(v_max_{t-1}, v_t); PyTorch takes the max before the bias
                // correction (its docs write it after), and propagates NaN like torch.maximum.
                v_max[j] = (v_max[j] > v[j] || v_max[j] != v_max[j]) ? v_max[j] : v[j];
                second = v_max[j];
            }
            // sqrt(v_hat_t) + eps, with v_hat_t = v_t / (1 - beta2^t)
            const float denom = std::sqrt(second) / bias_correction2_sqrt + eps;
            // theta_t <- theta_{t-1} - gamma * m_hat_t / (sqrt(v_hat_t) + eps),
            // with m_hat_t = m_t / (1 - beta1^t) folded into the step size
            theta[j] = theta[j] + neg_step_size * m[j] / denom;
        }
    }
}

void Adam::save(StateDict& dict) const {
    put_f64(dict, "options.lr", options_.lr);
    put_f64(dict, "options.beta1", options_.betas.first);
    put_f64(dict, "options.beta2", options_.betas.second);
    put_f64(dict, "options.eps", options_.eps);
    put_f64(dict, "options.weight_decay", options_.weight_decay);
    put_u64(dict, "options.amsgrad", options_.amsgrad ? 1 : 0);
    for (size_t i = 0; i < state_.size(); ++i) {
        const AdamParamState& s = state_[i];
        if (s.step == 0) continue;
        put_u64(dict, state_key(i, "step"), s.step);
        dict.emplace(state_key(i, "exp_avg"), s.exp_avg.clone());
        dict.emplace(state_key(i, "exp_avg_sq"), s.exp_avg_sq.clone());
        if (s.max_exp_avg_sq.defined())
            dict.emplace(state_key(i, "max_exp_avg_sq"), s.max_exp_avg_sq.clone());
    }
}

void Adam::load(const StateDict& dict) {
    const std::string where = load_where();
    AdamOptions options;
    options.lr = get_f64(dict, "options.lr", where.c_str());
    options.betas.first = get_f64(dict, "options.beta1", where.c_str());
    options.betas.second = get_f64(dict, "options.beta2", where.c_str());
    options.eps = get_f64(dict, "options.eps", where.c_str());
    options.weight_decay = get_f64(dict, "options.weight_decay", where.c_str());
    options.amsgrad = get_bool(dict, "options.amsgrad", where.c_str());
    options.validate();

    std::vector<AdamParamState> state(params_.size());
    for (size_t i = 0; i < params_.size(); ++i) {
        if (!dict.count(state_key(i, "step"))) continue;
        AdamParamState& s = state[i];
        s.step = get_u64(dict, state_key(i, "step"), where.c_str());
        GANTRY_CHECK(s.step > 0, where, ": entry '", state_key(i, "step"),
                     "' should be a positive step count, got 0");
        s.exp_avg = load_buffer(dict, i, "exp_avg");
        s.exp_avg_sq = load_buffer(dict, i, "exp_avg_sq");
        if (options.amsgrad) s.max_exp_avg_sq = load_buffer(dict, i, "max_exp_avg_sq");
    }

    options_ = options;
    state_ = std::move(state);
}

}  // namespace gantry::optim
