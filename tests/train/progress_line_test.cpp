// SPDX-License-Identifier: Apache-2.0
// The progress line of `gantry run` (train/progress_line.hpp): fitted to a terminal's width in a
// fixed priority, no rate before it is measured, and the rate-collapse detector on synthetic rates.
#include <catch2/catch.hpp>

#include "train/progress_line.hpp"

using Catch::Contains;
using Catch::StartsWith;
using gantry::train::collapse_message;
using gantry::train::progress_line;
using gantry::train::ProgressState;
using gantry::train::RateCollapse;

namespace {

/// A line as a WGAN-GP grid run shows it: ~165 characters in full.
ProgressState busy_line() {
    ProgressState s;
    s.done = 1250;
    s.total = 20000;
    s.it_per_s = 41.7;
    s.losses = {{"d/grad_norm", 3.2171}, {"d/gp", 0.0123}, {"d/total", -1.5432},
                {"d/wasserstein", -1.5561}, {"g/grad_norm", 0.8125}, {"g/total", 1.2346}};
    s.metrics = {{"high_quality", 0.9512}, {"kl_modes", 0.0421}, {"modes", 24}};
    return s;
}

}  // namespace

TEST_CASE("progress line: in full without a width", "[progress]") {
    const std::string line = progress_line(busy_line(), 0);
    CHECK(line == "[1250/20000] 41.7 it/s, ETA 7m30s  d/gp 0.0123  d/grad_norm 3.217  d/total -1.543"
                  "  d/wasserstein -1.556  g/grad_norm 0.8125  g/total 1.235  high_quality=0.9512"
                  "  kl_modes=0.0421  modes=24");
    CHECK(line.size() == 186);
}

TEST_CASE("progress line: fitted to 120 80 and 40 columns in a fixed priority", "[progress]") {
    const ProgressState s = busy_line();
    // 120: the gradient norms go first (the last one first), then the other loss terms.
    const std::string w120 = progress_line(s, 120);
    CHECK(w120 == "[1250/20000] 41.7 it/s, ETA 7m30s  d/total -1.543  g/total 1.235"
                  "  high_quality=0.9512  kl_modes=0.0421  modes=24");
    // 80: then the totals, then the metrics (the last first).
    const std::string w80 = progress_line(s, 80);
    CHECK(w80 == "[1250/20000] 41.7 it/s, ETA 7m30s  high_quality=0.9512  kl_modes=0.0421");
    // 40: iteration, rate and ETA are kept.
    const std::string w40 = progress_line(s, 40);
    CHECK(w40 == "[1250/20000] 41.7 it/s, ETA 7m30s");
    // Narrower than the head: cut, never wrapped.
    CHECK(progress_line(s, 20) == "[1250/20000] 41.7 it");
    // Every width gives at most that many characters.
    for (size_t w = 1; w <= 200; ++w) CHECK(progress_line(s, w).size() <= w);
}

TEST_CASE("progress line: no rate and no ETA before a rate is measured", "[progress]") {
    ProgressState s;
    s.done = 1;
    s.total = 600;
    CHECK(progress_line(s, 80) == "[1/600] - it/s, ETA ?");
    s.it_per_s = 0.0;
    CHECK(progress_line(s, 80) == "[1/600] - it/s, ETA ?");
    // Rates in plain digits, never in exponent form.
    s.it_per_s = 1.429e7;
    CHECK_THAT(progress_line(s, 0), StartsWith("[1/600] 14290000 it/s"));
    s.it_per_s = 0.8;
    CHECK(progress_line(s, 0) == "[1/600] 0.80 it/s, ETA 12m29s");
}

TEST_CASE("rate collapse: said once when two windows run below a third of the first", "[progress]") {
    SECTION("a steady run never") {
        RateCollapse c;
        for (double r : {42.0, 40.0, 45.0, 38.0, 41.0, 15.0, 44.0, 15.0, 43.0}) CHECK_FALSE(c.observe(r));
    }
    SECTION("a collapse: once, at the second slow window") {
        RateCollapse c;
        CHECK_FALSE(c.observe(42.0));
        CHECK_FALSE(c.observe(40.0));
        CHECK_FALSE(c.observe(9.0));  // one slow window (an evaluation, a checkpoint) is not a collapse
        CHECK(c.observe(3.5));
        CHECK(c.first_rate() == 42.0);
        CHECK(c.last_rate() == 3.5);
        for (double r : {1.0, 2.0, 1.5, 9.0, 1.0, 1.0}) CHECK_FALSE(c.observe(r));
    }
    SECTION("the boundary: exactly a third is not below it") {
        RateCollapse c;
        c.observe(30.0);
        CHECK_FALSE(c.observe(10.0));
        CHECK_FALSE(c.observe(10.0));
        CHECK_FALSE(c.observe(9.99));
        CHECK(c.observe(9.99));
    }
    SECTION("unmeasured windows are ignored, also as the first") {
        RateCollapse c;
        CHECK_FALSE(c.observe(0.0));
        CHECK_FALSE(c.observe(30.0));
        CHECK_FALSE(c.observe(5.0));
        CHECK(c.observe(5.0));
    }
}

TEST_CASE("rate collapse: the note names the likely cause", "[progress]") {
    const std::string two = collapse_message(42.0, 3.5, 2, 2, 19.6);
    CHECK_THAT(two, StartsWith("slow: 3.50 it/s, down from 42.0 it/s in the run's first window"));
    CHECK_THAT(two, Contains("the machine is busy (load 19.6 on 2 cores)"));
    CHECK_THAT(two, Contains("2 threads") && Contains("--set threads=1"));
    const std::string one = collapse_message(42.0, 3.5, 1, 2, -1);
    CHECK_THAT(one, Contains("the machine is busy;"));
    CHECK_THAT(one, !Contains("--set threads=1"));
}
