// SPDX-License-Identifier: Apache-2.0
// Classification and discriminator helpers: one_hot, embedding, maxout, dropout. oneDNN 2.6 has
// no gather or scatter, and its reduction_max returns no argmax, which maxout's gradient needs:
// the kernels are plain loops here, and maxout's forward shares the argmax with its gradients so
// both always agree on which piece won.
#include "ops/misc.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ops/op_utils.hpp"

namespace gantry {

using namespace ops;

namespace {
/// Labels (N) as row indices, each checked to be an integer in [0, classes).
std::vector<int64_t> label_indices(const char* op, const Tensor& labels, int64_t classes) {
    expect_defined(labels, op, "labels");
    expect_shape(labels.rank() == 1, op, "labels must be (N)", labels);
    std::vector<int64_t> rows(static_cast<size_t>(labels.numel()));
    for (int64_t i = 0, n = labels.numel(); i < n; ++i) {
        const float v = labels.data()[i];
        GANTRY_CHECK_AS(ShapeError, std::isfinite(v) && std::floor(v) == v, op, ": label ", v,
                        " at index ", i, " is not an integer");
        GANTRY_CHECK_AS(ShapeError, v >= 0.f && v < static_cast<float>(classes), op, ": label ",
                        v, " at index ", i, " is outside [0, ", classes, ")");
        rows[static_cast<size_t>(i)] = static_cast<int64_t>(v);
    }
    return rows;
}

/// Gather of rows: dst (N, F) = table (classes, F) at rows.
Tensor gather_rows(const Tensor& table, const std::vector<int64_t>& rows) {
    const int64_t f = table.size(1);
    Tensor y = Tensor::empty({static_cast<int64_t>(rows.size()), f});
    for (size_t i = 0; i < rows.size(); ++i)
        std::copy_n(table.data() + rows[i] * f, f, y.data() + static_cast<int64_t>(i) * f);
    return y;
}

// ---- maxout ----------------------------------------------------------------------------------

/// x (N, C*pieces, ...) seen as (N, C, pieces, inner).
struct MaxoutDims {
    int64_t n, c, pieces, inner;
};

MaxoutDims maxout_dims(const char* op, const Tensor& x, int64_t pieces) {
    expect_defined(x, op, "x");
    expect_shape(x.rank() >= 2, op, "x must be (N, C*pieces, ...)", x);
    GANTRY_CHECK(pieces >= 1, op, ": pieces must be >= 1, got ", pieces);
    GANTRY_CHECK_AS(ShapeError, x.size(1) % pieces == 0, op, ": axis 1 of x must be divisible by ",
                    "pieces = ", pieces, ", got ", x.shape());
    int64_t inner = 1;  // a product, not numel / (N * C): N or C may be 0
    for (int i = 2; i < x.rank(); ++i) inner *= x.size(i);
    return {x.size(0), x.size(1) / pieces, pieces, inner};
}

Shape maxout_shape(const Tensor& x, int64_t pieces) {
    std::vector<int64_t> d = x.shape().dims();
    d[1] /= pieces;
    return Shape(d);
}

/// For each output element (N, C, inner), the flat index into x of its group's first maximum.
std::vector<int64_t> maxout_argmax(const Tensor& x, const MaxoutDims& d) {
    std::vector<int64_t> at(static_cast<size_t>(d.n * d.c * d.inner));
    const float* src = x.data();
    size_t k = 0;
    for (int64_t nc = 0; nc < d.n * d.c; ++nc)
        for (int64_t i = 0; i < d.inner; ++i) {
            int64_t best = nc * d.pieces * d.inner + i;
            for (int64_t p = 1; p < d.pieces; ++p) {
                const int64_t j = (nc * d.pieces + p) * d.inner + i;
                if (src[j] > src[best]) best = j;  // strict: the first maximum wins ties
            }
            at[k++] = best;
        }
    return at;
}
}  // namespace

Tensor one_hot(const Tensor& labels, int64_t classes) {
    GANTRY_CHECK(classes > 0, "one_hot: classes must be > 0, got ", classes);
    const std::vector<int64_t> rows = label_indices("one_hot", labels, classes);
    Tensor y = Tensor::zeros({labels.numel(), classes});
    for (size_t i = 0; i < rows.size(); ++i)
        y.data()[static_cast<int64_t>(i) * classes + rows[i]] = 1.f;
    return y;  // labels are indices: nothing to differentiate
}

// A gather rather than matmul(one_hot(labels), table): O(N*F) instead of O(N*classes*F) with no
// (N, classes) temporary, and no dependence on matmul. Gather and scatter-add are each other's
// adjoints, so the op stays twice differentiable in the table.
Tensor embedding(const Tensor& labels, const Tensor& table) {
    expect_defined(table, "embedding", "table");
    expect_shape(table.rank() == 2, "embedding", "table must be (classes, F)", table);
    const int64_t classes = table.size(0);
    Tensor y = gather_rows(table, label_indices("embedding", labels, classes));
    return record("embedding", y, {labels, table}, [labels, classes](const BackwardContext& ctx) {
        // labels are indices: no gradient.
        return std::vector<Tensor>{
            Tensor(), ctx.needs(1) ? embedding_backward(ctx.grad(), labels, classes) : Tensor()};
    });
}

namespace ops {
Tensor embedding_backward(const Tensor& grad, const Tensor& labels, int64_t classes) {
    const std::vector<int64_t> rows = label_indices("embedding_backward", labels, classes);
    expect_shape(grad.rank() == 2 && grad.size(0) == labels.numel(), "embedding_backward",
                 "grad must be (N, F) with N = " + std::to_string(labels.numel()), grad);
    const int64_t f = grad.size(1);
    Tensor table_grad = Tensor::zeros({classes, f});
    // Repeated labels accumulate.
    for (size_t i = 0; i < rows.size(); ++i) {
        const float* g = grad.data() + static_cast<int64_t>(i) * f;
        float* dst = table_grad.data() + rows[i] * f;
        for (int64_t j = 0; j < f; ++j) dst[j] += g[j];
    }
    return record("embedding_backward", table_grad, {grad, labels},
                  [labels](const BackwardContext& ctx) {
                      return std::vector<Tensor>{
                          ctx.needs(0) ? embedding(labels, ctx.grad()) : Tensor(), Tensor()};
                  });
}
}  // namespace ops

Tensor maxout(const Tensor& x, int64_t pieces) {
    const MaxoutDims d = maxout_dims("maxout", x, pieces);
    Tensor y = Tensor::empty(maxout_shape(x, pieces));
    const std::vector<int64_t> at = maxout_argmax(x, d);
    for (size_t k = 0; k < at.size(); ++k) y.data()[k] = x.data()[at[k]];
    return record("maxout", y, {x}, [x, pieces](const BackwardContext& ctx) {
        return std::vector<Tensor>{maxout_scatter(ctx.grad(), x, pieces)};
    });
}

namespace ops {
Tensor maxout_scatter(const Tensor& grad, const Tensor& x, int64_t pieces) {
    const MaxoutDims d = maxout_dims("maxout_scatter", x, pieces);
    expect_defined(grad, "maxout_scatter", "grad");
    expect_shape(grad.shape() == maxout_shape(x, pieces), "maxout_scatter",
                 "grad must have the maxout output shape " + maxout_shape(x, pieces).str(), grad);
    Tensor dst = Tensor::zeros(x.shape());
    const std::vector<int64_t> at = maxout_argmax(x, d);
    for (size_t k = 0; k < at.size(); ++k) dst.data()[at[k]] = grad.data()[k];
    // The selection is piecewise constant in x: x gets no gradient (undefined = zero).
    return record("maxout_scatter", dst, {grad, x}, [x, pieces](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.needs(0) ? maxout_gather(ctx.grad(), x, pieces) : Tensor(),
                                   Tensor()};
    });
}

Tensor maxout_gather(const Tensor& src, const Tensor& x, int64_t pieces) {
    const MaxoutDims d = maxout_dims("maxout_gather", x, pieces);
    expect_defined(src, "maxout_gather", "src");
    expect_shape(src.shape() == x.shape(), "maxout_gather",
                 "src must have the shape of x " + x.shape().str(), src);
    Tensor dst = Tensor::empty(maxout_shape(x, pieces));
    const std::vector<int64_t> at = maxout_argmax(x, d);
    for (size_t k = 0; k < at.size(); ++k) dst.data()[k] = src.data()[at[k]];
    return record("maxout_gather", dst, {src, x}, [x, pieces](const BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.needs(0) ? maxout_scatter(ctx.grad(), x, pieces) : Tensor(),
                                   Tensor()};
    });
}
}  // namespace ops

Tensor dropout(const Tensor& x, float p, bool training, Rng& rng) {
    expect_defined(x, "dropout", "x");
    GANTRY_CHECK(p >= 0.f && p < 1.f, "dropout: p must be in [0, 1), got ", p);
    if (!training || p == 0.f) return x;
    // Inverted dropout: scaling the kept elements at training time makes eval the identity.
    Tensor mask = rng.bernoulli(x.shape(), 1.f - p);
    const float keep_scale = 1.f / (1.f - p);
    for (int64_t i = 0, n = mask.numel(); i < n; ++i) mask.data()[i] *= keep_scale;
    return x * mask;  // mul's rule makes dropout differentiable to any order
}

}  // namespace gantry
