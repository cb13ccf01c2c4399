// SPDX-License-Identifier: Apache-2.0
// The idx dataset plugin on Debian's Fashion-MNIST and on malformed files written here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/datasets/idx_file.hpp"
#include "gantry/error.hpp"
#include "plugin/host.hpp"

#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::testing;
namespace fs = std::filesystem;

namespace {

const std::string kFashion = "/usr/share/datasets/fashion-mnist";

std::unique_ptr<Dataset> idx(const std::map<std::string, plugin::OptionValue>& set = {}) {
    return builtin_host().create_dataset("idx", plugin_options(plugin::Kind::dataset, "idx", set),
                                         plugin::Context{0, ""});
}

std::vector<int64_t> iota(int64_t n) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
    return v;
}

/// An IDX file of unsigned bytes: magic 00 00 08 rank, big-endian dims, then `values`.
void write_idx(const fs::path& path, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values,
               uint8_t type = 0x08) {
    std::ofstream out(path, std::ios::binary);
    const uint8_t magic[4] = {0, 0, type, static_cast<uint8_t>(dims.size())};
    out.write(reinterpret_cast<const char*>(magic), 4);
    for (uint32_t d : dims) {
        const uint8_t b[4] = {static_cast<uint8_t>(d >> 24), static_cast<uint8_t>(d >> 16),
                              static_cast<uint8_t>(d >> 8), static_cast<uint8_t>(d)};
        out.write(reinterpret_cast<const char*>(b), 4);
    }
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size()));
}

std::vector<uint8_t> ramp(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 37 % 256);
    return v;
}

/// The message of the DataError that loading with `set` throws ("" if it does not throw one).
std::string data_error(const std::map<std::string, plugin::OptionValue>& set) {
    return error_message<DataError>([&] { idx(set); });
}

}  // namespace

TEST_CASE("idx: Debian's Fashion-MNIST train and test splits", "[plugins_builtin][data][idx]") {
    const auto train = idx();
    const DataInfo info = train->info();
    CHECK(info.size == 60000);
    CHECK(info.sample_shape == Shape{1, 28, 28});
    CHECK(info.classes == 10);
    CHECK(info.images);
    const Batch batch = train->get(iota(2000));
    REQUIRE(batch.x.shape() == Shape{2000, 1, 28, 28});
    const std::vector<float> x = batch.x.to_vector();
    CHECK(*std::min_element(x.begin(), x.end()) == -1.f);  // byte 0
    CHECK(*std::max_element(x.begin(), x.end()) == 1.f);   // byte 255
    std::set<float> labels;
    for (float l : batch.labels.to_vector()) labels.insert(l);
    CHECK(labels == std::set<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    // Fashion-MNIST's first training image is an ankle boot (class 9), the first test one too.
    CHECK(batch.labels.to_vector()[0] == 9.f);

    const auto test = idx({{"split", std::string("test")}});
    CHECK(test->info().size == 10000);
    CHECK(test->info().classes == 10);
    CHECK(test->get({0}).labels.to_vector()[0] == 9.f);
    CHECK(test->info().identity != info.identity);
    CHECK_THROWS(test->get({10000}));
}

TEST_CASE("idx: plain files read like the gzipped ones and limit labelled and explicit paths apply",
          "[plugins_builtin][data][idx]") {
    TempDir dir;
    // The test split decompressed into plain IDX files with the distribution's names.
    for (const std::string name : {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
        const datasets::IdxArray a = datasets::read_idx(kFashion + "/" + name + ".gz");
        write_idx(dir.path / name, std::vector<uint32_t>(a.dims.begin(), a.dims.end()), a.values);
    }
    const auto plain = idx({{"root", dir.path.string()}, {"split", std::string("test")}});
    const auto gz = idx({{"split", std::string("test")}});
    REQUIRE(plain->info().size == 10000);
    const std::vector<int64_t> some = {0, 1, 777, 9999};
    CHECK(plain->get(some).x.to_vector() == gz->get(some).x.to_vector());
    CHECK(plain->get(some).labels.to_vector() == gz->get(some).labels.to_vector());
    // The identity names the files: the same samples from elsewhere are another cache entry.
    CHECK(plain->info().identity != gz->info().identity);
    CHECK(plain->info().identity.find(dir.path.filename().string()) != std::string::npos);

    const auto limited = idx({{"split", std::string("test")}, {"limit", int64_t{100}}});
    CHECK(limited->info().size == 100);
    CHECK(limited->info().identity != gz->info().identity);
    CHECK(limited->get({99}).x.to_vector() == gz->get({99}).x.to_vector());
    CHECK_THROWS(limited->get({100}));
    CHECK(idx({{"split", std::string("test")}, {"limit", int64_t{20000}}})->info().size == 10000);

    const auto unlabelled = idx({{"split", std::string("test")}, {"labelled", false}});
    CHECK(unlabelled->info().classes == 0);
    CHECK_FALSE(unlabelled->get({0}).labels.defined());
    CHECK(unlabelled->info().identity != gz->info().identity);

    // Explicit files; images without labels: unlabelled.
    const std::string images = (dir.path / "t10k-images-idx3-ubyte").string();
    const auto images_only = idx({{"images", images}});
    CHECK(images_only->info().size == 10000);
    CHECK(images_only->info().classes == 0);
    const auto both = idx({{"images", images}, {"labels", (dir.path / "t10k-labels-idx1-ubyte").string()}});
    CHECK(both->info().classes == 10);
}

TEST_CASE("idx: malformed files are DataErrors naming the file", "[plugins_builtin][data][idx]") {
    TempDir dir;
    auto path = [&](const std::string& name) { return (dir.path / name).string(); };
    auto images = [&](const std::string& name) {
        return std::map<std::string, plugin::OptionValue>{{"images", path(name)}};
    };
    write_idx(path("good"), {5, 3, 4}, ramp(60));
    write_idx(path("labels4"), {4}, {0, 1, 2, 1});
    write_idx(path("labels5"), {5}, {0, 1, 2, 1, 7});
    // A sound pair first, so that each failure below is the file's fault.
    const auto ok = idx({{"images", path("good")}, {"labels", path("labels5")}});
    CHECK(ok->info().sample_shape == Shape{1, 3, 4});
    CHECK(ok->info().classes == 8);
    CHECK(ok->get({1}).x.to_vector()[0] == Approx(static_cast<float>(12 * 37 % 256) / 127.5f - 1.f));

    {  // bad magic
        std::ofstream(path("magic"), std::ios::binary) << "PK\x03\x04 this is a zip";
        const std::string m = data_error(images("magic"));
        CHECK_THAT(m, Catch::Contains(path("magic")) && Catch::Contains("bad magic"));
    }
    {  // header declares 5 images of 3 x 4 but holds 59 bytes
        std::vector<uint8_t> v = ramp(59);
        write_idx(path("truncated"), {5, 3, 4}, v);
        CHECK_THAT(data_error(images("truncated")), Catch::Contains(path("truncated")) && Catch::Contains("holds only 59"));
    }
    {  // more data than the dimensions say
        write_idx(path("long"), {5, 3, 4}, ramp(70));
        CHECK_THAT(data_error(images("long")), Catch::Contains(path("long")) && Catch::Contains("more data"));
    }
    {  // absurd dimensions: 2^32 - 1 cubed, in a 100-byte file; must fail without allocating it
        write_idx(path("absurd"), {0xffffffffu, 0xffffffffu, 0xffffffffu}, ramp(100));
        CHECK_THAT(data_error(images("absurd")), Catch::Contains(path("absurd")) && Catch::Contains("absurd"));
        write_idx(path("huge"), {60000, 60000, 28}, ramp(100));  // 1e11 values, 100 present
        CHECK_THAT(data_error(images("huge")), Catch::Contains(path("huge")));
    }
    {  // a zero dimension, a float element type
        write_idx(path("zero"), {0, 28, 28}, {});
        CHECK_THAT(data_error(images("zero")), Catch::Contains(path("zero")));
        write_idx(path("floats"), {1, 2, 2}, ramp(16), 0x0d);
        CHECK_THAT(data_error(images("floats")), Catch::Contains(path("floats")) && Catch::Contains("not supported"));
    }
    {  // the wrong ranks: labels given as images, images as labels
        CHECK_THAT(data_error(images("labels5")), Catch::Contains(path("labels5")) && Catch::Contains("rank 3"));
        CHECK_THAT(data_error({{"images", path("good")}, {"labels", path("good")}}),
                   Catch::Contains(path("good")) && Catch::Contains("rank 1"));
    }
    {  // counts that differ
        const std::string m = data_error({{"images", path("good")}, {"labels", path("labels4")}});
        CHECK_THAT(m, Catch::Contains(path("labels4")) && Catch::Contains("4 labels") && Catch::Contains("5 images"));
    }
    {  // a gzip stream cut short
        std::ifstream in(kFashion + "/t10k-labels-idx1-ubyte.gz", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        REQUIRE(bytes.size() > 1000);
        std::ofstream(path("cut.gz"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        CHECK_THAT(data_error({{"images", path("good")}, {"labels", path("cut.gz")}}), Catch::Contains(path("cut.gz")));
    }
    {  // missing files, with a hint
        CHECK_THAT(data_error({{"root", path("nowhere")}}),
                   Catch::Contains(path("nowhere")) && Catch::Contains("no such file") && Catch::Contains("data.root"));
        CHECK_THAT(data_error({{"images", path("good")}, {"labels", path("missing")}}), Catch::Contains(path("missing")));
    }
}
