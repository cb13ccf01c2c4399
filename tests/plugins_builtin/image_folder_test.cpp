// SPDX-License-Identifier: Apache-2.0
// The image_folder dataset plugin on folders of PNG files written here with io::write_png.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "gantry/io/png.hpp"
#include "plugin/host.hpp"

#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::testing;
namespace fs = std::filesystem;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

std::unique_ptr<Dataset> folder(const fs::path& root, const Set& set = {}) {
    // `root` is required, so the declared defaults alone are not a valid set: spell them out.
    plugin::Options o;
    o.set("root", root.string());
    o.set("size", int64_t{64});
    o.set("channels", int64_t{3});
    o.set("resize", std::string("area"));
    o.set("fit", std::string("crop"));
    o.set("labelled", true);
    for (const auto& [k, v] : set) o.set(k, v);
    return builtin_host().create_dataset("image_folder", o, plugin::Context{0, ""});
}

/// What `fn` writes to stderr (fd 2), e.g. a plugin's one-line warning.
template <typename F>
std::string stderr_of(F&& fn) {
    std::fflush(stderr);
    char name[] = "/tmp/gantry-stderr-XXXXXX";
    const int file = ::mkstemp(name);
    const int saved = ::dup(2);
    ::dup2(file, 2);
    try {
        fn();
    } catch (...) {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        ::close(file);
        std::remove(name);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    ::close(file);
    const std::string text = slurp(name);
    std::remove(name);
    return text;
}

/// A w x h image of `channels` with every pixel equal to `value` (each channel value + c).
io::Image flat(int w, int h, int channels, uint8_t value) {
    io::Image image{w, h, channels, {}};
    for (int p = 0; p < w * h; ++p)
        for (int c = 0; c < channels; ++c) image.pixels.push_back(static_cast<uint8_t>(value + c));
    return image;
}

/// A byte as the plugin serves it (the same float expression, so == is exact).
float scaled(int byte) { return static_cast<float>(byte) / 127.5f - 1.f; }

/// The message of the DataError that loading `root` throws ("" if it does not throw one).
std::string data_error(const fs::path& root, const Set& set = {}) {
    return error_message<DataError>([&] { stderr_of([&] { folder(root, set); }); });
}

}  // namespace

TEST_CASE("image_folder: class sub-folders  skipped files and a deterministic order",
          "[plugins_builtin][data][image_folder]") {
    TempDir dir;
    fs::create_directories(dir.path / "shirt");
    fs::create_directories(dir.path / "boot" / "nested");
    fs::create_directories(dir.path / ".hidden");
    io::write_png(dir.path / "shirt" / "b.png", flat(8, 8, 3, 200));
    io::write_png(dir.path / "shirt" / "a.png", flat(8, 8, 1, 100));
    io::write_png(dir.path / "boot" / "z.PNG", flat(16, 16, 3, 10));
    io::write_png(dir.path / "boot" / "nested" / "deep.png", flat(4, 4, 1, 50));
    io::write_png(dir.path / ".hidden" / "secret.png", flat(4, 4, 1, 0));
    std::ofstream(dir.path / "shirt" / "notes.txt") << "not an image";
    std::ofstream(dir.path / "boot" / "broken.png", std::ios::binary) << "\x89PNG\r\n\x1a\n garbage";
    std::ofstream(dir.path / "loose.png", std::ios::binary) << "beside the classes";

    std::unique_ptr<Dataset> data;
    const std::string warning = stderr_of([&] { data = folder(dir.path, {{"size", int64_t{8}}}); });
    // One line: the counts and the first failure.
    CHECK_THAT(warning, Catch::Contains("skipped 1 file(s) that are not PNG and 1 PNG file(s) that do not decode"));
    CHECK_THAT(warning, Catch::Contains("ignored 1 file(s) beside the class folders"));
    CHECK_THAT(warning, Catch::Contains("broken.png"));
    CHECK(std::count(warning.begin(), warning.end(), '\n') == 1);

    const DataInfo info = data->info();
    CHECK(info.size == 4);
    CHECK(info.classes == 2);  // boot = 0, shirt = 1 (sorted names); .hidden is no class
    CHECK(info.sample_shape == Shape{3, 8, 8});
    CHECK(info.images);
    const Batch batch = data->get({0, 1, 2, 3});
    CHECK(batch.labels.to_vector() == std::vector<float>{0, 0, 1, 1});
    // Order within a class: by path (boot/nested/deep.png < boot/z.PNG; shirt/a.png < b.png).
    const std::vector<float> x = batch.x.to_vector();
    const size_t per = 3 * 8 * 8;
    CHECK(x[0 * per] == scaled(50));   // deep.png, gray -> RGB: the same value in each channel
    CHECK(x[0 * per + 64] == scaled(50));
    CHECK(x[1 * per] == scaled(10));   // z.PNG, 16 -> 8 by area averaging of a flat image
    CHECK(x[1 * per + 64] == scaled(11));
    CHECK(x[2 * per + 128] == scaled(100));
    CHECK(x[3 * per + 128] == scaled(202));

    // The same folder again: the same samples and identity.
    std::unique_ptr<Dataset> again;
    stderr_of([&] { again = folder(dir.path, {{"size", int64_t{8}}}); });
    CHECK(again->get({0, 1, 2, 3}).x.to_vector() == x);
    CHECK(again->info().identity == info.identity);
    std::unique_ptr<Dataset> other;
    stderr_of([&] { other = folder(dir.path, {{"size", int64_t{16}}}); });
    CHECK(other->info().identity != info.identity);

    // labelled: false: every image below root (hidden folders aside), no labels.
    std::unique_ptr<Dataset> unlabelled;
    stderr_of([&] { unlabelled = folder(dir.path, {{"size", int64_t{8}}, {"labelled", false}}); });
    CHECK(unlabelled->info().classes == 0);
    CHECK(unlabelled->info().size == 4);
    CHECK_FALSE(unlabelled->get({0}).labels.defined());
}

TEST_CASE("image_folder: area and bilinear resizing  centre crop and grayscale conversion",
          "[plugins_builtin][data][image_folder]") {
    TempDir dir;
    // A 4 x 4 gray image with four 2 x 2 blocks: area averaging to 2 x 2 gives each block's mean.
    io::Image blocks{4, 4, 1, {0, 10, 100, 110,    //
                               20, 30, 120, 130,   //
                               200, 202, 50, 52,   //
                               204, 206, 54, 56}};
    io::write_png(dir.path / "blocks.png", blocks);
    {
        const auto d = folder(dir.path, {{"size", int64_t{2}}, {"channels", int64_t{1}}});
        CHECK(d->get({0}).x.to_vector() == std::vector<float>{scaled(15), scaled(115), scaled(203), scaled(53)});
    }
    {   // Bilinear 4 -> 8 with pixel centres aligned: output 0 reads input -0.25 -> clamped to 0,
        // output 1 reads 0.25 -> 0.75 * in[0] + 0.25 * in[1].
        const auto d = folder(dir.path, {{"size", int64_t{8}}, {"channels", int64_t{1}}, {"resize", std::string("bilinear")}});
        const std::vector<float> x = d->get({0}).x.to_vector();
        CHECK(x[0] == scaled(0));
        CHECK(x[1] == scaled(3));     // round(0.75 * 0 + 0.25 * 10 = 2.5) = 3
        CHECK(x[7] == scaled(110));
        CHECK(x[63] == scaled(56));
    }
    fs::remove(dir.path / "blocks.png");

    // A 6 x 2 RGB image: the centred 2 x 2 square is columns 2 and 3.
    io::Image wide{6, 2, 3, {}};
    for (int y = 0; y < 2; ++y)
        for (int xx = 0; xx < 6; ++xx)
            for (int c = 0; c < 3; ++c) wide.pixels.push_back(static_cast<uint8_t>(c == 0 ? 40 * xx : c == 1 ? 255 : 0));
    io::write_png(dir.path / "wide.png", wide);
    {
        const auto d = folder(dir.path, {{"size", int64_t{2}}});
        const std::vector<float> x = d->get({0}).x.to_vector();  // (3, 2, 2)
        CHECK(x[0] == scaled(80));
        CHECK(x[1] == scaled(120));
        CHECK(x[4] == scaled(255));
        CHECK(x[8] == scaled(0));
    }
    {   // stretch: all six columns averaged in threes.
        const auto d = folder(dir.path, {{"size", int64_t{2}}, {"fit", std::string("stretch")}});
        const std::vector<float> x = d->get({0}).x.to_vector();
        CHECK(x[0] == scaled(40));
        CHECK(x[1] == scaled(160));
    }
    {   // RGB -> gray: ITU-R BT.601 luma of (80, 255, 0) = 23.92 + 149.685 = 173.6 -> 174.
        const auto d = folder(dir.path, {{"size", int64_t{2}}, {"channels", int64_t{1}}});
        CHECK(d->info().sample_shape == Shape{1, 2, 2});
        CHECK(d->info().classes == 0);
        CHECK(d->get({0}).x.to_vector()[0] == scaled(174));
    }
}

TEST_CASE("image_folder: empty  missing and unreadable folders are DataErrors",
          "[plugins_builtin][data][image_folder]") {
    TempDir dir;
    CHECK_THAT(data_error(dir.path), Catch::Contains(dir.path.string()) && Catch::Contains("no files found"));
    CHECK_THAT(data_error(dir.path / "missing"), Catch::Contains("no such directory"));
    std::ofstream(dir.path / "readme.txt") << "text";
    std::ofstream(dir.path / "bad.png", std::ios::binary) << "not a png at all";
    CHECK_THAT(data_error(dir.path), Catch::Contains("none of its 2 files is a readable PNG image") &&
                                         Catch::Contains("bad.png"));
    // A class folder without a single image would be a class G is asked for but never saw.
    fs::create_directories(dir.path / "a");
    fs::create_directories(dir.path / "b");
    io::write_png(dir.path / "a" / "one.png", flat(4, 4, 1, 9));
    std::ofstream(dir.path / "b" / "bad.png", std::ios::binary) << "corrupt";
    CHECK_THAT(data_error(dir.path), Catch::Contains("class folder 'b' holds no readable PNG image"));
    CHECK(data_error(dir.path, {{"labelled", false}}).empty());
    // channels must be 1 or 3: the plugin refuses 2 (a PluginError, exit 3).
    CHECK_THROWS_AS(folder(dir.path, {{"channels", int64_t{2}}}), PluginError);
}
