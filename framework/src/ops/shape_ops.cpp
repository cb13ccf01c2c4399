// SPDX-License-Identifier: Apache-2.0
// Views and joins: reshape shares storage; concat and narrow are each other's gradients.
#include "kernels/binary.hpp"
#include "ops/op_utils.hpp"
#include "tensor/tensor_impl.hpp"

namespace gantry {

using namespace ops;

Tensor reshape(const Tensor& x, std::vector<int64_t> dims) {
    expect_defined(x, "reshape", "x");
    int inferred = -1;
    int64_t known = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] == -1) {
            GANTRY_CHECK_AS(ShapeError, inferred < 0, "reshape: at most one -1 is allowed");
            inferred = static_cast<int>(i);
        } else {
            known *= dims[i];
        }
    }
    if (inferred >= 0 && known > 0) dims[static_cast<size_t>(inferred)] = x.numel() / known;
    const Shape shape(dims);
    GANTRY_CHECK_AS(ShapeError, shape.numel() == x.numel(), "reshape: cannot view ", x.shape(),
                    " (", x.numel(), " elements) as ", shape, " (", shape.numel(), " elements)");
    Tensor y(std::make_shared<TensorImpl>(shape, x.impl()->storage));
    return record("reshape", y, {x}, [from = x.shape()](const BackwardContext& ctx) {
        return std::vector<Tensor>{reshape(ctx.grad(), from.dims())};
    });
}

Tensor flatten(const Tensor& x, int start_axis) {
    expect_defined(x, "flatten", "x");
    GANTRY_CHECK_AS(ShapeError, start_axis >= 0 && start_axis <= x.rank(), "flatten: start_axis ",
                    start_axis, " is out of range for shape ", x.shape());
    std::vector<int64_t> dims(x.shape().dims().begin(), x.shape().dims().begin() + start_axis);
    int64_t rest = 1;
    for (int i = start_axis; i < x.rank(); ++i) rest *= x.shape()[i];
    dims.push_back(rest);
    return reshape(x, dims);
}

Tensor concat(const std::vector<Tensor>& xs, int axis) {
    GANTRY_CHECK_AS(ShapeError, !xs.empty(), "concat: expected at least one tensor");
    for (const Tensor& x : xs) expect_defined(x, "concat", "an input");
    const Shape& first = xs[0].shape();
    const int a = axis < 0 ? axis + first.rank() : axis;
    GANTRY_CHECK_AS(ShapeError, a >= 0 && a < first.rank(), "concat: axis ", axis,
                    " is out of range for shape ", first);
    std::vector<int64_t> out_dims = first.dims();
    out_dims[static_cast<size_t>(a)] = 0;
    std::vector<Shape> shapes;
    std::vector<const float*> srcs;
    for (size_t i = 0; i < xs.size(); ++i) {
        const Shape& s = xs[i].shape();
        bool same = s.rank() == first.rank();
        for (int d = 0; same && d < s.rank(); ++d) same = d == a || s[d] == first[d];
        GANTRY_CHECK_AS(ShapeError, same, "concat: input ", i, " has shape ", s,
                        "; expected the shape of input 0 ", first, " except along axis ", a);
        out_dims[static_cast<size_t>(a)] += s[a];
        if (s.numel() == 0) continue;
        shapes.push_back(s);
        srcs.push_back(xs[i].data());
    }
    const Shape out(out_dims);
    Tensor y = Tensor::empty(out);
    if (!shapes.empty()) kernels::concat(shapes, srcs, a, out, y.data());
    std::vector<int64_t> sizes;
    for (const Tensor& x : xs) sizes.push_back(x.shape()[a]);
    return record("concat", y, xs, [a, sizes](const BackwardContext& ctx) {
        std::vector<Tensor> grads;
        int64_t start = 0;
        for (size_t i = 0; i < sizes.size(); ++i) {
            grads.push_back(ctx.needs(i) ? narrow(ctx.grad(), a, start, sizes[i]) : Tensor());
            start += sizes[i];
        }
        return grads;
    });
}

namespace {
int checked_slice(const char* op, const Shape& shape, int axis, int64_t start, int64_t length) {
    const int a = axis < 0 ? axis + shape.rank() : axis;
    GANTRY_CHECK_AS(ShapeError, a >= 0 && a < shape.rank(), op, ": axis ", axis,
                    " is out of range for shape ", shape);
    GANTRY_CHECK_AS(ShapeError, start >= 0 && length >= 0 && start + length <= shape[a], op,
                    ": slice [", start, ", ", start + length, ") of axis ", a,
                    " is outside shape ", shape);
    return a;
}
}  // namespace

Tensor narrow(const Tensor& x, int axis, int64_t start, int64_t length) {
    expect_defined(x, "narrow", "x");
    const int a = checked_slice("narrow", x.shape(), axis, start, length);
    std::vector<int64_t> dims = x.shape().dims();
    dims[static_cast<size_t>(a)] = length;
    Tensor y = Tensor::empty(Shape(dims));
    kernels::copy_slice(x.shape(), const_cast<float*>(x.data()), a, start, length, y.data(),
                        /*to_slice=*/true);
    return record("narrow", y, {x}, [from = x.shape(), a, start](const BackwardContext& ctx) {
        return std::vector<Tensor>{narrow_backward(ctx.grad(), from, a, start)};
    });
}

Tensor narrow_backward(const Tensor& grad, const Shape& shape, int axis, int64_t start) {
    expect_defined(grad, "narrow_backward", "grad");
    const int a = axis < 0 ? axis + shape.rank() : axis;
    GANTRY_CHECK_AS(ShapeError, grad.rank() == shape.rank(), "narrow_backward: grad ",
                    grad.shape(), " and shape ", shape, " differ in rank");
    const int64_t length = grad.shape()[a];
    checked_slice("narrow_backward", shape, a, start, length);
    Tensor y = Tensor::zeros(shape);
    kernels::copy_slice(shape, y.data(), a, start, length, const_cast<float*>(grad.data()),
                        /*to_slice=*/false);
    return record("narrow_backward", y, {grad}, [a, start, length](const BackwardContext& ctx) {
        return std::vector<Tensor>{narrow(ctx.grad(), a, start, length)};
    });
}

}  // namespace gantry
