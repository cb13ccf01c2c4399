// SPDX-License-Identifier: Apache-2.0
// The paired_metrics plugin (issue 13) through the plugin host: PSNR and SSIM on inputs with known
// values, the baselines of the paired dataset, l1 in the hole, the classifier's accuracy, and the
// errors for unpaired data.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "gantry/metric.hpp"
#include "gantry/random.hpp"
#include "plugin/host.hpp"
#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"

using namespace gantry;
using namespace gantry::testing;
using Catch::Matchers::WithinAbs;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

std::unique_ptr<Dataset> paired(const Set& set) {
    return builtin_host().create_dataset("paired", plugin_options(plugin::Kind::dataset, "paired", set),
                                         plugin::Context{0, ""});
}

std::vector<int64_t> iota(int64_t n) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
    return v;
}

/// The evaluation pairs of the first n test images of `data`, with fake = the targets.
struct Pairs {
    Pairs(const Dataset& data, int64_t n) {
        context.dataset = &data;
        context.data = data.info();
        const Batch b = data.get(iota(n));
        context.target = b.x;
        context.fake_labels = b.labels;
        context.condition = data.condition(iota(n));
        context.fake = b.x.clone();
    }
    MetricContext context;
};

std::map<std::string, double> evaluate(const MetricContext& c, const std::vector<std::string>& names) {
    auto metric = builtin_host().create_metric("paired_metrics", plugin_options(plugin::Kind::metric, "paired_metrics"),
                                               plugin::Context{});
    std::map<std::string, double> out;
    for (const MetricValue& v : metric->evaluate(c, names)) out[v.name] = v.value;
    return out;
}

}  // namespace

TEST_CASE("paired metrics: identical images give the PSNR cap and SSIM 1 and a known error its PSNR",
          "[plugins_builtin][metric][paired]") {
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{40}}});
    Pairs p(*data, 40);
    auto v = evaluate(p.context, {"psnr", "ssim"});
    REQUIRE(v.size() == 2);
    CHECK(v["psnr"] == 100.0);  // MSE 0: capped at 100 dB
    CHECK_THAT(v["ssim"], WithinAbs(1.0, 1e-9));

    // Every pixel off by +-s in [-1, 1] (random signs): MSE on [0, 1] is (s/2)^2 exactly.
    for (const float s : {0.02f, 0.1f, 0.4f}) {
        INFO("s " << s);
        Rng rng(5, 0);
        const Tensor u = rng.uniform(p.context.target.shape());
        for (int64_t i = 0; i < u.numel(); ++i)
            p.context.fake.data()[i] = p.context.target.data()[i] + (u.data()[i] < 0.5f ? -s : s);
        v = evaluate(p.context, {"psnr", "ssim"});
        CHECK_THAT(v["psnr"], WithinAbs(-20 * std::log10(s / 2.0), 1e-3));
        CHECK(v["ssim"] < 1.0);
    }
    // Noise lowers SSIM monotonically.
    double previous = 1.0;
    for (const float s : {0.05f, 0.2f, 0.6f}) {
        Rng rng(6, 0);
        const Tensor noise = rng.normal(p.context.target.shape(), 0.f, s);
        for (int64_t i = 0; i < noise.numel(); ++i)
            p.context.fake.data()[i] = std::clamp(p.context.target.data()[i] + noise.data()[i], -1.f, 1.f);
        const double ssim = evaluate(p.context, {"ssim"})["ssim"];
        INFO("noise " << s << " ssim " << ssim);
        CHECK(ssim < previous);
        previous = ssim;
    }
}

TEST_CASE("paired metrics: SSIM of constant images has the closed form of its luminance term",
          "[plugins_builtin][metric][paired]") {
    // Constant images a and b on [0, 1]: variances and covariance are 0, so SSIM is
    // (2ab + C1) / (a^2 + b^2 + C1), C1 = 0.01^2.
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{2}}});
    MetricContext c;
    c.dataset = data.get();
    c.data = data->info();
    c.condition = data->condition({0, 1});
    for (const auto& [a, b] : std::vector<std::pair<double, double>>{{0.5, 0.5}, {0.2, 0.3}, {0.9, 0.1}, {0.0, 0.05}}) {
        INFO("a " << a << " b " << b);
        c.target = Tensor::full({2, 1, 28, 28}, static_cast<float>(2 * a - 1));
        c.fake = Tensor::full({2, 1, 28, 28}, static_cast<float>(2 * b - 1));
        const double expected = (2 * a * b + 1e-4) / (a * a + b * b + 1e-4);
        CHECK_THAT(evaluate(c, {"ssim"})["ssim"], WithinAbs(expected, 1e-5));
    }
    // A pattern against its negative: the structure term is -1, SSIM well below 0.
    std::vector<float> checker(2 * 784);
    for (size_t i = 0; i < checker.size(); ++i) checker[i] = ((i % 28) + (i / 28)) % 2 ? 0.5f : -0.5f;
    c.target = Tensor::from_vector({2, 1, 28, 28}, checker);
    for (float& x : checker) x = -x;
    c.fake = Tensor::from_vector({2, 1, 28, 28}, checker);
    CHECK(evaluate(c, {"ssim"})["ssim"] < -0.9);
}

TEST_CASE("paired metrics: the bicubic baseline of the downsample transform",
          "[plugins_builtin][metric][paired]") {
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{100}}, {"factor", int64_t{2}}});
    Pairs p(*data, 100);
    // fake = the baseline itself: the two columns agree.
    p.context.fake = data->baseline(p.context.condition);
    const auto v = evaluate(p.context, {"psnr", "ssim", "baseline_psnr", "baseline_ssim"});
    REQUIRE(v.size() == 4);
    CHECK(v.at("psnr") == v.at("baseline_psnr"));
    CHECK(v.at("ssim") == v.at("baseline_ssim"));
    CHECK(v.at("baseline_psnr") > 17);
    CHECK(v.at("baseline_ssim") > 0.7);
    // A constant grey answer is far worse than bicubic.
    p.context.fake = Tensor::full(p.context.target.shape(), -0.5f);
    const auto flat = evaluate(p.context, {"psnr", "ssim", "baseline_psnr"});
    CHECK(flat.at("psnr") < v.at("baseline_psnr") - 5);
    CHECK(flat.at("ssim") < 0.5);
    CHECK(flat.at("baseline_psnr") == v.at("baseline_psnr"));
    // Only what is asked for.
    CHECK(evaluate(p.context, {"baseline_ssim"}).size() == 1);
}

TEST_CASE("paired metrics: l1 in the hole and its mean-image baseline",
          "[plugins_builtin][metric][paired]") {
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{30}}, {"transform", std::string("mask")}});
    Pairs p(*data, 30);
    CHECK(evaluate(p.context, {"l1_hole"})["l1_hole"] == 0.0);
    // Off by 0.5 (0.25 on [0, 1]) inside the hole only, off by 1 outside it: only the hole counts.
    for (int64_t i = 0; i < 30; ++i)
        for (int64_t y = 0; y < 28; ++y)
            for (int64_t x = 0; x < 28; ++x) {
                const bool hidden = y >= 8 && y < 20 && x >= 8 && x < 20;
                p.context.fake.data()[i * 784 + y * 28 + x] += hidden ? (x % 2 ? 0.5f : -0.5f) : 1.f;
            }
    const auto v = evaluate(p.context, {"l1_hole", "baseline_l1_hole", "baseline_psnr"});
    CHECK_THAT(v.at("l1_hole"), WithinAbs(0.25, 1e-6));
    // The baseline: the mean image in the hole, the condition (= target) outside.
    const Tensor base = data->baseline(p.context.condition);
    double l1 = 0;
    for (int64_t i = 0; i < 30; ++i)
        for (int64_t y = 8; y < 20; ++y)
            for (int64_t x = 8; x < 20; ++x)
                l1 += std::fabs(base.data()[i * 784 + y * 28 + x] - p.context.target.data()[i * 784 + y * 28 + x]) / 2;
    CHECK_THAT(v.at("baseline_l1_hole"), WithinAbs(l1 / (30 * 144), 1e-6));
    CHECK(v.at("baseline_l1_hole") > 0.05);
    CHECK(v.at("baseline_psnr") > 15);
}

TEST_CASE("paired metrics: the reference classifier's accuracy on the answers",
          "[plugins_builtin][metric][paired]") {
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{300}}, {"factor", int64_t{4}}});
    Pairs p(*data, 300);
    const auto v = evaluate(p.context, {"classifier_accuracy", "baseline_classifier_accuracy"});
    CHECK(v.at("classifier_accuracy") > 0.85);  // the targets themselves
    CHECK(v.at("baseline_classifier_accuracy") < v.at("classifier_accuracy"));
    CHECK(v.at("baseline_classifier_accuracy") > 0.3);
    // The classes rolled by one: the same images are now mostly "wrong".
    for (int64_t i = 0; i < 300; ++i)
        p.context.fake_labels.data()[i] = static_cast<float>((static_cast<int>(p.context.fake_labels.data()[i]) + 1) % 10);
    CHECK(evaluate(p.context, {"classifier_accuracy"})["classifier_accuracy"] < 0.2);
}

TEST_CASE("paired metrics: unpaired data and missing baselines or holes are errors naming the plugin",
          "[plugins_builtin][metric][paired]") {
    const auto edges = paired({{"split", std::string("test")}, {"limit", int64_t{4}}, {"transform", std::string("edges")}});
    Pairs p(*edges, 4);
    CHECK(evaluate(p.context, {"psnr"}).size() == 1);
    CHECK_THAT(error_message<ConfigError>([&] { evaluate(p.context, {"psnr", "baseline_psnr"}); }),
               Catch::Contains("paired_metrics") && Catch::Contains("baseline"));
    CHECK_THAT(error_message<ConfigError>([&] { evaluate(p.context, {"l1_hole"}); }),
               Catch::Contains("paired_metrics") && Catch::Contains("paired.hole"));
    MetricContext unpaired = p.context;
    unpaired.condition = Tensor();
    unpaired.target = Tensor();
    CHECK_THAT(error_message<ConfigError>([&] { evaluate(unpaired, {"psnr", "ssim"}); }),
               Catch::Contains("'paired_metrics'") && Catch::Contains("psnr, ssim") && Catch::Contains("condition"));
    MetricContext unlabelled = p.context;
    unlabelled.fake_labels = Tensor();
    CHECK_THAT(error_message<ConfigError>([&] { evaluate(unlabelled, {"classifier_accuracy"}); }),
               Catch::Contains("fake_labels"));
}
