// SPDX-License-Identifier: Apache-2.0
// The captioned dataset plugin (issue 14, text to image) through the plugin host, and the text
// helpers of the SDK (gantry/datasets/text.hpp): the vocabulary in the metadata, words, bags, the
// generated captions against the attributes measured on the images, and a tsv with its bad inputs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/datasets/condition.hpp"
#include "gantry/datasets/text.hpp"
#include "gantry/error.hpp"
#include "gantry/io/png.hpp"
#include "plugin/host.hpp"

#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::testing;
namespace fs = std::filesystem;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

std::unique_ptr<Dataset> captioned(const Set& set = {}) {
    return builtin_host().create_dataset("captioned", plugin_options(plugin::Kind::dataset, "captioned", set),
                                         plugin::Context{0, ""});
}

/// The words a bag holds (entries > 0), in vocabulary order.
std::vector<std::string> words_of(const float* bag, const std::vector<std::string>& vocabulary) {
    std::vector<std::string> words;
    for (size_t k = 0; k < vocabulary.size(); ++k)
        if (bag[k] > 0) words.push_back(vocabulary[k]);
    return words;
}

bool has(const std::vector<std::string>& words, const std::string& w) {
    return std::find(words.begin(), words.end(), w) != words.end();
}

}  // namespace

TEST_CASE("text: words - unknown words - bags and the vocabulary in the metadata", "[datasets][text]") {
    CHECK(datasets::caption_words("A dark, LONG t-shirt's  sleeve!") ==
          std::vector<std::string>{"a", "dark", "long", "t-shirt's", "sleeve"});
    CHECK(datasets::caption_words(" ,. ").empty());
    const std::vector<std::string> vocabulary{"a", "coat", "dark"};
    CHECK(datasets::unknown_words({"a", "darc", "coat", "darc", "x"}, vocabulary) ==
          std::vector<std::string>{"darc", "x"});
    std::vector<float> bag(3, 7.f);
    datasets::bag_of_words({"a", "dark", "dark", "coat", "unknown"}, vocabulary, bag.data());
    CHECK(bag == std::vector<float>{0.25f, 0.25f, 0.5f});

    DataInfo info;
    CHECK_FALSE(datasets::find_vocabulary(info).has_value());
    datasets::set_vocabulary(info, vocabulary);
    CHECK(datasets::find_vocabulary(info) == vocabulary);
    info.metadata[datasets::kTextVocabulary].pop_back();  // the last word's newline
    CHECK_THROWS_WITH(datasets::find_vocabulary(info), Catch::Contains("must end with a newline"));
    CHECK_THROWS(datasets::set_vocabulary(info, {"two\nlines"}));
}

TEST_CASE("captioned: generated captions name the class and the measured attributes",
          "[plugins_builtin][data][captioned]") {
    const auto data = captioned({{"limit", int64_t{300}}, {"phrasings", int64_t{4}}});
    const DataInfo info = data->info();
    CHECK(info.size == 1200);
    CHECK(info.sample_shape == Shape{1, 28, 28});
    CHECK(info.classes == 10);
    const auto vocabulary = datasets::find_vocabulary(info);
    REQUIRE(vocabulary.has_value());
    CHECK(std::is_sorted(vocabulary->begin(), vocabulary->end()));
    CHECK(datasets::find_condition_shape(info) == Shape{static_cast<int64_t>(vocabulary->size())});
    const auto thresholds = info.metadata.at("captioned.thresholds");
    REQUIRE(thresholds.size() == 60);

    std::vector<int64_t> all(1200);
    for (int64_t i = 0; i < 1200; ++i) all[static_cast<size_t>(i)] = i;
    const Batch batch = data->get(all);
    const Tensor bags = data->condition(all);
    const int64_t v = bags.size(1);
    const std::vector<std::string> nouns{"t-shirt", "trousers", "pullover", "dress", "coat",
                                         "sandal",  "shirt",    "sneaker",  "bag",   "boot"};
    int64_t dark = 0, light = 0;
    for (int64_t i = 0; i < 1200; ++i) {
        const float* bag = bags.data() + i * v;
        double total = 0;
        for (int64_t k = 0; k < v; ++k) total += bag[k];
        CHECK(total == Approx(1.0).epsilon(1e-5));
        const std::vector<std::string> words = words_of(bag, *vocabulary);
        const auto c = static_cast<size_t>(batch.labels.data()[i]);
        CHECK(has(words, nouns[c]));
        // The brightness word agrees with the image's measured brightness and the class's tertiles.
        const float* x = batch.x.data() + i * 28 * 28;
        double sum = 0;
        int ink = 0;
        for (int k = 0; k < 28 * 28; ++k) {
            const double byte = std::round((x[k] + 1.0) * 127.5);
            if (byte > 25) sum += byte, ++ink;
        }
        const double brightness = sum / ink / 255.0;
        CHECK(has(words, "dark") == (brightness <= thresholds[c * 6 + 0]));
        CHECK(has(words, "light") == (brightness >= thresholds[c * 6 + 1]));
        dark += has(words, "dark"), light += has(words, "light");
        // Four phrasings of one image share their content words.
        if (i % 4 == 0) {
            for (int64_t p = 1; p < 4; ++p) {
                const std::vector<std::string> other = words_of(bag + p * v, *vocabulary);
                for (const char* w : {"dark", "light", "wide", "narrow", "long", "short"}) CHECK(has(other, w) == has(words, w));
            }
        }
    }
    // Tertiles of the training split: about a third of these images each.
    CHECK(dark > 1200 / 5);
    CHECK(light > 1200 / 5);
}

TEST_CASE("captioned: a tsv of a user's images and captions", "[plugins_builtin][data][captioned]") {
    TempDir dir;
    const std::vector<uint8_t> pixels(8 * 6 * 3, 200);
    io::write_png(dir.path / "red.png", 8, 6, 3, pixels.data());
    io::write_png(dir.path / "blue.png", 8, 6, 3, pixels.data());
    const auto write = [&](const std::string& text) { std::ofstream(dir.path / "captions.tsv") << text; };
    write("# image\tcaption\nred.png\tA red square\nblue.png\ta BLUE square, small\n");
    const auto data = captioned({{"tsv", (dir.path / "captions.tsv").string()}});
    const DataInfo info = data->info();
    CHECK(info.size == 2);
    CHECK(info.classes == 0);
    CHECK(info.sample_shape == Shape{3, 6, 8});
    CHECK(datasets::find_vocabulary(info) == std::vector<std::string>{"a", "blue", "red", "small", "square"});
    const Tensor bag = data->condition({1});
    CHECK(std::vector<float>(bag.data(), bag.data() + 5) == std::vector<float>{0.25f, 0.25f, 0.f, 0.25f, 0.25f});
    CHECK(data->get({0}).x.data()[0] == Approx(200 / 127.5 - 1));

    const std::string tsv = (dir.path / "captions.tsv").string();
    SECTION("a caption longer than max_words names its line") {
        write("red.png\ta red square\nblue.png\tone two three four five\n");
        CHECK_THAT(error_message([&] { captioned({{"tsv", tsv}, {"max_words", int64_t{4}}}); }),
                   Catch::Contains(tsv + ":2: the caption has 5 words; data.max_words is 4"));
    }
    SECTION("an empty tsv") {
        write("# nothing\n\n");
        CHECK_THAT(error_message([&] { captioned({{"tsv", tsv}}); }), Catch::Contains("holds no caption"));
    }
    SECTION("a line without a tab") {
        write("red.png a red square\n");
        CHECK_THAT(error_message([&] { captioned({{"tsv", tsv}}); }), Catch::Contains(tsv + ":1: expected"));
    }
    SECTION("an image of another size") {
        const std::vector<uint8_t> small(4 * 4, 0);
        io::write_png(dir.path / "small.png", 4, 4, 1, small.data());
        write("red.png\tred\nsmall.png\tsmall\n");
        CHECK_THAT(error_message([&] { captioned({{"tsv", tsv}}); }),
                   Catch::Contains(":2: ") && Catch::Contains("small.png is 4x4 with 1 channel(s)"));
    }
}
