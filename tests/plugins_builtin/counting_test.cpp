// SPDX-License-Identifier: Apache-2.0
// The counting dataset and the counting_metrics metric (issue 18 part 4), loaded from build/plugins
// through plugin::Host as a run loads them: every real image holds exactly its label's number of
// separate objects, the counts follow the declared list, images are a pure function of (seed,
// index); the metric counts the real data right (TV at its floor, nothing impossible) and sees
// blank images, merged objects, specks and too many objects for what they are.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/metric.hpp"
#include "gantry/tensor.hpp"
#include "plugin/host.hpp"
#include "support/builtin_plugins.hpp"

using namespace gantry;
using namespace gantry::testing;
using Catch::Matchers::WithinAbs;

namespace {

std::unique_ptr<Dataset> counting(uint64_t seed, const std::map<std::string, plugin::OptionValue>& set = {}) {
    return builtin_host().create_dataset("counting", plugin_options(plugin::Kind::dataset, "counting", set),
                                         plugin::Context{seed, ""});
}

std::vector<int64_t> iota(int64_t n) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
    return v;
}

std::map<std::string, MetricValue> evaluate(const Dataset& data, const Tensor& fake,
                                            const std::map<std::string, plugin::OptionValue>& set = {}) {
    auto metric = builtin_host().create_metric(
        "counting_metrics", plugin_options(plugin::Kind::metric, "counting_metrics", set), plugin::Context{});
    MetricContext c;
    c.dataset = &data;
    c.data = data.info();
    c.fake = fake;
    c.seed = 3;
    std::map<std::string, MetricValue> out;
    for (const MetricValue& v : metric->evaluate(c, {"count_tv", "count_impossible", "count_mean"}))
        out[v.name] = v;
    REQUIRE(out.size() == 3);
    return out;
}

/// Images of side s, background -1, with a white s0 x s0 square at each (x, y).
Tensor with_squares(int64_t n, int64_t s, const std::vector<std::pair<int64_t, int64_t>>& at, int64_t side) {
    Tensor x = Tensor::full(Shape{n, 1, s, s}, -1.f);
    for (int64_t i = 0; i < n; ++i)
        for (const auto& [px, py] : at)
            for (int64_t y = py; y < py + side; ++y)
                for (int64_t xx = px; xx < px + side; ++xx) x.data()[i * s * s + y * s + xx] = 1.f;
    return x;
}

}  // namespace

TEST_CASE("counting: k separate objects per image with label k - counts from the declared list",
          "[plugins_builtin][data][counting]") {
    const auto data = counting(0);
    const DataInfo info = data->info();
    CHECK(info.sample_shape == Shape{1, 32, 32});
    CHECK(info.size == 60000);
    CHECK(info.classes == 5);
    CHECK(info.images);
    REQUIRE(info.metadata.count("counting.distribution"));
    CHECK(info.metadata.at("counting.distribution") == std::vector<double>{0, 0.25, 0.25, 0.25, 0.25});

    const int64_t n = 2000;
    const Batch b = data->get(iota(n));
    REQUIRE(b.x.shape() == Shape{n, 1, 32, 32});
    REQUIRE(b.labels.shape() == Shape{n});
    std::map<int64_t, int64_t> labels;
    for (int64_t i = 0; i < n; ++i) ++labels[static_cast<int64_t>(b.labels.data()[i])];
    REQUIRE(labels.size() == 4);
    for (const auto& [k, images] : labels) {
        CHECK(k >= 1);
        CHECK(k <= 4);
        CHECK(std::abs(images - n / 4) < 100);  // uniform: 500 each, s.d. ~19
    }
    int64_t not_binary = 0;
    for (int64_t i = 0; i < n * 1024; ++i) not_binary += b.x.data()[i] != -1.f && b.x.data()[i] != 1.f;
    CHECK(not_binary == 0);

    // The metric's connected components count every real image exactly: per-image counts equal
    // the labels (one image at a time), so the TV between the real histograms is sampling alone.
    auto metric = builtin_host().create_metric(
        "counting_metrics", plugin_options(plugin::Kind::metric, "counting_metrics"), plugin::Context{});
    for (int64_t i = 0; i < 200; ++i) {
        const Batch one = data->get({i});
        MetricContext c;
        c.dataset = data.get();
        c.data = info;
        c.fake = one.x;
        const auto v = metric->evaluate(c, {"count_mean"});
        REQUIRE(v.size() == 1);
        INFO("image " << i);
        CHECK(v[0].value == one.labels.item());
    }

    // A pure function of (seed, index); another seed draws other images.
    const Batch again = data->get({7, 3});
    CHECK(std::equal(again.x.data(), again.x.data() + 1024, b.x.data() + 7 * 1024));
    CHECK(again.labels.data()[1] == b.labels.data()[3]);
    const Batch other = counting(1)->get({7});
    CHECK_FALSE(std::equal(other.x.data(), other.x.data() + 1024, b.x.data() + 7 * 1024));

    // Options: a weighted list, 48x48, shapes, and placements that cannot fit are refused.
    const auto weighted = counting(0, {{"counts", std::vector<int64_t>{2, 2, 5}}, {"size", int64_t{48}},
                                       {"shapes", std::string("disc")}});
    CHECK(weighted->info().sample_shape == Shape{1, 48, 48});
    CHECK(weighted->info().classes == 6);
    const std::vector<double> p = weighted->info().metadata.at("counting.distribution");
    CHECK_THAT(p[2], WithinAbs(2.0 / 3, 1e-12));
    CHECK_THAT(p[5], WithinAbs(1.0 / 3, 1e-12));
    const Batch w = weighted->get(iota(50));
    for (int64_t i = 0; i < 50; ++i) CHECK((w.labels.data()[i] == 2.f || w.labels.data()[i] == 5.f));
    // Unlabelled: the same images, no labels, no classes, the same declared distribution.
    const auto unlabelled = counting(0, {{"labelled", false}});
    CHECK(unlabelled->info().classes == 0);
    CHECK(unlabelled->info().metadata.at("counting.distribution") == info.metadata.at("counting.distribution"));
    const Batch u = unlabelled->get({7});
    CHECK_FALSE(u.labels.defined());
    CHECK(std::equal(u.x.data(), u.x.data() + 1024, b.x.data() + 7 * 1024));
    CHECK(unlabelled->info().identity != info.identity);
    CHECK_THROWS_WITH(counting(0, {{"counts", std::vector<int64_t>{9}}}), Catch::Contains("do not fit"));
    CHECK_THROWS_WITH(counting(0, {{"min_side", int64_t{9}}}), Catch::Contains("larger than max_side"));
    CHECK_THROWS_WITH(counting(0, {{"counts", std::vector<int64_t>{}}}), Catch::Contains("at least one"));
    CHECK_THROWS_WITH(data->get({60000}), Catch::Contains("index 60000 is outside [0, 60000)"));
}

TEST_CASE("counting_metrics: TV against the real counts - impossible counts - specks and merged objects",
          "[plugins_builtin][metric][counting]") {
    const auto data = counting(0);
    const int64_t n = 1000;

    // Real images as the "generated" ones: TV at sampling level, nothing impossible, mean ~2.5.
    const auto real = evaluate(*data, data->get(iota(n)).x);
    CHECK(real.at("count_tv").value < 0.08);
    CHECK(real.at("count_impossible").value == 0);
    CHECK_THAT(real.at("count_mean").value, WithinAbs(2.5, 0.15));
    const auto& d = real.at("count_tv").details;
    CHECK(d.at("n_fake") == "1000");
    CHECK(d.at("n_real") == "1000");
    CHECK(d.at("support") == "declared");
    CHECK(std::stod(d.at("floor")) < 0.08);
    CHECK(d.at("real_hist").find("1:") == 0);

    // Blank images: every count is 0, which the data never has.
    const auto blank = evaluate(*data, Tensor::full(Shape{100, 1, 32, 32}, -1.f));
    CHECK(blank.at("count_impossible").value == 1);
    CHECK_THAT(blank.at("count_tv").value, WithinAbs(1, 1e-9));
    CHECK(blank.at("count_mean").value == 0);
    CHECK(blank.at("count_tv").details.at("fake_hist") == "0:100");

    // Three separate squares: 3 each; touching squares merge into one object (8-neighbours,
    // diagonals included); a 1-pixel speck is not an object at min_area 4, but is at min_area 1.
    const Tensor three = with_squares(10, 32, {{1, 1}, {12, 1}, {1, 12}}, 6);
    CHECK(evaluate(*data, three).at("count_mean").value == 3);
    CHECK(evaluate(*data, with_squares(10, 32, {{1, 1}, {7, 7}}, 6)).at("count_mean").value == 1);
    Tensor speck = with_squares(10, 32, {{1, 1}}, 6);
    for (int64_t i = 0; i < 10; ++i) speck.data()[i * 1024 + 30 * 32 + 30] = 1.f;
    CHECK(evaluate(*data, speck).at("count_mean").value == 1);
    CHECK(evaluate(*data, speck, {{"min_area", int64_t{1}}}).at("count_mean").value == 2);
    // A threshold above the objects' value sees nothing.
    CHECK(evaluate(*data, three, {{"threshold", 1.0}}).at("count_mean").value == 0);

    // Six objects are impossible under counts [1, 2, 3, 4].
    const Tensor six = with_squares(10, 32, {{1, 1}, {12, 1}, {23, 1}, {1, 12}, {12, 12}, {23, 12}}, 6);
    const auto many = evaluate(*data, six);
    CHECK(many.at("count_mean").value == 6);
    CHECK(many.at("count_impossible").value == 1);

    // Points are refused.
    auto metric = builtin_host().create_metric(
        "counting_metrics", plugin_options(plugin::Kind::metric, "counting_metrics"), plugin::Context{});
    MetricContext c;
    c.dataset = data.get();
    c.data = data->info();
    c.fake = Tensor::zeros(Shape{4, 2});
    CHECK_THROWS_WITH(metric->evaluate(c, {"count_tv"}), Catch::Contains("must be images"));
}
