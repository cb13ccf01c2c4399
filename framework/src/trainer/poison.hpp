// SPDX-License-Identifier: Apache-2.0
#pragma once
// A test-only fault seam for the divergence checks (docs/reliability.md, "Numerics"). Inert
// unless the environment variable GANTRY_TEST_POISON is set, as
//
//     GANTRY_TEST_POISON=<place>:<iteration>:<step>[:nan|inf|-inf]
//
// place: loss (a loss term's value), grad (one gradient element after backward) or weight (one
// weight element after the optimizer step); iteration and step are 1-based, as in the divergence
// messages; the value defaults to nan. The tests use it to check that every kind of non-finite
// value is caught in the step that produced it and never reaches a checkpoint.
#include <cstddef>
#include <cstdint>
#include <optional>

namespace gantry::train::detail {

enum class PoisonPlace { loss, grad, weight };

/// The value to plant at (place, iteration, step) — iteration 0-based as the trainer counts, step
/// 0-based — or nothing (always nothing without GANTRY_TEST_POISON). Throws ConfigError when the
/// variable is set but malformed.
std::optional<float> poison_at(PoisonPlace place, int64_t iteration, size_t step);

}  // namespace gantry::train::detail
