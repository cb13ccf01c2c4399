// SPDX-License-Identifier: Apache-2.0
// A plugin whose constructor rejects its options, as real plugins do with bad values. Built twice:
// throwing a std::runtime_error, and (THROW_NON_STD) throwing an int.
#include <stdexcept>

#include "gantry/plugin.hpp"

namespace {

class ThrowingLoss : public gantry::Loss {
public:
    ThrowingLoss(const gantry::plugin::Options&, const gantry::plugin::Context&) {
#ifdef THROW_NON_STD
        throw 42;
#else
        throw std::runtime_error("bad option 'x'");
#endif
    }
    gantry::LossTerms discriminator_loss(const gantry::DiscriminatorStep&) override { return {}; }
    gantry::LossTerms generator_loss(const gantry::GeneratorStep&) override { return {}; }
};

}  // namespace

GANTRY_PLUGIN(loss, THROWING_NAME, "1.0.0", "refuses every option set", gantry::plugin::kNoOptions,
              ThrowingLoss)
