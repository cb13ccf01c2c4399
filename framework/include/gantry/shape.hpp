// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace gantry {

/// The dimensions of a dense tensor, outermost first: (N), (N, F) or (N, C, H, W). At most 4-D.
class Shape {
public:
    static constexpr int kMaxRank = 4;

    Shape() = default;
    Shape(std::initializer_list<int64_t> dims);
    explicit Shape(std::vector<int64_t> dims);

    int rank() const { return static_cast<int>(dims_.size()); }
    int64_t operator[](int axis) const { return dims_[static_cast<size_t>(axis)]; }
    /// Dimension `axis`, negative counting from the end (-1 is the last).
    int64_t dim(int axis) const;
    /// Product of all dimensions (1 for a scalar of rank 0).
    int64_t numel() const;
    const std::vector<int64_t>& dims() const { return dims_; }

    bool operator==(const Shape& other) const { return dims_ == other.dims_; }
    bool operator!=(const Shape& other) const { return dims_ != other.dims_; }

    /// "(2, 3, 4)".
    std::string str() const;

private:
    std::vector<int64_t> dims_;
};

std::ostream& operator<<(std::ostream& out, const Shape& shape);

/// The shape of a broadcast between `a` and `b` (numpy rules: align trailing axes; each pair equal
/// or one of them 1). Throws ShapeError naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace gantry
