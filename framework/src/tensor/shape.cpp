// SPDX-License-Identifier: Apache-2.0
#include "gantry/shape.hpp"

#include <ostream>
#include <sstream>

#include "gantry/error.hpp"

namespace gantry {

namespace {
void check_dims(const std::vector<int64_t>& dims) {
    GANTRY_CHECK_AS(ShapeError, dims.size() <= Shape::kMaxRank, "Shape: at most ",
                    Shape::kMaxRank, " axes are supported, got ", dims.size());
    for (int64_t d : dims)
        GANTRY_CHECK_AS(ShapeError, d >= 0, "Shape: dimensions must be >= 0, got ", d);
}
}  // namespace

Shape::Shape(std::initializer_list<int64_t> dims) : dims_(dims) { check_dims(dims_); }

Shape::Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) { check_dims(dims_); }

int64_t Shape::dim(int axis) const {
    const int r = rank();
    const int a = axis < 0 ? axis + r : axis;
    GANTRY_CHECK_AS(ShapeError, a >= 0 && a < r, "Shape::dim: axis ", axis,
                    " is out of range for shape ", str());
    return dims_[static_cast<size_t>(a)];
}

int64_t Shape::numel() const {
    int64_t n = 1;
    for (int64_t d : dims_) n *= d;
    return n;
}

std::string Shape::str() const {
    std::ostringstream out;
    out << '(';
    for (size_t i = 0; i < dims_.size(); ++i) out << (i ? ", " : "") << dims_[i];
    out << ')';
    return out.str();
}

std::ostream& operator<<(std::ostream& out, const Shape& shape) { return out << shape.str(); }

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    const int rank = std::max(a.rank(), b.rank());
    std::vector<int64_t> dims(static_cast<size_t>(rank));
    for (int i = 0; i < rank; ++i) {
        const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
        const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        GANTRY_CHECK_AS(ShapeError, da == db || da == 1 || db == 1, op, ": shapes ", a, " and ",
                        b, " do not broadcast (axis ", i, ": ", da, " vs ", db,
                        "); each axis must match or be 1");
        dims[static_cast<size_t>(i)] = da == 1 ? db : da;
    }
    return Shape(dims);
}

}  // namespace gantry
