// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "suggest.hpp"

using gantry::close_names;
using gantry::closest_name;
using gantry::did_you_mean;
using gantry::edit_distance;

TEST_CASE("suggest: optimal string alignment distance", "[suggest]") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("bacth", "batch") == 1);   // one transposition
    CHECK(edit_distance("ca", "abc") == 3);        // OSA, not full Damerau (which gives 2)
    CHECK(edit_distance("Seed", "seed") == 0);     // case-insensitive
    CHECK(edit_distance("lamda", "lambda") == 1);
}

TEST_CASE("suggest: closest name within the larger of 2 and len/3 edits", "[suggest]") {
    const std::vector<std::string> keys{"experiment", "seed", "threads", "schedule", "samples"};
    CHECK(closest_name("sede", keys) == "seed");
    CHECK(closest_name("schedul", keys) == "schedule");
    CHECK(closest_name("experimnet", keys) == "experiment");
    CHECK(closest_name("threds", keys) == "threads");
    CHECK(closest_name("colour", keys).empty());
    // Long names allow more edits: 12 letters → 4.
    CHECK(closest_name("lerning_rat", {"learning_rate"}) == "learning_rate");
    // Rewriting every letter is not a typo.
    CHECK(closest_name("lr", {"wd"}).empty());
    // Ties go to the first candidate.
    CHECK(closest_name("ab", {"abc", "abd"}) == "abc");
    CHECK(did_you_mean("mpl", {"mlp", "dcgan"}) == "did you mean 'mlp'?");
    CHECK(did_you_mean("resnet", {"mlp", "dcgan"}).empty());
}

TEST_CASE("suggest: every close name - closest first - for messages that list them", "[suggest]") {
    using Names = std::vector<std::string>;
    CHECK(close_names("los", {"lost", "dataset", "loss", "lossy"}) == Names{"lost", "loss", "lossy"});
    // 1 and 2 edits; "bad_loss" is 3, beyond max(2, 8 / 3).
    CHECK(close_names("good_los", {"bad_loss", "god_loss", "good_loss"}) == Names{"good_loss", "god_loss"});
    CHECK(close_names("hinje", {"Hinge", "wgan_gp"}) == Names{"Hinge"});
    CHECK(close_names("lr", {"wd", "lr"}) == Names{"lr"});
    CHECK(close_names("zzz", {"loss"}).empty());
    CHECK(close_names("x", {}).empty());
}
