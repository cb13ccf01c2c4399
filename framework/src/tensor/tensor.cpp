// SPDX-License-Identifier: Apache-2.0
#include "gantry/tensor.hpp"

#include <algorithm>
#include <cstring>

#include "autograd/node.hpp"
#include "gantry/error.hpp"
#include "tensor/tensor_impl.hpp"

namespace gantry {

namespace {
const TensorImpl& checked(const TensorImpl* impl, const char* what) {
    GANTRY_CHECK(impl != nullptr, "Tensor::", what, ": the tensor is undefined");
    return *impl;
}
}  // namespace

Tensor Tensor::empty(const Shape& shape) {
    return Tensor(std::make_shared<TensorImpl>(shape, std::make_shared<Storage>(shape.numel())));
}

Tensor Tensor::zeros(const Shape& shape) { return full(shape, 0.f); }

Tensor Tensor::ones(const Shape& shape) { return full(shape, 1.f); }

Tensor Tensor::full(const Shape& shape, float value) {
    Tensor t = empty(shape);
    std::fill_n(t.data(), t.numel(), value);
    return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values) {
    GANTRY_CHECK_AS(ShapeError, static_cast<int64_t>(values.size()) == shape.numel(),
                    "Tensor::from_vector: shape ", shape, " holds ", shape.numel(),
                    " values, got ", values.size());
    Tensor t = empty(shape);
    std::copy(values.begin(), values.end(), t.data());
    return t;
}

Tensor Tensor::scalar(float value) { return full(Shape{}, value); }

const Shape& Tensor::shape() const { return checked(impl_.get(), "shape").shape; }

float* Tensor::data() { return checked(impl_.get(), "data").storage->data(); }

const float* Tensor::data() const { return checked(impl_.get(), "data").storage->data(); }

float Tensor::item() const {
    GANTRY_CHECK_AS(ShapeError, numel() == 1, "Tensor::item: expected one element, got shape ",
                    shape());
    return data()[0];
}

std::vector<float> Tensor::to_vector() const { return {data(), data() + numel()}; }

bool Tensor::requires_grad() const {
    return impl_ && (impl_->requires_grad || impl_->grad_fn != nullptr);
}

Tensor& Tensor::requires_grad_(bool on) {
    GANTRY_CHECK(is_leaf(), "Tensor::requires_grad_: only a leaf can be marked; use detach() "
                            "to make a leaf of an op's result");
    impl_->requires_grad = on;
    return *this;
}

bool Tensor::is_leaf() const { return checked(impl_.get(), "is_leaf").grad_fn == nullptr; }

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
    return checked(impl_.get(), "grad_fn").grad_fn;
}

Tensor Tensor::grad() const { return checked(impl_.get(), "grad").grad; }

void Tensor::set_grad(const Tensor& grad) {
    checked(impl_.get(), "set_grad");
    GANTRY_CHECK_AS(ShapeError, !grad.defined() || grad.shape() == shape(),
                    "Tensor::set_grad: gradient of shape ", grad.shape(), " for a tensor of shape ",
                    shape());
    impl_->grad = grad;
}

void Tensor::clear_grad() {
    if (impl_) impl_->grad = Tensor();
}

Tensor Tensor::detach() const {
    const TensorImpl& self = checked(impl_.get(), "detach");
    return Tensor(std::make_shared<TensorImpl>(self.shape, self.storage));
}

Tensor Tensor::clone() const {
    Tensor copy = empty(shape());
    std::memcpy(copy.data(), data(), static_cast<size_t>(numel()) * sizeof(float));
    return copy;
}

void Tensor::copy_from(const Tensor& src) {
    GANTRY_CHECK_AS(ShapeError, src.numel() == numel(), "Tensor::copy_from: ", src.shape(),
                    " into ", shape(), ": element counts differ");
    if (src.data() != data())
        std::memcpy(data(), src.data(), static_cast<size_t>(numel()) * sizeof(float));
}

}  // namespace gantry
