// SPDX-License-Identifier: Apache-2.0
// The paired dataset plugin (issue 13) loaded through the plugin host: targets, labels and the
// three condition transforms on Debian's Fashion-MNIST (with `limit`, to stay fast) and on small
// IDX files written here, the baselines, and the count mismatch.
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
#include "gantry/error.hpp"
#include "plugin/host.hpp"

#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::testing;
namespace fs = std::filesystem;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

std::unique_ptr<Dataset> paired(const Set& set = {}) {
    return builtin_host().create_dataset("paired", plugin_options(plugin::Kind::dataset, "paired", set),
                                         plugin::Context{0, ""});
}

std::vector<int64_t> iota(int64_t n) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
    return v;
}

/// An IDX file of unsigned bytes: magic 00 00 08 rank, big-endian dims, then `values`.
void write_idx(const fs::path& path, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
    std::ofstream out(path, std::ios::binary);
    const uint8_t magic[4] = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
    out.write(reinterpret_cast<const char*>(magic), 4);
    for (uint32_t d : dims) {
        const uint8_t b[4] = {static_cast<uint8_t>(d >> 24), static_cast<uint8_t>(d >> 16),
                              static_cast<uint8_t>(d >> 8), static_cast<uint8_t>(d)};
        out.write(reinterpret_cast<const char*>(b), 4);
    }
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size()));
}

double psnr01(const std::vector<float>& a, const std::vector<float>& b) {
    double se = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = (a[i] - b[i]) / 2.0;
        se += d * d;
    }
    return -10 * std::log10(se / static_cast<double>(a.size()));
}

}  // namespace

TEST_CASE("paired: Fashion-MNIST targets labels and splits as the idx plugin serves them",
          "[plugins_builtin][data][paired]") {
    const auto train = paired();
    const DataInfo info = train->info();
    CHECK(info.size == 60000);
    CHECK(info.sample_shape == Shape{1, 28, 28});
    CHECK(info.classes == 10);
    CHECK(info.images);
    REQUIRE(datasets::find_condition_shape(info) == Shape{1, 7, 7});  // downsample x4 by default
    CHECK(info.metadata.count("paired.hole") == 0);

    const auto idx = builtin_host().create_dataset("idx", plugin_options(plugin::Kind::dataset, "idx"),
                                                   plugin::Context{0, ""});
    const std::vector<int64_t> some = {0, 1, 59999, 12345};
    CHECK(train->get(some).x.to_vector() == idx->get(some).x.to_vector());
    CHECK(train->get(some).labels.to_vector() == idx->get(some).labels.to_vector());

    const auto test = paired({{"split", std::string("test")}, {"limit", int64_t{300}}});
    CHECK(test->info().size == 300);
    CHECK(paired({{"split", std::string("test")}})->info().size == 10000);
    CHECK(test->info().identity != info.identity);
    CHECK(test->get({0}).labels.to_vector()[0] == 9.f);  // the first test image is an ankle boot
    CHECK_THROWS(test->get({300}));
    CHECK_THROWS(test->condition({300}));
    // The transform is part of the identity (the metrics' cache key).
    CHECK(paired({{"factor", int64_t{2}}})->info().identity != info.identity);
}

TEST_CASE("paired: downsample x2 and x4 is the block mean and the condition is a pure function",
          "[plugins_builtin][data][paired]") {
    for (const int64_t factor : {2, 4}) {
        INFO("factor " << factor);
        const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{50}}, {"factor", factor}});
        const int64_t side = 28 / factor;
        REQUIRE(datasets::find_condition_shape(data->info()) == Shape{1, side, side});
        const std::vector<int64_t> indices = {7, 3, 49, 3};
        const Tensor c = data->condition(indices);
        REQUIRE(c.shape() == Shape{4, 1, side, side});
        const Tensor x = data->get(indices).x;
        double worst = 0;
        for (int64_t i = 0; i < 4; ++i)
            for (int64_t y = 0; y < side; ++y)
                for (int64_t xx = 0; xx < side; ++xx) {
                    double mean = 0;
                    for (int64_t dy = 0; dy < factor; ++dy)
                        for (int64_t dx = 0; dx < factor; ++dx)
                            mean += x.data()[i * 784 + (y * factor + dy) * 28 + xx * factor + dx];
                    mean /= static_cast<double>(factor * factor);
                    worst = std::max(worst, std::fabs(mean - c.data()[(i * side + y) * side + xx]));
                }
        CHECK(worst < 1e-5);
        // Pure: the same indices give the same conditions, in any batch.
        const std::vector<float> again = data->condition(indices).to_vector();
        CHECK(again == c.to_vector());
        const std::vector<float> one = data->condition({49}).to_vector();
        CHECK(std::equal(one.begin(), one.end(), c.to_vector().begin() + 2 * side * side));
        const std::vector<float> v = c.to_vector();
        CHECK(*std::min_element(v.begin(), v.end()) >= -1.f);
        CHECK(*std::max_element(v.begin(), v.end()) <= 1.f);
    }
    // A factor that does not divide 28: a configuration error naming the key.
    CHECK_THAT(error_message<ConfigError>([] { paired({{"factor", int64_t{3}}, {"limit", int64_t{5}}}); }),
               Catch::Contains("data.factor 3") && Catch::Contains("28x28"));
}

TEST_CASE("paired: bicubic upsampling beats a constant image and reproduces smooth images",
          "[plugins_builtin][data][paired]") {
    for (const int64_t factor : {2, 4}) {
        INFO("factor " << factor);
        const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{200}}, {"factor", factor}});
        const std::vector<int64_t> all = iota(200);
        const Tensor c = data->condition(all);
        const Tensor up = data->baseline(c);
        REQUIRE(up.shape() == Shape{200, 1, 28, 28});
        const std::vector<float> target = data->get(all).x.to_vector();
        const std::vector<float> baseline = up.to_vector();
        CHECK(*std::min_element(baseline.begin(), baseline.end()) >= -1.f);
        CHECK(*std::max_element(baseline.begin(), baseline.end()) <= 1.f);
        // The best constant image (the mean value) is a trivial estimate that bicubic must beat by far.
        double mean = 0;
        for (float v : target) mean += v;
        mean /= static_cast<double>(target.size());
        const std::vector<float> constant(target.size(), static_cast<float>(mean));
        const double bicubic = psnr01(baseline, target), flat = psnr01(constant, target);
        INFO("bicubic " << bicubic << " dB, constant " << flat << " dB");
        CHECK(bicubic > flat + 5);
        CHECK(bicubic > (factor == 2 ? 17 : 13));
        // Nearest-neighbour (each block repeated) is the naive upsampling: bicubic is better.
        std::vector<float> nearest(target.size());
        const int64_t side = 28 / factor;
        for (int64_t i = 0; i < 200; ++i)
            for (int64_t y = 0; y < 28; ++y)
                for (int64_t x = 0; x < 28; ++x)
                    nearest[static_cast<size_t>(i * 784 + y * 28 + x)] =
                        c.data()[(i * side + y / factor) * side + x / factor];
        CHECK(bicubic > psnr01(nearest, target));
    }
    // A constant condition upsamples to the same constant; a linear ramp stays a ramp inside.
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{1}}, {"factor", int64_t{4}}});
    CHECK(data->baseline(Tensor::full({1, 1, 7, 7}, 0.25f)).to_vector() == std::vector<float>(784, 0.25f));
    std::vector<float> ramp(49);
    for (int64_t y = 0; y < 7; ++y)
        for (int64_t x = 0; x < 7; ++x) ramp[static_cast<size_t>(y * 7 + x)] = -0.6f + 0.2f * static_cast<float>(x);
    const Tensor up = data->baseline(Tensor::from_vector({1, 1, 7, 7}, ramp));
    for (int64_t x = 6; x < 22; ++x) {  // away from the replicated border
        INFO("column " << x);
        // Source coordinate (x + 0.5) / 4 - 0.5; the ramp there: -0.6 + 0.2 s (cubic reproduces lines).
        const double s = (static_cast<double>(x) + 0.5) / 4 - 0.5;
        CHECK(up.data()[10 * 28 + x] == Approx(-0.6 + 0.2 * s).margin(1e-5));
    }
    CHECK_THROWS_AS(data->baseline(Tensor::zeros({1, 1, 14, 14})), ShapeError);
}

TEST_CASE("paired: edges on a synthetic square are a black outline on white",
          "[plugins_builtin][data][paired]") {
    TempDir dir;
    // Two 12x12 images: a bright 4x4 square at rows/cols 4..7 on black, and a uniform grey.
    std::vector<uint8_t> pixels(2 * 144, 0);
    for (int y = 4; y < 8; ++y)
        for (int x = 4; x < 8; ++x) pixels[static_cast<size_t>(y * 12 + x)] = 255;
    std::fill(pixels.begin() + 144, pixels.end(), uint8_t{128});
    write_idx(dir.path / "images", {2, 12, 12}, pixels);
    write_idx(dir.path / "labels", {2}, {8, 3});
    const auto data = paired({{"images", (dir.path / "images").string()},
                              {"labels", (dir.path / "labels").string()},
                              {"transform", std::string("edges")}});
    REQUIRE(datasets::find_condition_shape(data->info()) == Shape{1, 12, 12});
    CHECK(data->info().classes == 9);
    const Tensor c = data->condition({0, 1});
    REQUIRE(c.shape() == Shape{2, 1, 12, 12});
    // The Sobel magnitude / 4 is 1 across the square's sides (a full step) and 0 far from it:
    // lines (-1) on the ring of pixels next to the boundary, white (+1) elsewhere.
    for (int y = 0; y < 12; ++y)
        for (int x = 0; x < 12; ++x) {
            const bool near = y >= 3 && y <= 8 && x >= 3 && x <= 8;
            const bool inside = y >= 5 && y <= 6 && x >= 5 && x <= 6;  // 3x3 windows entirely in the square
            INFO("pixel " << y << "," << x);
            CHECK(c.data()[y * 12 + x] == (near && !inside ? -1.f : 1.f));
        }
    // The grey image has no edge at all (the border is replicated, not zero-padded).
    const std::vector<float> both = c.to_vector();
    const std::vector<float> grey(both.begin() + 144, both.end());
    CHECK(grey == std::vector<float>(144, 1.f));
    CHECK_FALSE(data->baseline(c).defined());  // a line drawing has no classical inverse
    // A threshold above every magnitude of this image: no line at all.
    const auto strict = paired({{"images", (dir.path / "images").string()},
                                {"transform", std::string("edges")}, {"threshold", 1.5}});
    CHECK(strict->condition({0}).to_vector() == std::vector<float>(144, 1.f));
    CHECK(strict->info().classes == 0);  // images without labels: unlabelled
}

TEST_CASE("paired: edges of Fashion-MNIST are sparse line drawings", "[plugins_builtin][data][paired]") {
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{100}}, {"transform", std::string("edges")}});
    const std::vector<float> c = data->condition(iota(100)).to_vector();
    const auto lines = std::count(c.begin(), c.end(), -1.f);
    CHECK(static_cast<size_t>(lines + std::count(c.begin(), c.end(), 1.f)) == c.size());  // binary
    const double fraction = static_cast<double>(lines) / static_cast<double>(c.size());
    INFO("line fraction " << fraction);
    CHECK(fraction > 0.05);
    CHECK(fraction < 0.5);
}

TEST_CASE("paired: mask hides a centred square and the baseline fills it with the training mean",
          "[plugins_builtin][data][paired]") {
    const auto data = paired({{"split", std::string("test")}, {"limit", int64_t{20}}, {"transform", std::string("mask")}});
    const DataInfo info = data->info();
    REQUIRE(datasets::find_condition_shape(info) == Shape{2, 28, 28});
    REQUIRE(info.metadata.count("paired.hole") == 1);
    CHECK(info.metadata.at("paired.hole") == std::vector<double>{8, 8, 12, 12});
    const std::vector<int64_t> indices = {0, 19, 5};
    const Tensor c = data->condition(indices);
    REQUIRE(c.shape() == Shape{3, 2, 28, 28});
    const Tensor x = data->get(indices).x;
    const Tensor base = data->baseline(c);
    REQUIRE(base.shape() == Shape{3, 1, 28, 28});

    // The training split's mean image, computed here from the train split through the plugin.
    const auto train = paired();
    std::vector<double> mean(784, 0.0);
    for (int64_t start = 0; start < 60000; start += 10000) {
        std::vector<int64_t> chunk(10000);
        for (int64_t i = 0; i < 10000; ++i) chunk[static_cast<size_t>(i)] = start + i;
        const Tensor t = train->get(chunk).x;
        for (int64_t i = 0; i < 10000; ++i)
            for (int64_t k = 0; k < 784; ++k) mean[static_cast<size_t>(k)] += t.data()[i * 784 + k] / 60000.0;
    }
    for (int64_t i = 0; i < 3; ++i)
        for (int64_t y = 0; y < 28; ++y)
            for (int64_t xx = 0; xx < 28; ++xx) {
                const bool hidden = y >= 8 && y < 20 && xx >= 8 && xx < 20;
                const int64_t k = y * 28 + xx;
                INFO("image " << i << " pixel " << y << "," << xx);
                REQUIRE(c.data()[i * 1568 + k] == (hidden ? 0.f : x.data()[i * 784 + k]));
                REQUIRE(c.data()[i * 1568 + 784 + k] == (hidden ? 1.f : 0.f));
                if (hidden)
                    REQUIRE(base.data()[i * 784 + k] == Approx(mean[static_cast<size_t>(k)]).margin(1e-4));
                else
                    REQUIRE(base.data()[i * 784 + k] == x.data()[i * 784 + k]);
            }
    // The mean fill beats the zero fill of the condition itself inside the hole (L1 there).
    double l1_mean = 0, l1_zero = 0;
    for (int64_t i = 0; i < 3; ++i)
        for (int64_t y = 8; y < 20; ++y)
            for (int64_t xx = 8; xx < 20; ++xx) {
                const int64_t k = y * 28 + xx;
                l1_mean += std::fabs(base.data()[i * 784 + k] - x.data()[i * 784 + k]);
                l1_zero += std::fabs(x.data()[i * 784 + k]);
            }
    CHECK(l1_mean < l1_zero);

    // Another hole size; a hole larger than the image is a configuration error.
    const auto small = paired({{"split", std::string("test")}, {"limit", int64_t{2}},
                               {"transform", std::string("mask")}, {"hole", int64_t{5}}});
    CHECK(small->info().metadata.at("paired.hole") == std::vector<double>{11, 11, 5, 5});
    CHECK_THAT(error_message<ConfigError>([] {
                   paired({{"limit", int64_t{2}}, {"transform", std::string("mask")}, {"hole", int64_t{29}}});
               }),
               Catch::Contains("data.hole 29"));
}

TEST_CASE("paired: images and labels files that disagree in count are a DataError naming both",
          "[plugins_builtin][data][paired]") {
    TempDir dir;
    write_idx(dir.path / "images", {5, 4, 4}, std::vector<uint8_t>(80, 7));
    write_idx(dir.path / "labels", {4}, {0, 1, 2, 3});
    const std::string m = error_message<DataError>([&] {
        paired({{"images", (dir.path / "images").string()}, {"labels", (dir.path / "labels").string()}});
    });
    CHECK_THAT(m, Catch::Contains((dir.path / "images").string()) && Catch::Contains((dir.path / "labels").string()) &&
                      Catch::Contains("4 labels") && Catch::Contains("5 images"));
    // A missing file names itself and the key to set.
    CHECK_THAT(error_message<DataError>([&] { paired({{"root", (dir.path / "nowhere").string()}}); }),
               Catch::Contains("nowhere") && Catch::Contains("data.root"));
}
