// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Helpers for the op catalog: random inputs kept away from an op's kinks, and Catch2 glue.
#include <catch2/catch.hpp>

#include "gantry/ops.hpp"
#include "gantry/random.hpp"
#include "gantry/tensor.hpp"
#include "gantry/threads.hpp"
#include "support/gradcheck.hpp"

namespace gantry::testing {

/// U[low, high) values; with `min_abs` > 0 each value is pushed at least that far from zero
/// (finite differences across a kink such as relu's are meaningless).
inline Tensor random_tensor(const Shape& shape, uint64_t seed, float low = -1.f, float high = 1.f,
                            float min_abs = 0.f) {
    Rng rng(seed, 99);
    Tensor t = rng.uniform(shape, low, high);
    if (min_abs > 0.f)
        for (int64_t i = 0; i < t.numel(); ++i) {
            float& v = t.data()[i];
            if (v > -min_abs && v < min_abs) v = v < 0 ? v - min_abs : v + min_abs;
        }
    return t;
}

/// Convolution parameters: stride (s0, s1), padding (p0, p1), dilation (d0, d1).
inline Conv2dParams conv_params(int64_t s0, int64_t s1, int64_t p0, int64_t p1, int64_t d0 = 1,
                                int64_t d1 = 1) {
    Conv2dParams p;
    p.stride = {s0, s1};
    p.padding = {p0, p1};
    p.dilation = {d0, d1};
    return p;
}

}  // namespace gantry::testing

#define GANTRY_REQUIRE_CHECK(result)      \
    do {                                  \
        const auto r_ = (result);         \
        INFO(r_.report);                  \
        REQUIRE(r_.ok);                   \
    } while (0)

/// The same as a CHECK: a failing result is reported and the test goes on.
#define GANTRY_CHECK_RESULT(result) \
    do {                            \
        const auto r_ = (result);   \
        INFO(r_.report);            \
        CHECK(r_.ok);               \
    } while (0)

namespace gantry::testing {

/// Runs a scope on one thread. Gradchecks run thousands of primitives on tiny tensors: a second
/// thread only adds a fork-join per call, and on a busy machine a wait for a time slice at every
/// barrier (70x slower measured here).
struct SingleThread {
    int previous = num_threads();
    SingleThread() { set_num_threads(1); }
    ~SingleThread() { set_num_threads(previous); }
    SingleThread(const SingleThread&) = delete;
    SingleThread& operator=(const SingleThread&) = delete;
};

}  // namespace gantry::testing
