// SPDX-License-Identifier: Apache-2.0
// The Philox generator: reproducibility (seed, stream, saved state, thread count) and rough
// distribution checks. Seeds are fixed, so the statistical bounds (about 5 standard errors) are
// deterministic, not flaky.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/random.hpp"
#include "gantry/serialize.hpp"
#include "gantry/threads.hpp"

using namespace gantry;
using Catch::Contains;

namespace {
constexpr int64_t kSamples = 100000;

bool bitwise_equal(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

int64_t count_equal(const Tensor& a, const Tensor& b) {
    int64_t n = 0;
    for (int64_t i = 0; i < a.numel(); ++i) n += a.data()[i] == b.data()[i];
    return n;
}

struct Moments {
    double mean = 0, std = 0;
};

Moments moments(const Tensor& t) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < t.numel(); ++i) sum += t.data()[i];
    const double mean = sum / static_cast<double>(t.numel());
    for (int64_t i = 0; i < t.numel(); ++i) sq += (t.data()[i] - mean) * (t.data()[i] - mean);
    return {mean, std::sqrt(sq / static_cast<double>(t.numel() - 1))};
}

// Restores the thread count a test changed.
struct ThreadCountGuard {
    int saved = num_threads();
    ~ThreadCountGuard() { set_num_threads(saved); }
};
}  // namespace

TEST_CASE("a seed and stream determine the sequence", "[random]") {
    Rng a(42), b(42);
    CHECK(bitwise_equal(a.uniform(Shape{1000}), b.uniform(Shape{1000})));
    CHECK(bitwise_equal(a.normal(Shape{7, 3}), b.normal(Shape{7, 3})));
    CHECK(bitwise_equal(a.bernoulli(Shape{33}, 0.5f), b.bernoulli(Shape{33}, 0.5f)));
    CHECK(a.next_u64() == b.next_u64());
    CHECK(a.next_double() == b.next_double());
    CHECK(a.next_below(1000) == b.next_below(1000));
    CHECK(a.state() == b.state());
}

TEST_CASE("different seeds and streams give unrelated values", "[random]") {
    const Shape shape{10000};
    const Tensor base = Rng(42, 0).uniform(shape);
    const Tensor other_seed = Rng(43, 0).uniform(shape);
    const Tensor other_stream = Rng(42, 1).uniform(shape);
    // Two independent 24-bit uniforms collide with probability 2^-24.
    CHECK(count_equal(base, other_seed) <= 2);
    CHECK(count_equal(base, other_stream) <= 2);
    CHECK(count_equal(other_seed, other_stream) <= 2);
    // Consecutive fills of one generator differ too.
    Rng rng(42);
    const Tensor first = rng.uniform(shape);
    CHECK(bitwise_equal(first, base));
    CHECK(count_equal(first, rng.uniform(shape)) <= 2);
    // Seeds that differ only in their high half still differ.
    CHECK(count_equal(Rng(uint64_t{1} << 40).uniform(shape), Rng(0).uniform(shape)) <= 2);
}

TEST_CASE("a saved state continues the sequence exactly", "[random]") {
    Rng rng(9, 3);
    rng.uniform(Shape{17});
    rng.next_u64();
    const RngState saved = rng.state();
    const Tensor expected_normal = rng.normal(Shape{5, 5});
    const uint64_t expected_int = rng.next_below(97);
    const Tensor expected_uniform = rng.uniform(Shape{20000});

    rng.uniform(Shape{123});  // wander off
    rng.set_state(saved);
    CHECK(bitwise_equal(rng.normal(Shape{5, 5}), expected_normal));
    CHECK(rng.next_below(97) == expected_int);
    CHECK(bitwise_equal(rng.uniform(Shape{20000}), expected_uniform));

    // The same through a state dict and the binary format, into another generator.
    StateDict dict;
    put_rng_state(dict, "rng.", saved);
    const std::string file = encode_tensor_file({.tensors = dict});
    Rng restored(0);
    restored.set_state(get_rng_state(decode_tensor_file(file, "rng state").tensors, "rng."));
    CHECK(restored.state() == saved);
    CHECK(bitwise_equal(restored.normal(Shape{5, 5}), expected_normal));
}

TEST_CASE("a fill depends only on the counter and not on how it is split", "[random]") {
    // Fills advance by whole 4-word blocks, so splitting at a multiple of 4 changes nothing.
    Rng whole(5), split(5);
    const Tensor all = whole.uniform(Shape{40000});
    const Tensor a = split.uniform(Shape{20000});
    const Tensor b = split.uniform(Shape{20000});
    CHECK(std::memcmp(all.data(), a.data(), 20000 * sizeof(float)) == 0);
    CHECK(std::memcmp(all.data() + 20000, b.data(), 20000 * sizeof(float)) == 0);
    CHECK(whole.state() == split.state());
}

TEST_CASE("fills do not depend on the thread count", "[random]") {
    ThreadCountGuard guard;
    // More than 4096 blocks (16384 values): the parallel path runs.
    const Shape shape{3, 50001};
    auto draw = [&](int threads) {
        set_num_threads(threads);
        Rng rng(1234, 7);
        std::vector<Tensor> out = {rng.uniform(shape, -2.f, 3.f), rng.normal(shape, 1.f, 2.f),
                                   rng.bernoulli(shape, 0.25f)};
        out.push_back(Tensor::scalar(static_cast<float>(rng.next_below(1000))));
        return out;
    };
    const auto one = draw(1);
    const auto two = draw(2);
    const auto four = draw(4);
    for (size_t i = 0; i < one.size(); ++i) {
        CHECK(bitwise_equal(one[i], two[i]));
        CHECK(bitwise_equal(one[i], four[i]));
    }
}

TEST_CASE("uniform values are in range with the right moments", "[random]") {
    Rng rng(100);
    const Tensor u = rng.uniform(Shape{kSamples});
    double lo = 1, hi = 0;
    for (float v : u.to_vector()) {
        lo = std::min<double>(lo, v);
        hi = std::max<double>(hi, v);
    }
    CHECK(lo >= 0.0);
    CHECK(hi < 1.0);
    CHECK(lo < 1e-3);
    CHECK(hi > 1 - 1e-3);
    const Moments m = moments(u);
    // std error of the mean: 0.2887 / sqrt(1e5) = 0.0009
    CHECK(m.mean == Approx(0.5).margin(0.005));
    CHECK(m.std == Approx(std::sqrt(1.0 / 12)).margin(0.003));

    const Tensor w = rng.uniform(Shape{kSamples}, -3.f, 5.f);
    for (float v : w.to_vector()) {
        REQUIRE(v >= -3.f);
        REQUIRE(v < 5.f);
    }
    const Moments mw = moments(w);
    CHECK(mw.mean == Approx(1.0).margin(0.04));
    CHECK(mw.std == Approx(8 / std::sqrt(12.0)).margin(0.025));
}

TEST_CASE("normal values have the right moments", "[random]") {
    Rng rng(200);
    const Tensor n = rng.normal(Shape{kSamples + 1}, 2.f, 3.f);  // odd count: last pair half used
    const Moments m = moments(n);
    // std error of the mean: 3 / sqrt(1e5) = 0.0095; of the std: 3 / sqrt(2e5) = 0.0067
    CHECK(m.mean == Approx(2.0).margin(0.05));
    CHECK(m.std == Approx(3.0).margin(0.035));
    int64_t within_one = 0, within_two = 0;
    for (float v : n.to_vector()) {
        REQUIRE(std::isfinite(v));
        within_one += std::fabs(v - 2.f) < 3.f;
        within_two += std::fabs(v - 2.f) < 6.f;
    }
    const double n_total = static_cast<double>(n.numel());
    CHECK(within_one / n_total == Approx(0.6827).margin(0.008));
    CHECK(within_two / n_total == Approx(0.9545).margin(0.004));

    const Tensor zero_std = rng.normal(Shape{10}, -1.f, 0.f);
    CHECK(zero_std.to_vector() == std::vector<float>(10, -1.f));
}

TEST_CASE("bernoulli values are 0 or 1 with the right rate", "[random]") {
    Rng rng(300);
    const Tensor b = rng.bernoulli(Shape{kSamples}, 0.3f);
    for (float v : b.to_vector()) REQUIRE((v == 0.f || v == 1.f));
    // std error: sqrt(0.21 / 1e5) = 0.00145
    CHECK(moments(b).mean == Approx(0.3).margin(0.0075));
    CHECK(rng.bernoulli(Shape{1000}, 0.f).to_vector() == std::vector<float>(1000, 0.f));
    CHECK(rng.bernoulli(Shape{1000}, 1.f).to_vector() == std::vector<float>(1000, 1.f));
}

TEST_CASE("next_below is in range and unbiased", "[random]") {
    Rng rng(400);
    for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{1000003},
                       (uint64_t{1} << 63) + 1, UINT64_MAX}) {
        for (int i = 0; i < 200; ++i) REQUIRE(rng.next_below(n) < n);
    }
    CHECK(rng.next_below(1) == 0);

    // Chi-square over 6 buckets (5 degrees of freedom): 25 is far in the tail (p ~ 1e-4).
    constexpr int kBuckets = 6, kDraws = 60000;
    std::vector<int> counts(kBuckets, 0);
    for (int i = 0; i < kDraws; ++i) ++counts[rng.next_below(kBuckets)];
    double chi2 = 0;
    const double expected = static_cast<double>(kDraws) / kBuckets;
    for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
    INFO("chi-square " << chi2);
    CHECK(chi2 < 25);

    // A range just above 2^63 rejects about half the draws; the result is still uniform: the
    // upper half [2^62, 2^63] of the range is hit about half of the time.
    const uint64_t big = (uint64_t{1} << 63) + 1;
    int upper = 0;
    for (int i = 0; i < 4000; ++i) upper += rng.next_below(big) >= big / 2;
    CHECK(upper == Approx(2000).margin(160));

    REQUIRE_THROWS_WITH(rng.next_below(0), Contains("next_below") && Contains("n > 0"));
}

TEST_CASE("next_double is in the unit interval", "[random]") {
    Rng rng(500);
    double sum = 0;
    for (int i = 0; i < kSamples; ++i) {
        const double d = rng.next_double();
        REQUIRE(d >= 0.0);
        REQUIRE(d < 1.0);
        sum += d;
    }
    CHECK(sum / kSamples == Approx(0.5).margin(0.005));
}

TEST_CASE("bad distribution parameters are rejected", "[random]") {
    Rng rng(1);
    Tensor t = Tensor::empty(Shape{4});
    REQUIRE_THROWS_WITH(rng.fill_uniform(t, 1.f, 1.f),
                        Contains("fill_uniform") && Contains("low < high"));
    REQUIRE_THROWS_WITH(rng.fill_normal(t, 0.f, -1.f),
                        Contains("fill_normal") && Contains("std >= 0") && Contains("-1"));
    REQUIRE_THROWS_WITH(rng.fill_bernoulli(t, 1.5f),
                        Contains("fill_bernoulli") && Contains("[0, 1]") && Contains("1.5"));
    REQUIRE_THROWS_AS(rng.fill_bernoulli(t, std::nanf("")), Error);
    // A rejected call consumes nothing.
    CHECK(rng.state() == Rng(1).state());
}

TEST_CASE("normal values are the exact Box-Muller formula bit for bit", "[random]") {
    // fill_normal computes log, sin and cos with vectorised approximations and recomputes the
    // values whose float rounding they cannot decide; the stream must stay the formula's:
    // pair p of a fill takes words 2p, 2p + 1, whose top 24 bits uniform() returns exactly.
    constexpr int64_t kValues = int64_t{1} << 20;  // ~35 values take the exact path
    constexpr double kTwoPi = 6.283185307179586;
    for (const auto& [mean, std] : {std::pair{0.f, 1.f}, std::pair{-1.5f, 0.02f}}) {
        Rng words(77, 5), rng(77, 5);
        const Tensor u = words.uniform(Shape{kValues});
        const Tensor z = rng.normal(Shape{kValues - 1}, mean, std);  // odd: the last sin unused
        CHECK(words.state() == rng.state());
        int64_t mismatches = 0;
        for (int64_t p = 0; 2 * p < z.numel(); ++p) {
            const double u1 = 1.0 - static_cast<double>(u.data()[2 * p]);
            const double u2 = static_cast<double>(u.data()[2 * p + 1]);
            const double radius = std::sqrt(-2.0 * std::log(u1));
            const float a = mean + std * static_cast<float>(radius * std::cos(kTwoPi * u2));
            const float b = mean + std * static_cast<float>(radius * std::sin(kTwoPi * u2));
            mismatches += std::memcmp(&a, z.data() + 2 * p, sizeof a) != 0;
            if (2 * p + 1 < z.numel()) mismatches += std::memcmp(&b, z.data() + 2 * p + 1, sizeof b) != 0;
        }
        CHECK(mismatches == 0);
    }
}
