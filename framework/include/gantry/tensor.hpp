// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Dense f32 tensors up to 4-D, row-major (N, C, H, W), on 64-byte aligned storage.
/// A Tensor is a cheap handle: copies share the same storage and autograd identity, like
/// torch::Tensor. Ops live in gantry/ops.hpp.
#include <memory>
#include <vector>

#include "gantry/shape.hpp"

namespace gantry {

class TensorImpl;
namespace autograd {
class Node;
}

class Tensor {
public:
    /// An undefined tensor (no storage), used for "no gradient" and optional arguments.
    Tensor() = default;

    /// Uninitialised storage of `shape` (reused from the allocator's cache when possible).
    static Tensor empty(const Shape& shape);
    static Tensor zeros(const Shape& shape);
    static Tensor ones(const Shape& shape);
    static Tensor full(const Shape& shape, float value);
    /// A tensor holding a copy of `values` (row-major); numel must match.
    static Tensor from_vector(const Shape& shape, const std::vector<float>& values);
    /// A rank-0 tensor holding `value`.
    static Tensor scalar(float value);

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    int rank() const { return shape().rank(); }
    /// Dimension `axis`, negative counting from the end.
    int64_t size(int axis) const { return shape().dim(axis); }
    int64_t numel() const { return shape().numel(); }

    /// Contiguous row-major data. Writing through data() bypasses autograd.
    float* data();
    const float* data() const;
    /// The single value of a one-element tensor.
    float item() const;
    std::vector<float> to_vector() const;

    /// True for a leaf marked with requires_grad_() and for every result of an op recorded on the
    /// autograd tape.
    bool requires_grad() const;
    /// Marks a leaf as a variable whose gradient is wanted. Throws on a non-leaf.
    Tensor& requires_grad_(bool on = true);
    /// A leaf has no grad_fn: created by the user, or by an op while recording was off.
    bool is_leaf() const;
    /// The op that produced this tensor on the tape, or null.
    const std::shared_ptr<autograd::Node>& grad_fn() const;

    /// Gradient accumulated by autograd::backward() (undefined until then).
    Tensor grad() const;
    void set_grad(const Tensor& grad);
    /// Forgets the accumulated gradient (like PyTorch's set_to_none=True).
    void clear_grad();

    /// Same storage, cut from the tape (no grad_fn, requires_grad false).
    Tensor detach() const;
    /// A deep copy of the values, cut from the tape.
    Tensor clone() const;
    /// Copies `src`'s values into this tensor's storage in place (shapes must hold as many values).
    void copy_from(const Tensor& src);
    /// True when both handles refer to the same tensor (not merely equal values).
    bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

    TensorImpl* impl() const { return impl_.get(); }
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

private:
    std::shared_ptr<TensorImpl> impl_;
};

}  // namespace gantry
