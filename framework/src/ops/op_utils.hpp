// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Helpers shared by the op implementations (internal).
#include <string>

#include "autograd/node.hpp"
#include "gantry/autograd.hpp"
#include "gantry/error.hpp"
#include "gantry/ops.hpp"

namespace gantry::ops {

using autograd::BackwardContext;
using autograd::record;

/// Throws ShapeError "<op>: <what>, got <shape>" unless `ok`.
inline void expect_shape(bool ok, const char* op, const std::string& what, const Tensor& t) {
    GANTRY_CHECK_AS(ShapeError, ok, op, ": ", what, ", got ", t.shape());
}

inline void expect_defined(const Tensor& t, const char* op, const char* name) {
    GANTRY_CHECK(t.defined(), op, ": ", name, " is undefined");
}

}  // namespace gantry::ops
