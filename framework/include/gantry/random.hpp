// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A seeded counter-based generator (Philox4x32-10, Salmon et al. 2011). Value i of a fill depends
/// only on (seed, stream, counter + i), never on the thread count, and the whole state is two
/// integers that save and restore exactly.
#include <cstdint>

#include "gantry/tensor.hpp"

namespace gantry {

struct RngState {
    uint64_t seed = 0;
    uint64_t stream = 0;
    uint64_t counter = 0;  ///< 128-bit Philox blocks consumed so far
    bool operator==(const RngState&) const = default;
};

class Rng {
public:
    /// Streams with the same seed and different `stream` ids are independent.
    explicit Rng(uint64_t seed = 0, uint64_t stream = 0);

    /// U[low, high) in every element.
    void fill_uniform(Tensor& dst, float low = 0.f, float high = 1.f);
    /// N(mean, std^2) in every element (Box-Muller on pairs of uniforms).
    void fill_normal(Tensor& dst, float mean = 0.f, float std = 1.f);
    /// 1 with probability p, else 0.
    void fill_bernoulli(Tensor& dst, float p);

    Tensor uniform(const Shape& shape, float low = 0.f, float high = 1.f);
    Tensor normal(const Shape& shape, float mean = 0.f, float std = 1.f);
    Tensor bernoulli(const Shape& shape, float p);

    /// One uniform 64-bit integer; one double in [0, 1).
    uint64_t next_u64();
    double next_double();
    /// An integer uniform in [0, n).
    uint64_t next_below(uint64_t n);

    RngState state() const { return state_; }
    void set_state(const RngState& state) { state_ = state; }

private:
    /// Fills `count` 32-bit words from the current counter and advances it.
    void draw_words(uint32_t* words, int64_t count);

    RngState state_;
};

}  // namespace gantry
