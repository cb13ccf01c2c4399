// SPDX-License-Identifier: Apache-2.0
// Reductions and their adjoint, broadcasting: each one's gradient is the other.
#include <algorithm>
#include <set>

#include "kernels/binary.hpp"
#include "ops/op_utils.hpp"
#include "tensor/tensor_impl.hpp"

namespace gantry {

using namespace ops;
using kernels::Reduction;

namespace {
/// The axes of `axes` normalised to [0, rank), sorted, without repeats.
std::set<int> normalised_axes(const char* op, const Shape& shape, const std::vector<int>& axes) {
    std::set<int> result;
    for (int axis : axes) {
        const int a = axis < 0 ? axis + shape.rank() : axis;
        GANTRY_CHECK_AS(ShapeError, a >= 0 && a < shape.rank(), op, ": axis ", axis,
                        " is out of range for shape ", shape);
        result.insert(a);
    }
    return result;
}

/// `shape` with size 1 along `axes` (keepdim) and the same shape without those axes.
std::pair<Shape, Shape> reduced_shapes(const Shape& shape, const std::set<int>& axes) {
    std::vector<int64_t> kept, squeezed;
    for (int i = 0; i < shape.rank(); ++i) {
        kept.push_back(axes.count(i) ? 1 : shape[i]);
        if (!axes.count(i)) squeezed.push_back(shape[i]);
    }
    return {Shape(kept), Shape(squeezed)};
}

Tensor reduce(const char* op, Reduction alg, const Tensor& x, const std::vector<int>& axes,
              bool keepdim) {
    expect_defined(x, op, "x");
    const auto [kept, squeezed] = reduced_shapes(x.shape(), normalised_axes(op, x.shape(), axes));
    Tensor y = Tensor::empty(kept);
    kernels::reduce(alg, x.shape(), x.data(), kept, y.data());
    const float scale = alg == Reduction::mean && x.numel() > 0
                            ? static_cast<float>(kept.numel()) / static_cast<float>(x.numel())
                            : 1.f;
    y = record(op, y, {x}, [shape = x.shape(), scale](const BackwardContext& ctx) {
        Tensor g = broadcast_to(ctx.grad(), shape);
        return std::vector<Tensor>{scale == 1.f ? g : g * scale};
    });
    return keepdim ? y : reshape(y, squeezed.dims());
}

std::vector<int> all_axes(const Tensor& x) {
    std::vector<int> axes(static_cast<size_t>(x.rank()));
    for (int i = 0; i < x.rank(); ++i) axes[static_cast<size_t>(i)] = i;
    return axes;
}

/// `shape` left-padded with 1s to `rank` axes.
Shape left_padded(const Shape& shape, int rank) {
    std::vector<int64_t> d(static_cast<size_t>(rank - shape.rank()), 1);
    d.insert(d.end(), shape.dims().begin(), shape.dims().end());
    return Shape(d);
}
}  // namespace

Tensor sum(const Tensor& x) { return sum(x, all_axes(x), false); }
Tensor sum(const Tensor& x, const std::vector<int>& axes, bool keepdim) {
    return reduce("sum", Reduction::sum, x, axes, keepdim);
}
Tensor mean(const Tensor& x) { return mean(x, all_axes(x), false); }
Tensor mean(const Tensor& x, const std::vector<int>& axes, bool keepdim) {
    return reduce("mean", Reduction::mean, x, axes, keepdim);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
    expect_defined(x, "sum_to", "x");
    if (x.shape() == shape) return x;
    GANTRY_CHECK_AS(ShapeError, shape.rank() <= x.rank() && broadcast_shapes(shape, x.shape(),
                    "sum_to") == x.shape(), "sum_to: shape ", shape,
                    " does not broadcast to the input's shape ", x.shape());
    const Shape target = left_padded(shape, x.rank());
    std::vector<int> axes;
    for (int i = 0; i < x.rank(); ++i)
        if (target[i] == 1 && x.shape()[i] != 1) axes.push_back(i);
    return reshape(sum(x, axes, /*keepdim=*/true), shape.dims());
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
    expect_defined(x, "broadcast_to", "x");
    if (x.shape() == shape) return x;
    GANTRY_CHECK_AS(ShapeError, x.rank() <= shape.rank() &&
                    broadcast_shapes(x.shape(), shape, "broadcast_to") == shape,
                    "broadcast_to: shape ", x.shape(), " does not broadcast to ", shape);
    Tensor y = Tensor::empty(shape);
    kernels::broadcast(left_padded(x.shape(), shape.rank()), x.data(), shape, y.data());
    return record("broadcast_to", y, {x}, [from = x.shape()](const BackwardContext& ctx) {
        return std::vector<Tensor>{sum_to(ctx.grad(), from)};
    });
}

Tensor per_sample_norm(const Tensor& x, float eps) {
    expect_shape(x.defined() && x.rank() >= 1, "per_sample_norm", "expected (N, ...)", x);
    return sqrt(sum(square(flatten(x, 1)), {1}) + eps);
}

}  // namespace gantry
