// SPDX-License-Identifier: Apache-2.0
#include "gantry/eval/feature_metrics.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "gantry/error.hpp"
#include "gantry/random.hpp"

namespace gantry::eval {
namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Matrix to_matrix(const Tensor& t, const char* what) {
    GANTRY_CHECK_AS(ShapeError, t.rank() == 2 && t.size(0) > 0, what, ": expected features (N, D), got ", t.shape());
    return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
               t.data(), t.size(0), t.size(1))
        .cast<double>();
}

void check_same_width(const Tensor& a, const Tensor& b) {
    GANTRY_CHECK_AS(ShapeError, a.rank() == 2 && b.rank() == 2 && a.size(1) == b.size(1),
                    "feature metrics: real ", a.shape(), " and fake ", b.shape(), " features differ in width");
}

/// Symmetric PSD square root through the eigendecomposition.
Matrix psd_sqrt(const Matrix& m) {
    Eigen::SelfAdjointEigenSolver<Matrix> solver(m);
    const Eigen::VectorXd roots = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    return solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().transpose();
}

/// Squared Euclidean distances between the rows of a and of b.
Matrix squared_distances(const Matrix& a, const Matrix& b) {
    const Eigen::VectorXd na = a.rowwise().squaredNorm(), nb = b.rowwise().squaredNorm();
    Matrix d = -2.0 * a * b.transpose();
    d.colwise() += na;
    d.rowwise() += nb.transpose();
    return d.cwiseMax(0.0);
}

/// Squared distance from each row to its k-th nearest other row of the same set.
std::vector<double> kth_neighbour_radii(const Matrix& points, int64_t k) {
    GANTRY_CHECK(k >= 1 && k < points.rows(), "k-NN metrics: k = ", k, " needs more than k samples, got ",
                 points.rows());
    const Matrix d = squared_distances(points, points);
    std::vector<double> radii(static_cast<size_t>(points.rows()));
    std::vector<double> row(static_cast<size_t>(points.rows()));
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
        for (Eigen::Index j = 0; j < points.rows(); ++j) row[static_cast<size_t>(j)] = d(i, j);
        // Element 0 after sorting is the point itself (distance 0); element k its k-th neighbour.
        std::nth_element(row.begin(), row.begin() + k, row.end());
        radii[static_cast<size_t>(i)] = row[static_cast<size_t>(k)];
    }
    return radii;
}

/// The fraction of `queries` inside at least one ball (centre i of `centres`, squared radius
/// radii[i]).
double fraction_inside(const Matrix& queries, const Matrix& centres, const std::vector<double>& radii) {
    const Matrix d = squared_distances(queries, centres);
    int64_t inside = 0;
    for (Eigen::Index q = 0; q < d.rows(); ++q)
        for (Eigen::Index c = 0; c < d.cols(); ++c)
            if (d(q, c) <= radii[static_cast<size_t>(c)]) {
                ++inside;
                break;
            }
    return static_cast<double>(inside) / static_cast<double>(d.rows());
}

std::vector<int64_t> choose(int64_t n, int64_t count, Rng& rng) {
    std::vector<int64_t> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), int64_t{0});
    for (int64_t i = 0; i < count; ++i)
        std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(i + static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(n - i))))]);
    all.resize(static_cast<size_t>(count));
    return all;
}

}  // namespace

GaussianFit fit_gaussian(const Tensor& features) {
    const Matrix x = to_matrix(features, "fit_gaussian");
    GANTRY_CHECK(x.rows() >= 2, "fit_gaussian: a covariance needs at least 2 samples, got ", x.rows());
    const Eigen::RowVectorXd mean = x.colwise().mean();
    const Matrix centred = x.rowwise() - mean;
    const Matrix cov = centred.transpose() * centred / static_cast<double>(x.rows() - 1);
    GaussianFit fit;
    fit.dim = x.cols();
    fit.mean.assign(mean.data(), mean.data() + mean.size());
    fit.covariance.assign(cov.data(), cov.data() + cov.size());
    return fit;
}

double frechet_distance(const GaussianFit& a, const GaussianFit& b) {
    GANTRY_CHECK(a.dim == b.dim && a.dim > 0, "frechet_distance: dimensions ", a.dim, " and ", b.dim, " differ");
    const auto d = static_cast<Eigen::Index>(a.dim);
    const Eigen::Map<const Eigen::VectorXd> m1(a.mean.data(), d), m2(b.mean.data(), d);
    const Eigen::Map<const Matrix> s1(a.covariance.data(), d, d), s2(b.covariance.data(), d, d);
    const Matrix root1 = psd_sqrt(s1);
    const Matrix inner = root1 * s2 * root1;
    // inner is symmetric PSD; symmetrise away round-off before the eigensolver.
    Eigen::SelfAdjointEigenSolver<Matrix> solver(0.5 * (inner + inner.transpose()), Eigen::EigenvaluesOnly);
    const double trace_root = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
    return (m1 - m2).squaredNorm() + s1.trace() + s2.trace() - 2.0 * trace_root;
}

KidValue kernel_inception_distance(const Tensor& real, const Tensor& fake, int64_t subsets,
                                   int64_t subset_size, uint64_t seed) {
    check_same_width(real, fake);
    const Matrix x = to_matrix(real, "kid (real)"), y = to_matrix(fake, "kid (fake)");
    const int64_t m = std::min({subset_size, static_cast<int64_t>(x.rows()), static_cast<int64_t>(y.rows())});
    GANTRY_CHECK(m >= 2 && subsets >= 1, "kid: needs subsets >= 1 of at least 2 samples, got ", subsets, " x ", m);
    const double dim = static_cast<double>(x.cols());
    auto kernel = [dim](const Matrix& a, const Matrix& b) {
        return Matrix((a * b.transpose() / dim).array() + 1.0).array().cube().matrix().eval();
    };
    Rng rng(seed, 11);
    std::vector<double> values;
    for (int64_t s = 0; s < subsets; ++s) {
        const std::vector<int64_t> ix = choose(x.rows(), m, rng), iy = choose(y.rows(), m, rng);
        Matrix xs(m, x.cols()), ys(m, y.cols());
        for (int64_t i = 0; i < m; ++i) xs.row(i) = x.row(ix[static_cast<size_t>(i)]), ys.row(i) = y.row(iy[static_cast<size_t>(i)]);
        const Matrix kxx = kernel(xs, xs), kyy = kernel(ys, ys), kxy = kernel(xs, ys);
        const double md = static_cast<double>(m);
        const double mmd = (kxx.sum() - kxx.trace()) / (md * (md - 1)) + (kyy.sum() - kyy.trace()) / (md * (md - 1)) -
                           2.0 * kxy.sum() / (md * md);
        values.push_back(mmd);
    }
    KidValue out;
    out.subsets = subsets;
    out.subset_size = m;
    out.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
    double var = 0;
    for (double v : values) var += (v - out.mean) * (v - out.mean);
    out.std = values.size() > 1 ? std::sqrt(var / static_cast<double>(values.size() - 1)) : 0.0;
    return out;
}

PrecisionRecall precision_recall(const Tensor& real, const Tensor& fake, int64_t k) {
    check_same_width(real, fake);
    const Matrix x = to_matrix(real, "precision (real)"), y = to_matrix(fake, "precision (fake)");
    return {fraction_inside(y, x, kth_neighbour_radii(x, k)), fraction_inside(x, y, kth_neighbour_radii(y, k))};
}

DensityCoverage density_coverage(const Tensor& real, const Tensor& fake, int64_t k) {
    check_same_width(real, fake);
    const Matrix x = to_matrix(real, "density (real)"), y = to_matrix(fake, "density (fake)");
    const std::vector<double> radii = kth_neighbour_radii(x, k);
    const Matrix d = squared_distances(x, y);  // real i, fake j
    int64_t hits = 0, covered = 0;
    for (Eigen::Index i = 0; i < d.rows(); ++i) {
        bool any = false;
        for (Eigen::Index j = 0; j < d.cols(); ++j)
            if (d(i, j) <= radii[static_cast<size_t>(i)]) ++hits, any = true;
        covered += any;
    }
    return {static_cast<double>(hits) / (static_cast<double>(k) * static_cast<double>(y.rows())),
            static_cast<double>(covered) / static_cast<double>(x.rows())};
}

double classifier_score(const Tensor& logits) {
    const Matrix s = to_matrix(logits, "classifier_score");
    Matrix p(s.rows(), s.cols());
    for (Eigen::Index i = 0; i < s.rows(); ++i) {
        const Eigen::RowVectorXd e = (s.row(i).array() - s.row(i).maxCoeff()).exp();
        p.row(i) = e / e.sum();
    }
    const Eigen::RowVectorXd marginal = p.colwise().mean();
    double kl = 0;
    for (Eigen::Index i = 0; i < p.rows(); ++i)
        for (Eigen::Index c = 0; c < p.cols(); ++c)
            if (p(i, c) > 0) kl += p(i, c) * (std::log(p(i, c)) - std::log(marginal(c)));
    return std::exp(kl / static_cast<double>(p.rows()));
}

}  // namespace gantry::eval
