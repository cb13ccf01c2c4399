// SPDX-License-Identifier: Apache-2.0
// A mixture's modes in DataInfo::metadata: what gaussian_mixture writes and mixture_metrics and
// the scatter plots read.
#include <catch2/catch.hpp>

#include "gantry/datasets/mixture.hpp"
#include "gantry/error.hpp"

using namespace gantry;
using Catch::Contains;

TEST_CASE("mixture metadata: set_mixture and find_mixture round-trip exactly", "[data]") {
    DataInfo info;
    CHECK_FALSE(datasets::find_mixture(info).has_value());  // most data names no mixture

    const float x = 0.70710677f;  // float means reach the metric as the same doubles
    datasets::set_mixture(info, {{{x, -x}, {-2.0, 0.25}}, 0.01f});
    CHECK(info.metadata.at(datasets::kMixtureMeans) == std::vector<double>{x, -x, -2.0, 0.25});
    CHECK(info.metadata.at(datasets::kMixtureStd) == std::vector<double>{0.01f});

    const std::optional<datasets::Mixture> m = datasets::find_mixture(info);
    REQUIRE(m.has_value());
    REQUIRE(m->means.size() == 2);
    CHECK(m->means[0] == std::array<double, 2>{x, -x});
    CHECK(m->means[1] == std::array<double, 2>{-2.0, 0.25});
    CHECK(m->sigma == static_cast<double>(0.01f));

    // Written twice: the second mixture replaces the first.
    datasets::set_mixture(info, {{{1, 1}}, 0.5});
    CHECK(datasets::find_mixture(info)->means.size() == 1);
}

TEST_CASE("mixture metadata: malformed entries are refused - naming the key", "[data][errors]") {
    DataInfo info;
    info.metadata[datasets::kMixtureMeans] = {1, 0};
    CHECK_THROWS_AS(datasets::find_mixture(info), Error);
    CHECK_THROWS_WITH(datasets::find_mixture(info),
                      Contains("mixture.means and mixture.std go together, got only mixture.means"));

    info.metadata[datasets::kMixtureStd] = {0.1, 0.2};
    CHECK_THROWS_WITH(datasets::find_mixture(info), Contains("mixture.std must be one positive number, got 2"));
    info.metadata[datasets::kMixtureStd] = {0};
    CHECK_THROWS_WITH(datasets::find_mixture(info), Contains("mixture.std must be one positive number"));

    info.metadata[datasets::kMixtureStd] = {0.1};
    info.metadata[datasets::kMixtureMeans] = {};
    CHECK_THROWS_WITH(datasets::find_mixture(info), Contains("(x, y) pairs, got 0 numbers"));

    info.metadata.erase(datasets::kMixtureMeans);
    CHECK_THROWS_WITH(datasets::find_mixture(info), Contains("got only mixture.std"));
}
