// SPDX-License-Identifier: Apache-2.0
// A plugin whose static initializer throws while dlopen() runs it. Nothing in-process can catch
// that (the exception cannot leave the loader: std::terminate); this fixture keeps the documented
// limit honest — the CLI test checks that the process dies by SIGABRT rather than, say, hangs.
#include <stdexcept>

#include "gantry/plugin.hpp"

namespace {

int explode() { throw std::runtime_error("static initializer of static_init_throws"); }
[[maybe_unused]] const int kExplodes = explode();

class NeverLoss : public gantry::Loss {
public:
    NeverLoss(const gantry::plugin::Options&, const gantry::plugin::Context&) {}
    gantry::LossTerms discriminator_loss(const gantry::DiscriminatorStep&) override { return {}; }
    gantry::LossTerms generator_loss(const gantry::GeneratorStep&) override { return {}; }
};

}  // namespace

GANTRY_PLUGIN(loss, "static_init_throws", "1.0.0", "dies while loading",
              gantry::plugin::kNoOptions, NeverLoss)
