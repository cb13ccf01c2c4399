// SPDX-License-Identifier: Apache-2.0
// The synthetic_images dataset plugin (`gantry bench dcgan64`'s data): shape, range, samples that
// are a pure function of (seed, index), and indices outside the epoch refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "plugin/host.hpp"
#include "support/builtin_plugins.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

std::unique_ptr<Dataset> synthetic(uint64_t seed, const std::map<std::string, plugin::OptionValue>& set = {}) {
    return builtin_host().create_dataset(
        "synthetic_images", plugin_options(plugin::Kind::dataset, "synthetic_images", set),
        plugin::Context{seed, ""});
}

}  // namespace

TEST_CASE("synthetic_images: uniform images between -1 and 1 - each a function of seed and index",
          "[plugins_builtin][data][synthetic_images]") {
    const auto data = synthetic(0);
    const DataInfo info = data->info();
    CHECK(info.sample_shape == Shape{3, 64, 64});
    CHECK(info.size == 512);
    CHECK(info.images);
    CHECK(info.classes == 0);

    const Batch b = data->get({5, 0, 511});
    REQUIRE(b.x.shape() == Shape{3, 3, 64, 64});
    CHECK_FALSE(b.labels.defined());
    const float* x = b.x.data();
    const int64_t per = 3 * 64 * 64;
    CHECK(*std::min_element(x, x + 3 * per) >= -1.f);
    CHECK(*std::max_element(x, x + 3 * per) <= 1.f);
    // Uniform on [-1, 1]: mean near 0, spread near the range.
    double mean = 0;
    for (int64_t i = 0; i < per; ++i) mean += x[i];
    CHECK(std::abs(mean / static_cast<double>(per)) < 0.05);
    CHECK(*std::min_element(x, x + per) < -0.99f);
    CHECK(*std::max_element(x, x + per) > 0.99f);

    // The same index gives the same image, in any batch; other indices and seeds differ.
    const Batch again = data->get({0});
    CHECK(std::equal(again.x.data(), again.x.data() + per, x + per));
    CHECK_FALSE(std::equal(x, x + per, x + per));
    const Batch other_seed = synthetic(1)->get({0});
    CHECK_FALSE(std::equal(other_seed.x.data(), other_seed.x.data() + per, x + per));

    const auto small = synthetic(0, {{"size", int64_t{8}}, {"channels", int64_t{1}}, {"samples", int64_t{10}}});
    CHECK(small->info().sample_shape == Shape{1, 8, 8});
    CHECK(small->get({9}).x.shape() == Shape{1, 1, 8, 8});
    CHECK_THROWS_WITH(small->get({10}), Catch::Contains("index 10 is outside [0, 10)"));
    CHECK_THROWS_WITH(small->get({-1}), Catch::Contains("outside"));
}
