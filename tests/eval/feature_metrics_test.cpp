// SPDX-License-Identifier: Apache-2.0
// The feature metrics against answers known in closed form or worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "gantry/eval/feature_metrics.hpp"
#include "gantry/random.hpp"

using namespace gantry;
using namespace gantry::eval;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

GaussianFit gaussian(std::vector<double> mean, std::vector<double> covariance) {
    GaussianFit g;
    g.dim = static_cast<int64_t>(mean.size());
    g.mean = std::move(mean);
    g.covariance = std::move(covariance);
    return g;
}

Tensor rows(int64_t n, int64_t d, const std::vector<float>& values) { return Tensor::from_vector({n, d}, values); }

}  // namespace

TEST_CASE("fd: equal Gaussians are at distance 0 and the distance is symmetric", "[eval][fd]") {
    const GaussianFit a = gaussian({1, -2, 0.5}, {2, 0.3, 0.1, 0.3, 1, -0.2, 0.1, -0.2, 0.5});
    CHECK_THAT(frechet_distance(a, a), WithinAbs(0, 1e-10));
    const GaussianFit b = gaussian({0, 0, 0}, {1, 0.5, 0, 0.5, 3, 0.4, 0, 0.4, 0.7});
    CHECK_THAT(frechet_distance(a, b), WithinRel(frechet_distance(b, a), 1e-10));
}

TEST_CASE("fd: commuting (diagonal) covariances give |dm|^2 + sum (sqrt s1 - sqrt s2)^2", "[eval][fd]") {
    const GaussianFit a = gaussian({0, 0, 0}, {4, 0, 0, 0, 9, 0, 0, 0, 1});
    const GaussianFit b = gaussian({1, 2, 2}, {1, 0, 0, 0, 16, 0, 0, 0, 0.25});
    const double expected = (1 + 4 + 4) + std::pow(2 - 1, 2) + std::pow(3 - 4, 2) + std::pow(1 - 0.5, 2);
    CHECK_THAT(frechet_distance(a, b), WithinAbs(expected, 1e-10));
}

TEST_CASE("fd: non-commuting 2x2 covariances match the closed form of tr sqrt for 2x2", "[eval][fd]") {
    // For 2x2 PSD M: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)); with M = S1^1/2 S2 S1^1/2,
    // tr M = tr(S1 S2) and det M = det S1 det S2. An element-wise square root fails this test.
    const std::vector<double> s1 = {2, 0.8, 0.8, 1}, s2 = {1, -0.6, -0.6, 3};
    const double tr12 = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
    const double det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2];
    const double trace_root = std::sqrt(tr12 + 2 * std::sqrt(det1 * det2));
    const double expected = (0.5 * 0.5 + 1.5 * 1.5) + (2 + 1) + (1 + 3) - 2 * trace_root;
    CHECK_THAT(frechet_distance(gaussian({0, 0}, s1), gaussian({0.5, -1.5}, s2)), WithinAbs(expected, 1e-10));
}

TEST_CASE("fd: a singular covariance (a dead feature) is handled", "[eval][fd]") {
    // One feature is constant in both sets: FD reduces to the other dimension's 1-D formula.
    const GaussianFit a = gaussian({0, 1}, {4, 0, 0, 0}), b = gaussian({3, 1}, {1, 0, 0, 0});
    CHECK_THAT(frechet_distance(a, b), WithinAbs(9 + 1, 1e-10));
}

TEST_CASE("fd: fits of samples drawn from two Gaussians approach their closed-form distance", "[eval][fd]") {
    // x ~ N(0, I_4); y = A z + m with A lower-triangular, so cov(y) = A A^T.
    const int64_t n = 20000, d = 4;
    Rng rng(5, 0);
    const Tensor x = rng.normal({n, d});
    const Tensor z = rng.normal({n, d});
    const double a[4][4] = {{1.5, 0, 0, 0}, {0.5, 1, 0, 0}, {0, -0.4, 0.7, 0}, {0.2, 0, 0.3, 1.2}};
    const double m[4] = {0.5, -0.5, 0, 1};
    Tensor y = Tensor::empty({n, d});
    for (int64_t i = 0; i < n; ++i)
        for (int r = 0; r < d; ++r) {
            double v = m[r];
            for (int c = 0; c < d; ++c) v += a[r][c] * z.data()[i * d + c];
            y.data()[i * d + r] = static_cast<float>(v);
        }
    std::vector<double> cov(16, 0);
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c)
            for (int k = 0; k < 4; ++k) cov[static_cast<size_t>(r * 4 + c)] += a[r][k] * a[c][k];
    const double exact = frechet_distance(gaussian({0, 0, 0, 0}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}),
                                          gaussian({m[0], m[1], m[2], m[3]}, cov));
    const double fitted = frechet_distance(fit_gaussian(x), fit_gaussian(y));
    CHECK(exact > 1);
    CHECK_THAT(fitted, WithinRel(exact, 0.05));
}

TEST_CASE("fit_gaussian: mean and unbiased covariance of hand-made rows", "[eval][fd]") {
    const GaussianFit g = fit_gaussian(rows(3, 2, {0, 0, 2, 1, 4, 5}));
    CHECK(g.mean == std::vector<double>{2, 2});
    // Centred: (-2,-2) (0,-1) (2,3); divided by n - 1 = 2.
    CHECK_THAT(g.covariance[0], WithinAbs(4, 1e-12));
    CHECK_THAT(g.covariance[1], WithinAbs(5, 1e-12));
    CHECK_THAT(g.covariance[3], WithinAbs(7, 1e-12));
}

TEST_CASE("kid: the unbiased MMD^2 of the cubic kernel on hand-made sets", "[eval][kid]") {
    // D = 1: k(x, y) = (x y + 1)^3. One subset holding both whole sets (MMD is order-free).
    const Tensor x = rows(2, 1, {1, 2}), y = rows(2, 1, {0, 3});
    auto k = [](double p, double q) { return std::pow(p * q + 1, 3); };
    const double expected = (2 * k(1, 2)) / 2 + (2 * k(0, 3)) / 2 - 2 * (k(1, 0) + k(1, 3) + k(2, 0) + k(2, 3)) / 4;
    const KidValue kid = kernel_inception_distance(x, y, 1, 2, 0);
    CHECK_THAT(kid.mean, WithinAbs(expected, 1e-9));
    CHECK(kid.subset_size == 2);
}

TEST_CASE("kid: near 0 for two samples of one distribution and clearly positive for a shift", "[eval][kid]") {
    Rng rng(1, 0);
    const Tensor a = rng.normal({1000, 8}), b = rng.normal({1000, 8}), shifted = rng.normal({1000, 8}, 0.5f);
    const KidValue same = kernel_inception_distance(a, b, 10, 500, 3);
    const KidValue apart = kernel_inception_distance(a, shifted, 10, 500, 3);
    CHECK(std::fabs(same.mean) < 3 * same.std + 1e-3);
    CHECK(apart.mean > 10 * std::fabs(same.mean));
    CHECK(apart.mean > 0.05);
}

TEST_CASE("precision and recall: k-NN manifolds on points of a line", "[eval][precision]") {
    // Real 0..9, k = 1: every real ball has radius 1. Fake {0.5, 100}: one inside, one not.
    std::vector<float> real;
    for (int i = 0; i < 10; ++i) real.push_back(static_cast<float>(i));
    const PrecisionRecall pr = precision_recall(rows(10, 1, real), rows(2, 1, {0.5f, 100}), 1);
    CHECK(pr.precision == 0.5);
    // The fake balls have radius 99.5 (each other's distance): every real point is inside.
    CHECK(pr.recall == 1.0);
    // Fake {0.5, 1.5}: radius 1 each, covering reals 0..2 only.
    const PrecisionRecall narrow = precision_recall(rows(10, 1, real), rows(2, 1, {0.5f, 1.5f}), 1);
    CHECK(narrow.precision == 1.0);
    CHECK(narrow.recall == Approx(0.3));
}

TEST_CASE("density and coverage: counts of fake points in the real k-NN balls", "[eval][density]") {
    std::vector<float> real;
    for (int i = 0; i < 10; ++i) real.push_back(static_cast<float>(2 * i));  // 0, 2, ..., 18; radius 2 at k = 1
    // 1 is in the balls of 0 and 2; 5 in those of 4 and 6; 100 in none.
    const DensityCoverage dc = density_coverage(rows(10, 1, real), rows(3, 1, {1, 5, 100}), 1);
    CHECK(dc.density == Approx(4.0 / 3.0));
    CHECK(dc.coverage == Approx(0.4));
    // k = 2: inner points reach their 2nd neighbour at 2, the two ends at 4; 1 lies in the balls
    // of 0 (radius 4) and 2 (radius 2) -> 2 hits / (k = 2 x 1 fake).
    const DensityCoverage k2 = density_coverage(rows(10, 1, real), rows(1, 1, {1}), 2);
    CHECK(k2.density == Approx(1.0));
    CHECK(k2.coverage == Approx(0.2));
}

TEST_CASE("classifier_score: C for confident predictions spread over C classes  1 for one class",
          "[eval][classifier_score]") {
    std::vector<float> spread, single;
    for (int i = 0; i < 40; ++i)
        for (int c = 0; c < 4; ++c) {
            spread.push_back(c == i % 4 ? 50.f : 0.f);
            single.push_back(c == 2 ? 50.f : 0.f);
        }
    CHECK_THAT(classifier_score(rows(40, 4, spread)), WithinRel(4.0, 1e-9));
    CHECK_THAT(classifier_score(rows(40, 4, single)), WithinAbs(1.0, 1e-9));
    // Uniform predictions carry no information either: score 1.
    CHECK_THAT(classifier_score(Tensor::zeros({40, 4})), WithinAbs(1.0, 1e-12));
}
