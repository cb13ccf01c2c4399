// SPDX-License-Identifier: Apache-2.0
// Philox4x32-10: Salmon et al. 2011, "Parallel Random Numbers: As Easy as 1, 2, 3".
#include "gantry/random.hpp"

#include <cmath>
#include <vector>

#include "gantry/error.hpp"

namespace gantry {

namespace {
constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
constexpr int kRounds = 10;

struct Block {
    uint32_t w[4];
};

inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
    const uint64_t p = static_cast<uint64_t>(a) * b;
    hi = static_cast<uint32_t>(p >> 32);
    lo = static_cast<uint32_t>(p);
}

// The counter is (block index: 64 bits, stream: 64 bits); the key is the seed.
Block philox(uint64_t block, uint64_t stream, uint64_t seed) {
    uint32_t c0 = static_cast<uint32_t>(block), c1 = static_cast<uint32_t>(block >> 32);
    uint32_t c2 = static_cast<uint32_t>(stream), c3 = static_cast<uint32_t>(stream >> 32);
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int r = 0; r < kRounds; ++r) {
        uint32_t hi0, lo0, hi1, lo1;
        mulhilo(kMul0, c0, hi0, lo0);
        mulhilo(kMul1, c2, hi1, lo1);
        const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += kWeyl0;
        k1 += kWeyl1;
    }
    return {{c0, c1, c2, c3}};
}

// A float in [0, 1) from the top 24 bits: every value is exactly representable.
inline float unit_float(uint32_t w) { return static_cast<float>(w >> 8) * 0x1.0p-24f; }
}  // namespace

Rng::Rng(uint64_t seed, uint64_t stream) { state_ = {seed, stream, 0}; }

void Rng::draw_words(uint32_t* words, int64_t count) {
    const int64_t blocks = (count + 3) / 4;
    const uint64_t first = state_.counter;
    // Each block depends only on its index: the result is the same for any thread count.
#pragma omp parallel for if (blocks > 4096) schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
        const Block block = philox(first + static_cast<uint64_t>(b), state_.stream, state_.seed);
        for (int j = 0; j < 4 && 4 * b + j < count; ++j) words[4 * b + j] = block.w[j];
    }
    state_.counter += static_cast<uint64_t>(blocks);
}

void Rng::fill_uniform(Tensor& dst, float low, float high) {
    GANTRY_CHECK(low < high, "Rng::fill_uniform: expected low < high, got [", low, ", ", high, ")");
    const int64_t n = dst.numel();
    std::vector<uint32_t> words(static_cast<size_t>(n));
    draw_words(words.data(), n);
    float* out = dst.data();
    for (int64_t i = 0; i < n; ++i) out[i] = low + (high - low) * unit_float(words[i]);
}

void Rng::fill_normal(Tensor& dst, float mean, float std) {
    GANTRY_CHECK(std >= 0.f, "Rng::fill_normal: expected std >= 0, got ", std);
    const int64_t n = dst.numel();
    const int64_t pairs = (n + 1) / 2;
    std::vector<uint32_t> words(static_cast<size_t>(2 * pairs));
    draw_words(words.data(), 2 * pairs);
    float* out = dst.data();
    constexpr double kTwoPi = 6.283185307179586;
    // Each pair depends only on its own two words: splitting the loop keeps the values identical
    // for any thread count (the transcendental functions are most of a training step's noise cost).
#pragma omp parallel for if (pairs > 8192) schedule(static)
    for (int64_t p = 0; p < pairs; ++p) {
        // 1 - u in (0, 1]: log never sees zero.
        const double u1 = 1.0 - (words[2 * p] >> 8) * 0x1.0p-24;
        const double u2 = (words[2 * p + 1] >> 8) * 0x1.0p-24;
        const double radius = std::sqrt(-2.0 * std::log(u1));
        out[2 * p] = mean + std * static_cast<float>(radius * std::cos(kTwoPi * u2));
        if (2 * p + 1 < n) out[2 * p + 1] = mean + std * static_cast<float>(radius * std::sin(kTwoPi * u2));
    }
}

void Rng::fill_bernoulli(Tensor& dst, float p) {
    GANTRY_CHECK(p >= 0.f && p <= 1.f, "Rng::fill_bernoulli: expected p in [0, 1], got ", p);
    const int64_t n = dst.numel();
    std::vector<uint32_t> words(static_cast<size_t>(n));
    draw_words(words.data(), n);
    float* out = dst.data();
    for (int64_t i = 0; i < n; ++i) out[i] = unit_float(words[i]) < p ? 1.f : 0.f;
}

Tensor Rng::uniform(const Shape& shape, float low, float high) {
    Tensor t = Tensor::empty(shape);
    fill_uniform(t, low, high);
    return t;
}

Tensor Rng::normal(const Shape& shape, float mean, float std) {
    Tensor t = Tensor::empty(shape);
    fill_normal(t, mean, std);
    return t;
}

Tensor Rng::bernoulli(const Shape& shape, float p) {
    Tensor t = Tensor::empty(shape);
    fill_bernoulli(t, p);
    return t;
}

uint64_t Rng::next_u64() {
    uint32_t words[2];
    draw_words(words, 2);
    return (static_cast<uint64_t>(words[0]) << 32) | words[1];
}

double Rng::next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

uint64_t Rng::next_below(uint64_t n) {
    GANTRY_CHECK(n > 0, "Rng::next_below: expected n > 0");
    // Rejection sampling: no modulo bias.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do v = next_u64();
    while (v >= limit);
    return v % n;
}

}  // namespace gantry
