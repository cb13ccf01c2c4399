// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstddef>
#include <memory>

#include "gantry/shape.hpp"
#include "gantry/tensor.hpp"

namespace gantry {

/// 64-byte aligned float buffer. Freed buffers go back to a per-size cache so that a training loop,
/// which asks for the same sizes every iteration, stops allocating after its first iteration.
class Storage {
public:
    explicit Storage(int64_t numel);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    float* data() const { return data_; }
    int64_t numel() const { return numel_; }

private:
    float* data_;
    int64_t numel_;
};

/// Drops every cached buffer (tests call it to make leak checkers' job simple).
void release_cached_storage();

class TensorImpl {
public:
    TensorImpl(Shape shape, std::shared_ptr<Storage> storage)
        : shape(std::move(shape)), storage(std::move(storage)) {}

    Shape shape;
    std::shared_ptr<Storage> storage;
    bool requires_grad = false;  ///< leaf flag; non-leaves require grad through grad_fn
    std::shared_ptr<autograd::Node> grad_fn;
    Tensor grad;
};

}  // namespace gantry
