// SPDX-License-Identifier: Apache-2.0
// Calls a function that no library defines. Loaded lazily it would kill the host with "symbol
// lookup error" at the first call; the host loads with RTLD_NOW, so it must fail at scan time.
#include "gantry/plugin.hpp"

extern "C" int gantry_test_defined_nowhere(int);

namespace {

class UnresolvedLoss : public gantry::Loss {
public:
    UnresolvedLoss(const gantry::plugin::Options&, const gantry::plugin::Context&) {
        value_ = gantry_test_defined_nowhere(1);
    }
    gantry::LossTerms discriminator_loss(const gantry::DiscriminatorStep&) override { return {}; }
    gantry::LossTerms generator_loss(const gantry::GeneratorStep&) override { return {}; }

private:
    int value_ = 0;
};

}  // namespace

GANTRY_PLUGIN(loss, "unresolved_symbol", "1.0.0", "needs a symbol nobody has",
              gantry::plugin::kNoOptions, UnresolvedLoss)
