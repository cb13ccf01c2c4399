// SPDX-License-Identifier: Apache-2.0
// The moving_fashion dataset plugin (issue 14) loaded through the plugin host: the sequence
// layout it declares and keeps (sample i + 1's condition is sample i's without its oldest frame,
// then sample i's target), determinism, the walls, the copy-last-frame baseline, and a folder of
// PNG frame sequences with its bad inputs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/datasets/condition.hpp"
#include "gantry/datasets/sequence.hpp"
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

std::unique_ptr<Dataset> moving(const Set& set = {}) {
    return builtin_host().create_dataset("moving_fashion",
                                         plugin_options(plugin::Kind::dataset, "moving_fashion", set),
                                         plugin::Context{0, ""});
}

std::vector<float> values(const Tensor& t) { return {t.data(), t.data() + t.numel()}; }

/// Frame f (of `frames`) of sample i of a (N, frames, H, W) condition.
std::vector<float> frame_of(const Tensor& c, int64_t i, int64_t f) {
    const int64_t per = c.size(2) * c.size(3);
    const float* p = c.data() + (i * c.size(1) + f) * per;
    return {p, p + per};
}

/// The brightness a frame holds above the black background.
double mass(const std::vector<float>& frame) {
    double total = 0;
    for (float v : frame) total += v + 1.0;
    return total;
}

/// A gray PNG of side x side pixels, every pixel `value`.
void write_frame(const fs::path& path, int width, int height, int channels, uint8_t value) {
    std::vector<uint8_t> pixels(static_cast<size_t>(width * height * channels), value);
    io::write_png(path, width, height, channels, pixels.data());
}

}  // namespace

TEST_CASE("moving_fashion: generated sequences declare and keep the sequence layout",
          "[plugins_builtin][data][moving_fashion]") {
    const auto data = moving({{"sequences", int64_t{20}}, {"length", int64_t{6}}, {"context", int64_t{2}}});
    const DataInfo info = data->info();
    CHECK(info.size == 20 * 4);
    CHECK(info.sample_shape == Shape{1, 48, 48});
    CHECK(info.classes == 0);
    CHECK(info.images);
    REQUIRE(datasets::find_condition_shape(info) == Shape{2, 48, 48});
    const auto layout = datasets::find_sequence_layout(info);
    REQUIRE(layout.has_value());
    CHECK(layout->context == 2);
    CHECK(layout->steps == 4);

    std::vector<int64_t> all(static_cast<size_t>(info.size));
    for (int64_t i = 0; i < info.size; ++i) all[static_cast<size_t>(i)] = i;
    const Tensor x = data->get(all).x;
    const Tensor c = data->condition(all);
    REQUIRE(c.shape() == Shape{info.size, 2, 48, 48});
    int64_t continued = 0;
    for (int64_t i = 0; i + 1 < info.size; ++i) {
        if (i % layout->steps + 1 == layout->steps) continue;  // the next sample starts a new sequence
        ++continued;
        CHECK(frame_of(c, i + 1, 0) == frame_of(c, i, 1));
        const std::vector<float> target(x.data() + i * 48 * 48, x.data() + (i + 1) * 48 * 48);
        CHECK(frame_of(c, i + 1, 1) == target);
    }
    CHECK(continued == 20 * 3);

    // One item, always whole inside the walls: every frame holds the item's full brightness, and
    // the item moves.
    for (int64_t s = 0; s < 20; ++s) {
        const double first = mass(frame_of(c, s * 4, 0));
        CHECK(first > 0);
        for (int64_t t = 0; t < 4; ++t) CHECK(mass(frame_of(c, s * 4 + t, 1)) == Approx(first).epsilon(1e-6));
        CHECK(frame_of(c, s * 4, 0) != frame_of(c, s * 4, 1));
    }
    for (float v : values(x)) REQUIRE((v >= -1.f && v <= 1.f));
}

TEST_CASE("moving_fashion: the data is a function of seed and split only",
          "[plugins_builtin][data][moving_fashion]") {
    const Set small{{"sequences", int64_t{5}}, {"items", int64_t{2}}, {"speed", 7.0}};
    const std::vector<int64_t> some{0, 9, 17, 33, 39};
    const auto a = moving(small);
    const auto b = moving(small);
    CHECK(values(a->condition(some)) == values(b->condition(some)));
    CHECK(values(a->get({39, 0}).x) == values(b->get({39, 0}).x));
    CHECK(a->info().identity == b->info().identity);

    Set other_seed = small;
    other_seed["seed"] = int64_t{1};
    CHECK(values(moving(other_seed)->condition(some)) != values(a->condition(some)));
    Set test = small;
    test["split"] = std::string("test");
    const auto t = moving(test);
    CHECK(values(t->condition(some)) != values(a->condition(some)));
    CHECK(t->info().identity != a->info().identity);

    // Speed 0: nothing moves, so copying the last frame is exact.
    Set still = small;
    still["speed"] = 0.0;
    const auto s = moving(still);
    const Tensor c = s->condition(some);
    CHECK(values(s->baseline(c)) == values(s->get(some).x));
    CHECK_THROWS(s->get({40}));
}

TEST_CASE("moving_fashion: the baseline copies the last frame of the condition",
          "[plugins_builtin][data][moving_fashion]") {
    const auto data = moving({{"sequences", int64_t{3}}, {"context", int64_t{3}}, {"canvas", int64_t{32}}});
    const std::vector<int64_t> some{0, 4, 13};
    const Tensor c = data->condition(some);
    const Tensor copy = data->baseline(c);
    REQUIRE(copy.shape() == Shape{3, 1, 32, 32});
    for (int64_t i = 0; i < 3; ++i) {
        const std::vector<float> got(copy.data() + i * 32 * 32, copy.data() + (i + 1) * 32 * 32);
        CHECK(got == frame_of(c, i, 2));
    }
    CHECK_THROWS_AS(data->baseline(Tensor::zeros({1, 2, 32, 32})), ShapeError);
    CHECK_THAT(error_message<ConfigError>([] { moving({{"length", int64_t{2}}, {"context", int64_t{2}}}); }),
               Catch::Contains("data.context (2) must be less than data.length (2)"));
}

TEST_CASE("moving_fashion: a folder of PNG frame sequences", "[plugins_builtin][data][moving_fashion]") {
    TempDir dir;
    // Sequences listed out of order on purpose: they and their frames are taken sorted by name.
    for (const std::string seq : {"b", "a"})
        for (int t = 0; t < 5; ++t) {
            fs::create_directories(dir.path / seq);
            const auto value = static_cast<uint8_t>((seq == "a" ? 0 : 100) + 10 * t);
            write_frame(dir.path / seq / ("f" + std::to_string(t) + ".png"), 12, 10, 1, value);
        }
    const auto data = moving({{"folder", dir.str()}, {"length", int64_t{4}}, {"context", int64_t{2}}});
    const DataInfo info = data->info();
    CHECK(info.size == 2 * 2);
    CHECK(info.sample_shape == Shape{1, 10, 12});
    CHECK(datasets::find_condition_shape(info) == Shape{2, 10, 12});
    // Sample 3 = sequence b, step 1: frames 1, 2 condition, frame 3 the target.
    const Tensor c = data->condition({3});
    CHECK(c.data()[0] == Approx(110 / 127.5 - 1));
    CHECK(c.data()[10 * 12] == Approx(120 / 127.5 - 1));
    CHECK(data->get({3}).x.data()[0] == Approx(130 / 127.5 - 1));
    CHECK(data->get({0}).x.data()[0] == Approx(20 / 127.5 - 1));

    SECTION("a frame of another size is named, with the first frame's size") {
        write_frame(dir.path / "b" / "f2.png", 12, 11, 1, 0);
        CHECK_THAT(error_message([&] { moving({{"folder", dir.str()}, {"length", int64_t{4}}}); }),
                   Catch::Contains((dir.path / "b" / "f2.png").string() + " is 12x11 with 1 channel(s), but " +
                                   (dir.path / "a" / "f0.png").string() + " is 12x10"));
    }
    SECTION("a sequence shorter than data.length") {
        CHECK_THAT(error_message([&] { moving({{"folder", dir.str()}, {"length", int64_t{6}}}); }),
                   Catch::Contains("holds 5 PNG frames; every sequence needs data.length = 6"));
    }
    SECTION("a folder without sequences") {
        TempDir empty;
        CHECK_THAT(error_message([&] { moving({{"folder", empty.str()}}); }),
                   Catch::Contains("holds no sequence"));
    }
}
