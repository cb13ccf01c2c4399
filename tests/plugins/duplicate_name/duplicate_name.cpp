// SPDX-License-Identifier: Apache-2.0
// Built as two libraries in one directory that both call themselves "duplicate_name".
#include "gantry/plugin.hpp"

namespace {

class DuplicateLoss : public gantry::Loss {
public:
    DuplicateLoss(const gantry::plugin::Options&, const gantry::plugin::Context&) {}
    gantry::LossTerms discriminator_loss(const gantry::DiscriminatorStep&) override { return {}; }
    gantry::LossTerms generator_loss(const gantry::GeneratorStep&) override { return {}; }
};

}  // namespace

GANTRY_PLUGIN(loss, "duplicate_name", DUPLICATE_VERSION, "one of two", gantry::plugin::kNoOptions,
              DuplicateLoss)
