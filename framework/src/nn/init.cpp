// SPDX-License-Identifier: Apache-2.0
#include "gantry/nn/init.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gantry/error.hpp"

namespace gantry::nn::init {

double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param) {
    switch (nonlinearity) {
        case Nonlinearity::linear:
        case Nonlinearity::conv1d:
        case Nonlinearity::conv2d:
        case Nonlinearity::conv3d:
        case Nonlinearity::conv_transpose1d:
        case Nonlinearity::conv_transpose2d:
        case Nonlinearity::conv_transpose3d:
        case Nonlinearity::sigmoid: return 1.0;
        case Nonlinearity::tanh: return 5.0 / 3.0;
        case Nonlinearity::relu: return std::sqrt(2.0);
        case Nonlinearity::leaky_relu: {
            const double slope = param.value_or(0.01);
            return std::sqrt(2.0 / (1.0 + slope * slope));
        }
        // Klambauer et al. 2017 give no gain; 3/4 is PyTorch's choice for self-normalising nets.
        case Nonlinearity::selu: return 0.75;
    }
    GANTRY_ASSERT(false);
    return 1.0;
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
    GANTRY_CHECK(tensor.defined(), "calculate_fan_in_and_fan_out: the tensor is undefined");
    GANTRY_CHECK(tensor.rank() >= 2,
                 "calculate_fan_in_and_fan_out: expected a tensor of rank >= 2, got shape ",
                 tensor.shape());
    int64_t receptive = 1;
    for (int axis = 2; axis < tensor.rank(); ++axis) receptive *= tensor.size(axis);
    return {tensor.size(1) * receptive, tensor.size(0) * receptive};
}

namespace {
int64_t chosen_fan(const Tensor& tensor, FanMode mode, const char* where) {
    const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
    const int64_t fan = mode == FanMode::fan_in ? fan_in : fan_out;
    GANTRY_CHECK(fan > 0, where, ": expected a non-empty tensor, got shape ", tensor.shape());
    return fan;
}
}  // namespace

Tensor uniform_(Tensor tensor, Rng& rng, double a, double b) {
    GANTRY_CHECK(a < b, "init::uniform_: expected a < b, got [", a, ", ", b, ")");
    rng.fill_uniform(tensor, static_cast<float>(a), static_cast<float>(b));
    return tensor;
}

Tensor normal_(Tensor tensor, Rng& rng, double mean, double std) {
    GANTRY_CHECK(std >= 0.0, "init::normal_: expected std >= 0, got ", std);
    rng.fill_normal(tensor, static_cast<float>(mean), static_cast<float>(std));
    return tensor;
}

Tensor constant_(Tensor tensor, double value) {
    std::fill_n(tensor.data(), tensor.numel(), static_cast<float>(value));
    return tensor;
}

Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0.0); }

Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1.0); }

Tensor xavier_uniform_(Tensor tensor, Rng& rng, double gain) {
    const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
    GANTRY_CHECK(fan_in + fan_out > 0, "init::xavier_uniform_: expected a non-empty tensor");
    const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
    return uniform_(std::move(tensor), rng, -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, Rng& rng, double gain) {
    const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
    GANTRY_CHECK(fan_in + fan_out > 0, "init::xavier_normal_: expected a non-empty tensor");
    return normal_(std::move(tensor), rng, 0.0,
                   gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

Tensor kaiming_uniform_(Tensor tensor, Rng& rng, double a, FanMode mode,
                        Nonlinearity nonlinearity) {
    const int64_t fan = chosen_fan(tensor, mode, "init::kaiming_uniform_");
    const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
    // U(-b, b) has variance b^2 / 3.
    const double bound = std::sqrt(3.0) * std;
    return uniform_(std::move(tensor), rng, -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, Rng& rng, double a, FanMode mode, Nonlinearity nonlinearity) {
    const int64_t fan = chosen_fan(tensor, mode, "init::kaiming_normal_");
    return normal_(std::move(tensor), rng, 0.0,
                   calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan)));
}

Tensor orthogonal_(Tensor tensor, Rng& rng, double gain) {
    GANTRY_CHECK(tensor.defined() && tensor.rank() >= 2,
                 "init::orthogonal_: expected a tensor of rank >= 2, got shape ",
                 tensor.defined() ? tensor.shape().str() : std::string("undefined"));
    const int64_t rows = tensor.size(0);
    const int64_t cols = tensor.numel() / rows;
    if (tensor.numel() == 0) return tensor;
    // Orthonormalise the columns of a tall (m, n) matrix, m >= n: a wide request is the
    // transpose of a tall one, as in PyTorch.
    const bool wide = rows < cols;
    const int64_t m = wide ? cols : rows, n = wide ? rows : cols;
    Tensor gaussian = rng.normal(Shape{m, n});
    // Column-major copy in double: column j is q[j * m .. j * m + m).
    std::vector<double> q(static_cast<size_t>(m * n));
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) q[static_cast<size_t>(j * m + i)] = gaussian.data()[i * n + j];
    for (int64_t j = 0; j < n; ++j) {
        double* qj = q.data() + j * m;
        // Modified Gram-Schmidt, run twice ("twice is enough", Giraud et al. 2005): one pass
        // loses orthogonality in proportion to the condition number.
        for (int pass = 0; pass < 2; ++pass)
            for (int64_t k = 0; k < j; ++k) {
                const double* qk = q.data() + k * m;
                double dot = 0.0;
                for (int64_t i = 0; i < m; ++i) dot += qk[i] * qj[i];
                for (int64_t i = 0; i < m; ++i) qj[i] -= dot * qk[i];
            }
        double norm = 0.0;
        for (int64_t i = 0; i < m; ++i) norm += qj[i] * qj[i];
        norm = std::sqrt(norm);
        // A Gaussian matrix is rank-deficient with probability zero.
        GANTRY_CHECK(norm > 0.0, "init::orthogonal_: degenerate random matrix");
        // Gram-Schmidt makes R's diagonal positive: PyTorch's q * sign(diag(r)) is the same.
        for (int64_t i = 0; i < m; ++i) qj[i] /= norm;
    }
    float* out = tensor.data();
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            const double value = wide ? q[static_cast<size_t>(r * m + c)]   // Q^T
                                      : q[static_cast<size_t>(c * m + r)];
            out[r * cols + c] = static_cast<float>(gain * value);
        }
    return tensor;
}

}  // namespace gantry::nn::init
