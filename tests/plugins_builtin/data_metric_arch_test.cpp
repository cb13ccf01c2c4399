// SPDX-License-Identifier: Apache-2.0
// gaussian_mixture, mixture_metrics and mlp, loaded from build/plugins through plugin::Host as a
// run loads them.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gantry/architecture.hpp"
#include "gantry/autograd.hpp"
#include "gantry/data.hpp"
#include "gantry/datasets/mixture.hpp"
#include "gantry/metric.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "plugin/host.hpp"

#include "support/builtin_plugins.hpp"

using namespace gantry;
using namespace gantry::testing;
using Catch::Matchers::WithinAbs;

namespace {

plugin::Options defaults(plugin::Kind kind, const std::string& name) { return plugin_options(kind, name); }

std::unique_ptr<Dataset> mixture(const std::map<std::string, plugin::OptionValue>& set = {},
                                 uint64_t seed = 0) {
    plugin::Options o = defaults(plugin::Kind::dataset, "gaussian_mixture");
    for (const auto& [k, v] : set) o.set(k, v);
    return builtin_host().create_dataset("gaussian_mixture", o, plugin::Context{seed, ""});
}

std::vector<int64_t> iota(int64_t n, int64_t from = 0) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = from + i;
    return v;
}

// The modes a dataset declares in DataInfo::metadata.
datasets::Mixture mixture_of(const DataInfo& info) {
    const std::optional<datasets::Mixture> m = datasets::find_mixture(info);
    REQUIRE(m.has_value());
    return *m;
}

size_t nearest_mode(const datasets::Mixture& mixture, float x, float y) {
    size_t best = 0;
    double best_d = 1e300;
    for (size_t k = 0; k < mixture.means.size(); ++k) {
        const double d = std::hypot(x - mixture.means[k][0], y - mixture.means[k][1]);
        if (d < best_d) best_d = d, best = k;
    }
    return best;
}

}  // namespace

// ---- gaussian_mixture ----------------------------------------------------------------------------

TEST_CASE("gaussian_mixture: the default ring has 8 distinct modes at angle 2 pi i / 8 on radius 1",
          "[plugins_builtin][data]") {
    const DataInfo info = mixture()->info();
    const std::vector<std::array<double, 2>> modes = mixture_of(info).means;
    REQUIRE(modes.size() == 8);
    // The float std the samples are drawn with, exactly.
    CHECK(mixture_of(info).sigma == static_cast<double>(0.01f));
    // The mixture's means and std, and the option std's value in force (train/in_force.hpp).
    CHECK(info.metadata.size() == 3);
    CHECK(info.metadata.at("option.std") == std::vector<double>{0.01});
    CHECK(info.sample_shape == Shape{2});
    CHECK(info.size == 100000);
    CHECK_FALSE(info.images);
    CHECK(info.classes == 0);
    for (size_t i = 0; i < 8; ++i) {
        INFO("mode " << i);
        const double a = 2 * M_PI * static_cast<double>(i) / 8;
        CHECK_THAT(modes[i][0], WithinAbs(std::cos(a), 1e-6));
        CHECK_THAT(modes[i][1], WithinAbs(std::sin(a), 1e-6));
        // The float means the samples are drawn around, exactly.
        CHECK(modes[i][0] == static_cast<double>(static_cast<float>(std::cos(2 * M_PI * static_cast<double>(i) / 8))));
        CHECK_THAT(std::hypot(modes[i][0], modes[i][1]), WithinAbs(1.0, 1e-6));
        // linspace(0, 2 pi, k) would put the last mode on the first: every pair is apart.
        for (size_t j = 0; j < i; ++j)
            CHECK(std::hypot(modes[i][0] - modes[j][0], modes[i][1] - modes[j][1]) > 0.7);
    }
    const datasets::Mixture wide = mixture_of(mixture({{"modes", int64_t{5}}, {"radius", 2.0}, {"std", 0.1}})->info());
    REQUIRE(wide.means.size() == 5);
    CHECK(wide.sigma == Approx(0.1));
    CHECK_THAT(wide.means[1][0], WithinAbs(2 * std::cos(2 * M_PI / 5), 1e-5));
    CHECK_THAT(wide.means[1][1], WithinAbs(2 * std::sin(2 * M_PI / 5), 1e-5));
}

TEST_CASE("gaussian_mixture: the default grid is 5x5 at {-4 -2 0 2 4} with std 0.05",
          "[plugins_builtin][data]") {
    const datasets::Mixture grid = mixture_of(mixture({{"layout", std::string("grid")}})->info());
    REQUIRE(grid.means.size() == 25);
    CHECK(grid.sigma == Approx(0.05));
    std::map<std::pair<int, int>, int> seen;
    for (const auto& m : grid.means) {
        const double x = m[0], y = m[1];
        CHECK(std::fabs(x - std::round(x)) < 1e-6);
        CHECK(std::fabs(y - std::round(y)) < 1e-6);
        ++seen[{static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y))}];
    }
    CHECK(seen.size() == 25);
    for (int x : {-4, -2, 0, 2, 4})
        for (int y : {-4, -2, 0, 2, 4}) CHECK(seen[{x, y}] == 1);
}

TEST_CASE("gaussian_mixture: get(indices) is a pure function of (seed  index)",
          "[plugins_builtin][data]") {
    auto a = mixture({}, 42);
    auto b = mixture({}, 42);
    const std::vector<int64_t> idx = {5, 99999, 0, 5, 1234};
    const std::vector<float> xa = a->get(idx).x.to_vector();
    CHECK(xa == b->get(idx).x.to_vector());
    CHECK(a->get(idx).labels.defined() == false);
    // Index 5 appears twice; the same index gives the same sample in any batch, at any position.
    CHECK(xa[0] == xa[6]);
    CHECK(xa[1] == xa[7]);
    const std::vector<float> alone = a->get({1234}).x.to_vector();
    CHECK(alone == std::vector<float>{xa[8], xa[9]});
    // Another seed is another data set.
    CHECK(mixture({}, 43)->get(idx).x.to_vector() != xa);
    CHECK_THROWS_WITH(a->get({100000}), Catch::Contains("outside [0, 100000)"));
    CHECK_THROWS(a->get({-1}));
}

TEST_CASE("gaussian_mixture: modes are equally likely and each has the declared std",
          "[plugins_builtin][data]") {
    for (const char* layout : {"ring", "grid"}) {
        INFO(layout);
        auto data = mixture({{"layout", std::string(layout)}}, 7);
        const datasets::Mixture info = mixture_of(data->info());
        const int64_t n = 40000;
        const Tensor x = data->get(iota(n, 1000)).x;
        REQUIRE(x.shape() == Shape{n, 2});
        const size_t k = info.means.size();
        std::vector<double> count(k), sx(k), sy(k), sxx(k), syy(k);
        for (int64_t i = 0; i < n; ++i) {
            const float px = x.data()[2 * i], py = x.data()[2 * i + 1];
            const size_t m = nearest_mode(info, px, py);
            const double dx = px - info.means[m][0], dy = py - info.means[m][1];
            count[m] += 1, sx[m] += dx, sy[m] += dy, sxx[m] += dx * dx, syy[m] += dy * dy;
        }
        for (size_t m = 0; m < k; ++m) {
            INFO("mode " << m << " with " << count[m] << " samples");
            const double expected = static_cast<double>(n) / static_cast<double>(k);
            // Binomial counts: within 5 standard deviations.
            CHECK(std::fabs(count[m] - expected) < 5 * std::sqrt(expected));
            for (auto [s, ss] : {std::pair{sx[m], sxx[m]}, std::pair{sy[m], syy[m]}}) {
                const double mean = s / count[m];
                const double std = std::sqrt(ss / count[m] - mean * mean);
                CHECK(std::fabs(mean) < 5 * info.sigma / std::sqrt(count[m]));
                // The std of a sample std is about std / sqrt(2 n): well inside 10 %.
                CHECK(std == Approx(info.sigma).epsilon(0.1));
            }
        }
    }
}

// ---- mixture_metrics -----------------------------------------------------------------------------

namespace {

std::map<std::string, double> metrics_of(const std::vector<std::pair<float, float>>& points,
                                         double threshold = 3) {
    static auto data = mixture();
    plugin::Options o = defaults(plugin::Kind::metric, "mixture_metrics");
    o.set("threshold", threshold);
    auto metric = builtin_host().create_metric("mixture_metrics", o, plugin::Context{});
    MetricContext c;
    c.dataset = data.get();
    c.data = data->info();
    std::vector<float> flat;
    for (auto [x, y] : points) flat.push_back(x), flat.push_back(y);
    c.fake = Tensor::from_vector({static_cast<int64_t>(points.size()), 2}, flat);
    std::map<std::string, double> out;
    for (const MetricValue& v : metric->evaluate(c, {"modes", "high_quality", "kl_modes"})) {
        CHECK(v.details.at("n_fake") == std::to_string(points.size()));
        out[v.name] = v.value;
    }
    REQUIRE(out.size() == 3);
    return out;
}

std::pair<float, float> ring_mode(int i, float dx = 0, float dy = 0) {
    const double a = 2 * M_PI * i / 8;
    return {static_cast<float>(std::cos(a)) + dx, static_cast<float>(std::sin(a)) + dy};
}

}  // namespace

TEST_CASE("mixture_metrics: every sample on one mode is one mode and kl log 8",
          "[plugins_builtin][metric]") {
    std::vector<std::pair<float, float>> points;
    for (int i = 0; i < 200; ++i) points.push_back(ring_mode(3, 0.005f * ((i % 5) - 2), 0.f));
    const auto m = metrics_of(points);
    CHECK(m.at("modes") == 1);
    CHECK(m.at("high_quality") == Approx(100));
    CHECK_THAT(m.at("kl_modes"), WithinAbs(std::log(8.0), 1e-9));
}

TEST_CASE("mixture_metrics: samples spread evenly over the 8 modes are 8 modes and kl 0",
          "[plugins_builtin][metric]") {
    std::vector<std::pair<float, float>> points;
    for (int i = 0; i < 800; ++i) points.push_back(ring_mode(i % 8, 0.01f, -0.01f));
    const auto m = metrics_of(points);
    CHECK(m.at("modes") == 8);
    CHECK(m.at("high_quality") == Approx(100));
    CHECK_THAT(m.at("kl_modes"), WithinAbs(0.0, 1e-9));

    // Half on mode 0, half on mode 4: KL(q || uniform) = log(8 / 2).
    points.clear();
    for (int i = 0; i < 100; ++i) points.push_back(ring_mode(i % 2 ? 4 : 0));
    CHECK_THAT(metrics_of(points).at("kl_modes"), WithinAbs(std::log(4.0), 1e-9));
}

TEST_CASE("mixture_metrics: samples far from every mode are not high quality",
          "[plugins_builtin][metric]") {
    std::vector<std::pair<float, float>> points(100, {10.f, -10.f});
    points.push_back({0.f, 0.f});  // the centre of the ring is 1 away from every mode
    const auto m = metrics_of(points);
    CHECK(m.at("high_quality") == 0);
    CHECK(m.at("modes") == 0);
    // Undefined histogram: reported as the worst case.
    CHECK_THAT(m.at("kl_modes"), WithinAbs(std::log(8.0), 1e-9));
}

TEST_CASE("mixture_metrics: high quality means within threshold x std of the nearest mode",
          "[plugins_builtin][metric]") {
    // std 0.01: 3 sigma is 0.03 from the mode centre.
    const std::vector<std::pair<float, float>> points = {ring_mode(0, 0.029f), ring_mode(2, 0.f, 0.031f),
                                                         ring_mode(5, 0.02f, 0.02f), ring_mode(6, 0.022f, 0.022f)};
    const auto m = metrics_of(points);
    CHECK(m.at("high_quality") == Approx(50));
    CHECK(m.at("modes") == 2);
    CHECK(metrics_of(points, 5).at("high_quality") == Approx(100));
}

TEST_CASE("mixture_metrics: data without mixture metadata is refused - naming the keys",
          "[plugins_builtin][metric]") {
    auto metric = builtin_host().create_metric(
        "mixture_metrics", defaults(plugin::Kind::metric, "mixture_metrics"), plugin::Context{});
    MetricContext c;
    c.data.sample_shape = Shape{2};
    c.fake = Tensor::from_vector({1, 2}, {0.f, 0.f});
    CHECK_THROWS_WITH(metric->evaluate(c, {"modes"}),
                      Catch::Contains("mixture metrics need a dataset with known modes") &&
                          Catch::Contains("mixture.means"));
    // Another dataset's numbers under the same keys are checked, not trusted.
    c.data.metadata[datasets::kMixtureMeans] = {1, 0, -1};
    c.data.metadata[datasets::kMixtureStd] = {0.1};
    CHECK_THROWS_WITH(metric->evaluate(c, {"modes"}), Catch::Contains("(x, y) pairs, got 3 numbers"));
}

// ---- mlp -----------------------------------------------------------------------------------------

namespace {

std::shared_ptr<nn::Module> build_mlp(Role role, const std::map<std::string, plugin::OptionValue>& set,
                                      int64_t latent, int64_t pack, uint64_t seed = 1) {
    plugin::Options o = defaults(plugin::Kind::architecture, "mlp");
    o.set("hidden", std::vector<int64_t>{16, 8});
    for (const auto& [k, v] : set) o.set(k, v);
    auto arch = builtin_host().create_architecture("mlp", o, plugin::Context{});
    Rng rng(seed, 3);
    NetworkSpec spec{role, mixture()->info(), latent, pack, &rng, Shape{}};
    return arch->build(spec);
}

int64_t parameter_count(const nn::Module& m) {
    int64_t n = 0;
    for (const Tensor& p : m.parameters()) n += p.numel();
    return n;
}

}  // namespace

TEST_CASE("mlp: G maps (N  latent) to (N  2) and a packed D maps (N/2  4) to (N/2  1)",
          "[plugins_builtin][arch]") {
    Rng rng(9, 9);
    auto g = build_mlp(Role::generator, {}, 6, 1);
    CHECK((*g)(rng.normal({10, 6})).shape() == Shape{10, 2});
    CHECK(parameter_count(*g) == (6 * 16 + 16) + (16 * 8 + 8) + (8 * 2 + 2));

    auto d = build_mlp(Role::discriminator, {}, 6, 2);
    CHECK((*d)(rng.normal({5, 4})).shape() == Shape{5, 1});
    CHECK(parameter_count(*d) == (4 * 16 + 16) + (16 * 8 + 8) + (8 + 1));
    CHECK_THROWS((*d)(rng.normal({5, 2})));

    // The init Rng decides every weight: same seed, same network.
    auto again = build_mlp(Role::generator, {}, 6, 1);
    const auto a = g->named_parameters(), b = again->named_parameters();
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].second.to_vector() == b[i].second.to_vector());
    CHECK(build_mlp(Role::generator, {}, 6, 1, 2)->parameters()[0].to_vector() != g->parameters()[0].to_vector());
}

TEST_CASE("mlp: activation and norm variants build  run forward and backward",
          "[plugins_builtin][arch]") {
    using Set = std::map<std::string, plugin::OptionValue>;
    const std::vector<Set> variants = {
        {{"activation", std::string("leaky_relu")}, {"slope", 0.1}},
        {{"activation", std::string("tanh")}},
        {{"activation", std::string("maxout")}, {"pieces", int64_t{3}}},
        {{"norm", std::string("layer")}},
        {{"activation", std::string("maxout")}, {"norm", std::string("layer")}},
    };
    Rng rng(4, 4);
    for (size_t v = 0; v < variants.size(); ++v) {
        INFO("variant " << v);
        for (Role role : {Role::generator, Role::discriminator}) {
            INFO(to_string(role));
            auto net = build_mlp(role, variants[v], 3, 1);
            const Tensor x = rng.normal({8, role == Role::generator ? 3 : 2});
            const Tensor y = (*net)(x);
            CHECK(y.shape() == (role == Role::generator ? Shape{8, 2} : Shape{8, 1}));
            autograd::backward(sum(square(y)));
            for (const auto& [name, p] : net->named_parameters()) {
                INFO(name);
                CHECK(p.grad().defined());
            }
        }
    }
    // maxout keeps `pieces` linear units per hidden unit: the first layer is 3x wider.
    auto maxout = build_mlp(Role::discriminator, {{"activation", std::string("maxout")}, {"pieces", int64_t{3}}}, 3, 1);
    CHECK(maxout->parameters()[0].shape() == Shape{48, 2});
    CHECK(maxout->parameters()[2].shape() == Shape{24, 16});

    // Batch norm: fine in G (running statistics appear as buffers), refused in D.
    auto g_bn = build_mlp(Role::generator, {{"norm", std::string("batch")}}, 3, 1);
    CHECK((*g_bn)(rng.normal({8, 3})).shape() == Shape{8, 2});
    CHECK_FALSE(g_bn->named_buffers().empty());
    CHECK_THROWS_WITH(build_mlp(Role::discriminator, {{"norm", std::string("batch")}}, 3, 1),
                      Catch::Contains("norm: batch is for generators"));

    // output: tanh bounds G's samples.
    auto g_tanh = build_mlp(Role::generator, {{"output", std::string("tanh")}}, 3, 1);
    for (float v : (*g_tanh)(rng.normal({16, 3}, 0.f, 100.f)).to_vector()) CHECK(std::fabs(v) <= 1.f);
}
