// SPDX-License-Identifier: Apache-2.0
// The in-memory plugin catalogue the config tests check against: a few plugins with option
// tables like the real ones will declare. Other test files reach it through fake_catalog().
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "plugin/catalog.hpp"

namespace gantry::config::testing {

std::span<const plugin::OptionSpec> plugin_no_options();

namespace {
using plugin::OptionSpec;
using plugin::OptionType;
constexpr double kAny = std::numeric_limits<double>::quiet_NaN();

const OptionSpec kGaussianMixture[] = {
    {"layout", OptionType::string, "ring", kAny, kAny, "ring|grid", "arrangement of the modes"},
    {"modes", OptionType::integer, "8", 1, 10000, nullptr, "number of Gaussians"},
    {"radius", OptionType::number, "2.0", 0, kAny, nullptr, "ring radius / grid half-width"},
    {"sigma", OptionType::number, "0.02", 1e-6, kAny, nullptr, "standard deviation per mode"},
};
const OptionSpec kIdx[] = {
    {"images", OptionType::path, nullptr, kAny, kAny, nullptr, "IDX image file (.gz or plain)"},
    {"labels", OptionType::path, "", kAny, kAny, nullptr, "IDX label file; empty = none"},
};
const OptionSpec kMlp[] = {
    {"hidden", OptionType::integer_list, "[128, 128]", 1, 65536, nullptr, "hidden layer widths"},
    {"activation", OptionType::string, "leaky_relu", kAny, kAny, "relu|leaky_relu|tanh",
     "hidden activation"},
    {"spectral_norm", OptionType::boolean, "false", kAny, kAny, nullptr,
     "spectral normalisation of every linear layer"},
    {"dropout", OptionType::number, "0", 0, 1, nullptr, "dropout probability"},
};
const OptionSpec kWganGp[] = {
    {"lambda", OptionType::number, "10", 0, kAny, nullptr, "gradient penalty weight"},
    {"target", OptionType::number, "1", 0, kAny, nullptr, "target gradient norm"},
};
const OptionSpec kModes[] = {
    {"threshold", OptionType::number, "3", 0, kAny, nullptr,
     "a sample is high quality within threshold * sigma of a mode"},
};

plugin::InMemoryCatalog make_catalog() {
    using plugin::Kind;
    using plugin::info_from_table;
    plugin::InMemoryCatalog c;
    c.add(info_from_table(Kind::dataset, "gaussian_mixture", "1.0.0", kGaussianMixture));
    c.add(info_from_table(Kind::dataset, "idx", "1.0.0", kIdx));
    c.add(info_from_table(Kind::architecture, "mlp", "1.0.0", kMlp));
    c.add(info_from_table(Kind::loss, "wgan_gp", "1.0.0", kWganGp));
    c.add(info_from_table(Kind::loss, "hinge", "1.0.0", plugin_no_options()));
    c.add(info_from_table(Kind::loss, "nonsaturating", "1.0.0", plugin_no_options()));
    c.add(info_from_table(Kind::metric, "modes", "1.0.0", kModes,
                          "modes, high_quality,kl_modes"));
    return c;
}
}  // namespace

std::span<const plugin::OptionSpec> plugin_no_options() { return {}; }

const plugin::Catalog& fake_catalog() {
    static const plugin::InMemoryCatalog catalog = make_catalog();
    return catalog;
}

}  // namespace gantry::config::testing

using gantry::config::testing::fake_catalog;
using gantry::plugin::Kind;

TEST_CASE("catalog: info_from_table copies the table and splits choices and provides",
          "[config]") {
    const auto* mlp = fake_catalog().find(Kind::architecture, "mlp");
    REQUIRE(mlp != nullptr);
    REQUIRE(mlp->options.size() == 4);
    CHECK(mlp->options[0].default_value == std::optional<std::string>("[128, 128]"));
    CHECK(mlp->options[1].choices == std::vector<std::string>{"relu", "leaky_relu", "tanh"});
    CHECK(std::isnan(mlp->options[0].max) == false);

    const auto* idx = fake_catalog().find(Kind::dataset, "idx");
    REQUIRE(idx != nullptr);
    CHECK_FALSE(idx->options[0].default_value.has_value());  // required

    const auto* modes = fake_catalog().find(Kind::metric, "modes");
    REQUIRE(modes != nullptr);
    CHECK(modes->provides == std::vector<std::string>{"modes", "high_quality", "kl_modes"});
}

TEST_CASE("catalog: lookups are per kind", "[config]") {
    CHECK(fake_catalog().find(Kind::loss, "mlp") == nullptr);
    CHECK(fake_catalog().names(Kind::loss) ==
          std::vector<std::string>{"hinge", "nonsaturating", "wgan_gp"});
}
