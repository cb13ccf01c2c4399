// SPDX-License-Identifier: Apache-2.0
// A well-formed loss plugin: its terms are constants, enough to prove that an object made in the
// plugin works in the host. Its option table covers every kind of OptionSpec field.
#include <limits>

#include "gantry/plugin.hpp"

namespace {

constexpr double kUnbounded = std::numeric_limits<double>::quiet_NaN();

const gantry::plugin::OptionSpec kOptions[] = {
    {"scale", gantry::plugin::OptionType::number, "1.5", 0, 100, nullptr,
     "multiplies every term"},
    {"steps", gantry::plugin::OptionType::integer, "3", 1, kUnbounded, nullptr,
     "inner steps"},
    {"mode", gantry::plugin::OptionType::string, nullptr, kUnbounded, kUnbounded, "fast|slow",
     "how hard to try"},
    {"hidden", gantry::plugin::OptionType::integer_list, "[8, 8]", 1, 4096, nullptr,
     "layer widths"},
};

class GoodLoss : public gantry::Loss {
public:
    GoodLoss(const gantry::plugin::Options& options, const gantry::plugin::Context&)
        : scale_(options.has("scale") ? options.get_number("scale") : 1.5) {}

    gantry::LossTerms discriminator_loss(const gantry::DiscriminatorStep&) override {
        return {{"d", gantry::Tensor::scalar(static_cast<float>(scale_))}};
    }
    gantry::LossTerms generator_loss(const gantry::GeneratorStep&) override { return {}; }

private:
    double scale_;
};

}  // namespace

GANTRY_PLUGIN(loss, GOOD_LOSS_NAME, "1.2.3", "a constant loss for the host tests", kOptions,
              GoodLoss)
