// SPDX-License-Identifier: Apache-2.0
// Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks",
// arXiv:1802.05957; semantics of torch.nn.utils.spectral_norm.
#include "gantry/nn/spectral_norm.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "gantry/nn/init.hpp"
#include "gantry/ops.hpp"

namespace gantry::nn {

namespace {
// x / max(||x||, eps), PyTorch's F.normalize.
void normalize_in_place(std::vector<double>& x, double eps) {
    double norm = 0.0;
    for (double value : x) norm += value * value;
    norm = std::max(std::sqrt(norm), eps);
    for (double& value : x) value /= norm;
}

void normalize_in_place(Tensor& t, double eps) {
    std::vector<double> x(t.data(), t.data() + t.numel());
    normalize_in_place(x, eps);
    std::copy(x.begin(), x.end(), t.data());
}
}  // namespace

void SpectralNormOptions::validate() const {
    GANTRY_CHECK(n_power_iterations >= 0,
                 "SpectralNormOptions: n_power_iterations must be non-negative, got ",
                 n_power_iterations);
    GANTRY_CHECK(eps > 0.f, "SpectralNormOptions: eps must be positive, got ", eps);
}

SpectralNorm::SpectralNorm(std::shared_ptr<WeightedModule> wrapped, Rng& rng,
                           const SpectralNormOptions& opts)
    : Module("SpectralNorm"), options(opts), inner(std::move(wrapped)) {
    options.validate();
    GANTRY_CHECK(inner != nullptr, "SpectralNorm: the wrapped module is null");
    const Tensor& w = inner->weight;
    GANTRY_CHECK(w.defined() && w.rank() >= 2, "SpectralNorm: ", inner->name(),
                 " must have a weight of rank >= 2");
    const int axis = inner->output_axis();
    GANTRY_CHECK(axis >= 0 && axis < w.rank(), "SpectralNorm: output axis ", axis,
                 " is out of range for weight ", w.shape());
    for (int i = 0; i < axis; ++i) before_ *= w.size(i);
    out_ = w.size(axis);
    for (int i = axis + 1; i < w.rank(); ++i) after_ *= w.size(i);
    register_module("module", inner);
    Tensor u = rng.normal(Shape{out_});
    Tensor v = rng.normal(Shape{before_ * after_});
    normalize_in_place(u, options.eps);
    normalize_in_place(v, options.eps);
    weight_u = register_buffer("weight_u", u);
    weight_v = register_buffer("weight_v", v);
}

void SpectralNorm::power_iteration(int n) {
    // Plain loops in double: the vectors are small, this runs once per step, and it must stay
    // off the tape (u and v are constants of the forward pass).
    const float* w = inner->weight.data();
    const int64_t rest = before_ * after_;
    std::vector<double> u(weight_u.data(), weight_u.data() + out_);
    std::vector<double> v(static_cast<size_t>(rest));
    for (int iteration = 0; iteration < n; ++iteration) {
        // v = normalize(W_mat^T u); W_mat[o, a * after + b] = w[(a * out + o) * after + b].
        std::fill(v.begin(), v.end(), 0.0);
        for (int64_t a = 0; a < before_; ++a)
            for (int64_t o = 0; o < out_; ++o) {
                const float* row = w + (a * out_ + o) * after_;
                double* v_a = v.data() + a * after_;
                for (int64_t b = 0; b < after_; ++b) v_a[b] += row[b] * u[static_cast<size_t>(o)];
            }
        normalize_in_place(v, options.eps);
        // u = normalize(W_mat v).
        std::fill(u.begin(), u.end(), 0.0);
        for (int64_t a = 0; a < before_; ++a)
            for (int64_t o = 0; o < out_; ++o) {
                const float* row = w + (a * out_ + o) * after_;
                const double* v_a = v.data() + a * after_;
                double dot = 0.0;
                for (int64_t b = 0; b < after_; ++b) dot += row[b] * v_a[b];
                u[static_cast<size_t>(o)] += dot;
            }
        normalize_in_place(u, options.eps);
    }
    if (n > 0) {
        std::copy(u.begin(), u.end(), weight_u.data());
        std::copy(v.begin(), v.end(), weight_v.data());
    }
}

Tensor SpectralNorm::sigma(const Tensor& weight) const {
    GANTRY_CHECK_AS(ShapeError, weight.defined() && weight.shape() == inner->weight.shape(),
                    "SpectralNorm: expected a weight of shape ", inner->weight.shape(), ", got ",
                    weight.defined() ? weight.shape().str() : std::string("undefined"));
    // Clones: the graph keeps u and v for backward, and a later training forward (D on fake
    // after D on real) updates the buffers in place before that backward runs.
    const Tensor u = reshape(weight_u.clone(), {1, out_, 1});
    const Tensor v = reshape(weight_v.clone(), {before_, 1, after_});
    const Tensor w = reshape(weight, {before_, out_, after_});
    return sum(w * u * v);
}

Tensor SpectralNorm::normalize(const Tensor& weight) const { return weight / sigma(weight); }

Tensor SpectralNorm::forward(const Tensor& x) {
    if (is_training()) power_iteration(options.n_power_iterations);
    return inner->forward_with_weight(x, normalize(inner->weight));
}

std::string SpectralNorm::extra_repr() const {
    std::ostringstream out;
    out << "n_power_iterations=" << options.n_power_iterations << ", eps=" << options.eps;
    return out.str();
}

}  // namespace gantry::nn
