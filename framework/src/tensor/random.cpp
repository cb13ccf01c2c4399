// SPDX-License-Identifier: Apache-2.0
// Philox4x32-10: Salmon et al. 2011, "Parallel Random Numbers: As Easy as 1, 2, 3".
#include "gantry/random.hpp"

#include <cmath>
#include <cstring>
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

// ---- many blocks at once ------------------------------------------------------------------------
// The Philox above and the Box-Muller of box_muller_exact below, kLanes blocks at a time in
// structure-of-arrays form with no branches, so that the compiler vectorises them (a training
// step's noise batch was 28 % of an mlp2d iteration with the scalar code). GCC builds one clone
// per ISA and picks it when the library loads.
constexpr int kLanes = 16;

struct Lanes {
    alignas(64) uint32_t w[4][kLanes];  // word j of block first + l is w[j][l]
};

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define GANTRY_ISA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GANTRY_ISA_CLONES
#endif

GANTRY_ISA_CLONES
void philox_lanes(uint64_t first, uint64_t stream, uint64_t seed, Lanes& out) {
    const uint32_t s0 = static_cast<uint32_t>(stream), s1 = static_cast<uint32_t>(stream >> 32);
    const uint32_t key0 = static_cast<uint32_t>(seed), key1 = static_cast<uint32_t>(seed >> 32);
    for (int l = 0; l < kLanes; ++l) {
        const uint64_t block = first + static_cast<uint64_t>(l);
        uint32_t c0 = static_cast<uint32_t>(block), c1 = static_cast<uint32_t>(block >> 32);
        uint32_t c2 = s0, c3 = s1, k0 = key0, k1 = key1;
#pragma GCC unroll 10
        for (int r = 0; r < kRounds; ++r) {
            const uint64_t p0 = static_cast<uint64_t>(kMul0) * c0;
            const uint64_t p1 = static_cast<uint64_t>(kMul1) * c2;
            const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
            const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
            c1 = static_cast<uint32_t>(p1);
            c3 = static_cast<uint32_t>(p0);
            c0 = n0;
            c2 = n2;
            k0 += kWeyl0;
            k1 += kWeyl1;
        }
        out.w[0][l] = c0;
        out.w[1][l] = c1;
        out.w[2][l] = c2;
        out.w[3][l] = c3;
    }
}

inline double bits_to_double(uint64_t b) {
    double d;
    std::memcpy(&d, &b, sizeof d);
    return d;
}
inline uint64_t double_to_bits(double d) {
    uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    return b;
}

// log(x) for x in [2^-24, 1]: x = 2^e m with m in [sqrt(1/2), sqrt(2)) (the bit trick of musl's
// log, no branch), log m = 2 atanh(f) with f = (m - 1) / (m + 1), |f| < 0.172, as its series to
// f^23. Checked against glibc's log on all 2^24 inputs the sampler makes: within 2.0 ulp.
inline double log_unit(double x) {
    constexpr uint64_t kSqrtHalfBits = 0x3FE6A09E667F3BCDull;
    const uint64_t shifted = double_to_bits(x) - kSqrtHalfBits;
    // The exponent through 32-bit integers: AVX2 has no 64-bit arithmetic shift or conversion.
    const double e = static_cast<double>(
        static_cast<int32_t>(static_cast<uint32_t>(shifted >> 32)) >> 20);
    const double m = bits_to_double((shifted & 0x000FFFFFFFFFFFFFull) + kSqrtHalfBits);
    const double f = (m - 1.0) / (m + 1.0);
    const double f2 = f * f;
    double p = 1.0 / 23;
    p = p * f2 + 1.0 / 21;
    p = p * f2 + 1.0 / 19;
    p = p * f2 + 1.0 / 17;
    p = p * f2 + 1.0 / 15;
    p = p * f2 + 1.0 / 13;
    p = p * f2 + 1.0 / 11;
    p = p * f2 + 1.0 / 9;
    p = p * f2 + 1.0 / 7;
    p = p * f2 + 1.0 / 5;
    p = p * f2 + 1.0 / 3;
    const double log_m = 2.0 * f + 2.0 * f * f2 * p;
    constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
    return e * kLn2Hi + (log_m + e * kLn2Lo);
}

// sin and cos of x in [0, 2 pi): x = n pi/2 + r, |r| <= pi/4, with pi/2 in three parts (fdlibm's
// constants) so that r keeps its relative accuracy next to the zeros; Taylor series to r^17 and
// r^18. Checked against glibc's sin and cos on all 2^24 inputs: within 2.9 ulp.
inline void sincos_turn(double x, double& sin_x, double& cos_x) {
    constexpr double kTwoOverPi = 6.36619772367581382433e-01;
    constexpr double kPio2_1 = 1.57079632673412561417e+00, kPio2_2 = 6.07710050630396597660e-11,
                     kPio2_2t = 2.02226624879595063154e-21;
    const double n = (x * kTwoOverPi + 0x1.8p52) - 0x1.8p52;  // round to nearest, no call
    const double r = ((x - n * kPio2_1) - n * kPio2_2) - n * kPio2_2t;
    const double r2 = r * r;
    double ps = 1.0 / 355687428096000.0;  // 1/17!
    ps = ps * r2 - 1.0 / 1307674368000.0;
    ps = ps * r2 + 1.0 / 6227020800.0;
    ps = ps * r2 - 1.0 / 39916800.0;
    ps = ps * r2 + 1.0 / 362880.0;
    ps = ps * r2 - 1.0 / 5040.0;
    ps = ps * r2 + 1.0 / 120.0;
    ps = ps * r2 - 1.0 / 6.0;
    const double sin_r = r + r * r2 * ps;
    double pc = 1.0 / 6402373705728000.0;  // 1/18!
    pc = pc * r2 - 1.0 / 20922789888000.0;
    pc = pc * r2 + 1.0 / 87178291200.0;
    pc = pc * r2 - 1.0 / 479001600.0;
    pc = pc * r2 + 1.0 / 3628800.0;
    pc = pc * r2 - 1.0 / 40320.0;
    pc = pc * r2 + 1.0 / 720.0;
    pc = pc * r2 - 1.0 / 24.0;
    const double cos_r = (1.0 - 0.5 * r2) - r2 * r2 * pc;
    // n in {0, ..., 4}; each choice is one comparison, so it becomes a blend.
    const bool odd = std::fabs(n - 2.0) == 1.0;  // n = 1, 3: sin and cos swap
    const double s0 = odd ? cos_r : sin_r;
    const double c0 = odd ? sin_r : cos_r;
    sin_x = std::fabs(n - 2.5) < 1.0 ? -s0 : s0;  // n = 2, 3
    cos_x = std::fabs(n - 1.5) < 1.0 ? -c0 : c0;  // n = 1, 2
}

constexpr double kTwoPi = 6.283185307179586;

/// The reference Box-Muller pair from two words: what every value of fill_normal must equal.
inline void box_muller_exact(uint32_t w1, uint32_t w2, float& a, float& b) {
    // 1 - u in (0, 1]: log never sees zero.
    const double u1 = 1.0 - (w1 >> 8) * 0x1.0p-24;
    const double u2 = (w2 >> 8) * 0x1.0p-24;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    a = static_cast<float>(radius * std::cos(kTwoPi * u2));
    b = static_cast<float>(radius * std::sin(kTwoPi * u2));
}

// The approximations above are within 3 ulp of glibc's (1e-15 relative in the product); a value
// whose float rounding would be the same anywhere within 2^-40 of it is therefore the float the
// exact formula gives, and the rare one that is not (about 1 in 30000) is recomputed exactly.
constexpr double kRoundingMargin = 0x1.0p-40;

inline double rounds_alike(double d) {
    const double lo = static_cast<float>(d - std::fabs(d) * kRoundingMargin);
    const double hi = static_cast<float>(d + std::fabs(d) * kRoundingMargin);
    return lo == hi && d != 0.0 ? 1.0 : 0.0;  // an exact zero's sign: leave it to the exact path
}

struct NormalLanes {
    alignas(64) float value[4][kLanes];  // the block's 4 outputs: cos, sin of two pairs
    alignas(64) float inexact[2][kLanes];  // 1 where a pair must be recomputed exactly
};

struct Pair {
    float cos_value, sin_value, inexact;
};

inline Pair box_muller_fast(uint32_t w1, uint32_t w2) {
    // Through int32: every ISA converts that to double in a vector.
    const double u1 = 1.0 - static_cast<double>(static_cast<int32_t>(w1 >> 8)) * 0x1.0p-24;
    const double u2 = static_cast<double>(static_cast<int32_t>(w2 >> 8)) * 0x1.0p-24;
    const double radius = std::sqrt(-2.0 * log_unit(u1));
    double s, c;
    sincos_turn(kTwoPi * u2, s, c);
    const double dc = radius * c, ds = radius * s;
    const double ok = rounds_alike(dc) * rounds_alike(ds);
    return {static_cast<float>(dc), static_cast<float>(ds), static_cast<float>(1.0 - ok)};
}

GANTRY_ISA_CLONES
void normal_lanes(const Lanes& in, NormalLanes& out) {
    for (int l = 0; l < kLanes; ++l) {
        const Pair a = box_muller_fast(in.w[0][l], in.w[1][l]);
        const Pair b = box_muller_fast(in.w[2][l], in.w[3][l]);
        out.value[0][l] = a.cos_value;
        out.value[1][l] = a.sin_value;
        out.inexact[0][l] = a.inexact;
        out.value[2][l] = b.cos_value;
        out.value[3][l] = b.sin_value;
        out.inexact[1][l] = b.inexact;
    }
}
}  // namespace

Rng::Rng(uint64_t seed, uint64_t stream) { state_ = {seed, stream, 0}; }

void Rng::draw_words(uint32_t* words, int64_t count) {
    const int64_t blocks = (count + 3) / 4;
    const int64_t runs = blocks / kLanes;
    const uint64_t first = state_.counter;
    // Each block depends only on its index: the result is the same for any thread count.
#pragma omp parallel for if (runs > 1024) schedule(static)
    for (int64_t run = 0; run < runs; ++run) {
        Lanes lanes;
        philox_lanes(first + static_cast<uint64_t>(run * kLanes), state_.stream, state_.seed, lanes);
        for (int l = 0; l < kLanes; ++l) {
            const int64_t b = run * kLanes + l;
            for (int j = 0; j < 4 && 4 * b + j < count; ++j) words[4 * b + j] = lanes.w[j][l];
        }
    }
    for (int64_t b = runs * kLanes; b < blocks; ++b) {
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
    // Pair p takes words 2p and 2p + 1 (cos to value 2p, sin to 2p + 1): block b holds pairs 2b
    // and 2b + 1, so block b fills values 4b .. 4b + 3.
    const int64_t blocks = (n + 3) / 4;
    const int64_t runs = (blocks + kLanes - 1) / kLanes;
    const uint64_t first = state_.counter;
    float* out = dst.data();
    // Each value depends only on its block: the same for any thread count.
#pragma omp parallel for if (runs > 1024) schedule(static)
    for (int64_t run = 0; run < runs; ++run) {
        Lanes lanes;
        NormalLanes normals;
        philox_lanes(first + static_cast<uint64_t>(run * kLanes), state_.stream, state_.seed, lanes);
        normal_lanes(lanes, normals);
        for (int l = 0; l < kLanes; ++l) {
            const int64_t b = run * kLanes + l;
            for (int half = 0; half < 2; ++half) {
                float a = normals.value[2 * half][l], c = normals.value[2 * half + 1][l];
                if (normals.inexact[half][l] != 0.f)
                    box_muller_exact(lanes.w[2 * half][l], lanes.w[2 * half + 1][l], a, c);
                const int64_t i = 4 * b + 2 * half;
                if (i < n) out[i] = mean + std * a;
                if (i + 1 < n) out[i + 1] = mean + std * c;
            }
        }
    }
    state_.counter += static_cast<uint64_t>(blocks);
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
