// SPDX-License-Identifier: Apache-2.0
// The non-saturating loss that fails on purpose at a chosen generator step, in the way a real
// plugin can fail: for the sweep test where every run fails differently and the others finish.
//   fail: abort (SIGABRT) | segfault (SIGSEGV) | throw (a C++ exception that is no gantry::Error)
//         | data (gantry::DataError, exit 4) | exit (std::exit(3) from inside the plugin) | none
//   at:   the generator step (1-based) that fails
#include <csignal>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#include <gantry/plugin.hpp>

namespace {
using namespace gantry;

constexpr double kUnbounded = std::numeric_limits<double>::quiet_NaN();

const plugin::OptionSpec kOptions[] = {
    {"fail", plugin::OptionType::string, "none", kUnbounded, kUnbounded, "none|abort|segfault|throw|data|exit",
     "how to fail"},
    {"at", plugin::OptionType::integer, "1", 1, kUnbounded, nullptr, "the generator step that fails"},
};

class FaultyLoss final : public Loss {
public:
    FaultyLoss(const plugin::Options& options, const plugin::Context&)
        : fail_(options.has("fail") ? options.get_string("fail") : "none"),
          at_(options.has("at") ? options.get_int("at") : 1) {}

    LossTerms discriminator_loss(const DiscriminatorStep& s) override {
        return {{"real", mean(softplus(-s.discriminator(s.real, s.real_labels)))},
                {"fake", mean(softplus(s.discriminator(s.fake, s.fake_labels)))}};
    }
    LossTerms generator_loss(const GeneratorStep& s) override {
        if (++steps_ == at_) fail();
        return {{"fake", mean(softplus(-s.d_fake))}};
    }

private:
    void fail() {
        if (fail_ == "abort") std::abort();
        if (fail_ == "segfault") {
            // A sanitizer build catches SIGSEGV and exits 1 with its own report; the sweep under
            // test must see the death by signal an ordinary build sees.
            std::signal(SIGSEGV, SIG_DFL);
            std::raise(SIGSEGV);
        }
        if (fail_ == "throw") throw std::logic_error("faulty_loss: a bug in the plugin");
        if (fail_ == "data") throw DataError("faulty_loss: the data went away");
        if (fail_ == "exit") std::exit(3);
    }

    std::string fail_;
    int64_t at_;
    int64_t steps_ = 0;
};
}  // namespace

GANTRY_PLUGIN(loss, "faulty_loss", "1.0.0", "fails on purpose at a chosen step (tests)", kOptions, FaultyLoss)
