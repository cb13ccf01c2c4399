// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

namespace gantry::optim {

/// The optimizers update each element of a parameter alone, so their loops are split over the
/// threads (`omp parallel for simd`) without changing a bit of the result. Below this many
/// elements the update costs less than waking the other threads. Measured on mlp2d, 2 threads
/// (docs/performance.md): the serial Adam was ~10 % of the main thread's time while the other
/// thread spun.
constexpr int64_t kParallelUpdateElements = 8192;

}  // namespace gantry::optim
