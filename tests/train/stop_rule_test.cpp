// SPDX-License-Identifier: Apache-2.0
// evaluate.stop_when: the bound rule and the plateau rule (min_delta, as Keras' and Lightning's
// EarlyStopping) evaluation by evaluation, and how the file spells them.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "train/resume.hpp"

using gantry::config::ExperimentSpec;
using gantry::config::StopWhen;
using gantry::train::StopRule;

namespace gantry::config::testing {
const plugin::Catalog& fake_catalog();
}

namespace {

/// Feeds `values` of `metric` one evaluation at a time; the 1-based evaluation at which the rule
/// first says stop, or 0 when it never does.
size_t stops_at(const StopWhen& when, const std::vector<double>& values) {
    StopRule rule(when);
    for (size_t i = 0; i < values.size(); ++i)
        if (rule.observe({{when.metric, values[i]}})) return i + 1;
    return 0;
}

StopWhen plateau(double min_delta, bool minimize, int64_t patience) {
    StopWhen w;
    w.metric = "fd";
    w.min_delta = min_delta;
    w.minimize = minimize;
    w.patience = patience;
    return w;
}

ExperimentSpec ring_with(const std::string& stop_when) {
    return gantry::config::load_experiment(std::string(GANTRY_SOURCE_DIR) + "/tests/config/data/ring.yaml",
                                           {"evaluate.metrics=[modes, high_quality, kl_modes]",
                                            "evaluate.stop_when=" + stop_when},
                                           &gantry::config::testing::fake_catalog());
}

std::string errors_of(const std::string& stop_when) {
    try {
        ring_with(stop_when);
    } catch (const gantry::config::ConfigErrors& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("stop_when: a bound must hold patience evaluations in a row", "[train][stop_when]") {
    StopWhen w;
    w.metric = "fd";
    w.at_most = 2;
    w.patience = 2;
    CHECK(stops_at(w, {3, 1.5, 2.5, 2, 1}) == 5);
    CHECK(stops_at(w, {3, 1.5, 2.5, 2, 3}) == 0);
    CHECK(stops_at(w, {1, NAN, 1}) == 0);  // a missing value breaks the run
}

TEST_CASE("stop_when: min_delta stops once the best has not improved by more than it", "[train][stop_when]") {
    // Lower is better: 5, 4 (best), 3.95 (not by more than 0.1), 3.99, 3.9 (not: 4 - 0.1 = 3.9) -> 3 in a row.
    CHECK(stops_at(plateau(0.1, true, 3), {5, 4, 3.95, 3.99, 3.9}) == 5);
    // A real improvement starts the count again.
    // (3.45 is not more than 0.1 below the best 3.5: the third in a row.)
    CHECK(stops_at(plateau(0.1, true, 3), {5, 4, 3.95, 3.5, 3.6, 3.7, 3.45}) == 7);
    CHECK(stops_at(plateau(0.1, true, 3), {5, 4, 3.95, 3.5, 3.6, 3.7, 3.35}) == 0);
    CHECK(stops_at(plateau(0.1, true, 3), {5, 4, 3.95, 3.5, 3.6, 3.7, 3.35, 3.3, 3.3, 3.3}) == 10);
    // min_delta 0: any strict improvement counts; an equal value does not.
    CHECK(stops_at(plateau(0, true, 2), {5, 4, 4, 3.999, 4, 4}) == 6);
    // Higher is better.
    CHECK(stops_at(plateau(0, false, 2), {1, 2, 3, 2.5, 2.9}) == 5);
    CHECK(stops_at(plateau(0, false, 2), {1, 2, 3, 2.5, 3.1, 3}) == 0);
    // A missing or non-finite value is no improvement, and NaN never becomes the best.
    CHECK(stops_at(plateau(0, true, 2), {NAN, NAN}) == 2);
    CHECK(stops_at(plateau(0, true, 2), {NAN, 4, NAN, 3}) == 0);
    CHECK(stops_at(plateau(0, true, 1), {4, INFINITY}) == 2);
}

TEST_CASE("stop_when: the reason names the best value and the count", "[train][stop_when]") {
    StopRule rule(plateau(0.5, true, 2));
    rule.observe({{"fd", 3}});
    rule.observe({{"fd", 2.9}});
    REQUIRE(rule.observe({{"fd", 2.8}}));
    CHECK(rule.reason({{"fd", 2.8}}, 1500) ==
          "stop_when met: fd = 2.8 at iteration 1500, no better than its best 3 by more than 0.5 for 2 evaluations");
}

TEST_CASE("stop_when: min_delta's mode defaults to the metric's direction and round-trips", "[config][stop_when]") {
    const ExperimentSpec modes = ring_with("{metric: modes, min_delta: 0.5, patience: 4}");
    REQUIRE(modes.evaluate.stop_when);
    CHECK(modes.evaluate.stop_when->min_delta == 0.5);
    CHECK_FALSE(modes.evaluate.stop_when->minimize);
    CHECK_FALSE(modes.evaluate.stop_when->at_least);
    CHECK(modes.evaluate.stop_when->patience == 4);
    CHECK(ring_with("{metric: kl_modes, min_delta: 0}").evaluate.stop_when->minimize);
    CHECK(ring_with("{metric: modes, min_delta: 0, mode: min}").evaluate.stop_when->minimize);

    const ExperimentSpec again = gantry::config::parse_experiment(modes.resolved_yaml, "resolved.yaml", {},
                                                                  &gantry::config::testing::fake_catalog());
    CHECK_THAT(modes.resolved_yaml,
               Catch::Contains("stop_when: {metric: modes, min_delta: 0.5, mode: max, patience: 4}"));
    CHECK(again.resolved_yaml == modes.resolved_yaml);
}

TEST_CASE("stop_when: bad plateau rules are refused with the key and a hint", "[config][stop_when]") {
    using Catch::Contains;
    CHECK_THAT(errors_of("{metric: modes, at_least: 8, min_delta: 0}"),
               Contains("give one of at_least, at_most (a bound) or min_delta (a plateau), not several"));
    CHECK_THAT(errors_of("{metric: modes, at_least: 8, mode: max}"),
               Contains("evaluate.stop_when.mode: mode goes with min_delta"));
    CHECK_THAT(errors_of("{metric: modes, min_delta: -0.1}"), Contains("evaluate.stop_when.min_delta"));
    CHECK_THAT(errors_of("{metric: modes, min_delta: 0, mode: down}"), Contains("evaluate.stop_when.mode"));
    CHECK_THAT(errors_of("{metric: modes}"), Contains("min_delta"));
}

TEST_CASE("stop_when: a metric best when closest to the real value needs mode", "[config][stop_when]") {
    const std::string text =
        "experiment: counting\ndata: {plugin: counting}\ngenerator: {plugin: dcgan}\n"
        "discriminator: {plugin: dcgan}\nloss: {plugin: nonsaturating}\nschedule: {iterations: 10, batch: 8}\n"
        "evaluate: {every: 5, samples: 16, metrics: [count_mean],\n"
        "           stop_when: {metric: count_mean, min_delta: 0.1}}\n";
    try {
        gantry::config::parse_experiment(text, "counting.yaml");
        FAIL("accepted");
    } catch (const gantry::config::ConfigErrors& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("counting.yaml:8:"));
        CHECK_THAT(std::string(e.what()), Catch::Contains("add mode: min or mode: max"));
    }
    CHECK(gantry::config::parse_experiment(text.substr(0, text.size() - 3) + ", mode: min}}\n", "counting.yaml")
              .evaluate.stop_when->minimize);
}
