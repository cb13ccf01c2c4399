// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Sample-quality metrics between two sets of feature vectors (rows of (N, D) tensors), as the
/// image metrics compute them on the reference classifier's features. All arithmetic is in
/// double. docs/metrics.md gives the formulas and papers.
#include <cstdint>
#include <vector>

#include "gantry/tensor.hpp"

namespace gantry::eval {

/// The mean (D) and covariance (D x D, row-major, unbiased: divided by N - 1) of the rows.
struct GaussianFit {
    int64_t dim = 0;
    std::vector<double> mean;
    std::vector<double> covariance;
};
GaussianFit fit_gaussian(const Tensor& features);

/// Fréchet distance between N(m1, S1) and N(m2, S2):
/// |m1 - m2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2), with matrix square roots from
/// symmetric eigendecompositions (tiny negative eigenvalues of round-off are clamped to 0).
double frechet_distance(const GaussianFit& a, const GaussianFit& b);

/// Kernel Inception Distance (Binkowski et al. 2018): the unbiased MMD^2 with the kernel
/// k(x, y) = (x.y / D + 1)^3, averaged over `subsets` random subsets of `subset_size` rows of
/// each set (drawn from `seed`; subset_size is capped at the smaller set).
struct KidValue {
    double mean = 0;
    double std = 0;
    int64_t subsets = 0;
    int64_t subset_size = 0;
};
KidValue kernel_inception_distance(const Tensor& real, const Tensor& fake, int64_t subsets,
                                   int64_t subset_size, uint64_t seed);

/// Improved precision and recall (Kynkaanniemi et al. 2019): the manifold of a set is the union
/// of balls around its points reaching their k-th nearest neighbour in the set; precision is the
/// fraction of fake points inside the real manifold, recall the fraction of real points inside
/// the fake one.
struct PrecisionRecall {
    double precision = 0;
    double recall = 0;
};
PrecisionRecall precision_recall(const Tensor& real, const Tensor& fake, int64_t k);

/// Density and coverage (Naeem et al. 2020), with the k-NN balls of the real points only:
/// density = (1 / kM) sum_j sum_i [fake j in ball i] (about 1 when the sets match, unbounded);
/// coverage = fraction of real balls holding at least one fake point.
struct DensityCoverage {
    double density = 0;
    double coverage = 0;
};
DensityCoverage density_coverage(const Tensor& real, const Tensor& fake, int64_t k);

/// The Inception Score with the reference classifier: exp(mean_x KL(p(y|x) || p(y))) from the
/// class scores (N, C) before softmax; between 1 and C.
double classifier_score(const Tensor& logits);

}  // namespace gantry::eval
