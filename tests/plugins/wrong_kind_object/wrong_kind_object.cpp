// SPDX-License-Identifier: Apache-2.0
// Declares itself a loss but builds an object that is no gantry::Loss.
#include "gantry/plugin.hpp"

namespace {

class NotALoss : public gantry::plugin::Object {
public:
    NotALoss(const gantry::plugin::Options&, const gantry::plugin::Context&) {}
};

}  // namespace

GANTRY_PLUGIN(loss, "wrong_kind_object", "1.0.0", "a loss that is not a Loss",
              gantry::plugin::kNoOptions, NotALoss)
