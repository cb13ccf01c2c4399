// SPDX-License-Identifier: Apache-2.0
// The plugin host against real fixture libraries (tests/plugins), one directory per case.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "gantry/loss.hpp"
#include "gantry/metric.hpp"
#include "plugin/host.hpp"

namespace fs = std::filesystem;
using namespace gantry::plugin;
using Catch::Contains;

namespace {

std::string fixture(const std::string& name) { return std::string(GANTRY_TEST_PLUGIN_DIR) + "/" + name; }

std::string library(const std::string& dir, const std::string& name) {
    return fixture(dir) + "/libgantry_" + name + ".so";
}

// Only the given entries: no environment, no built-in directory.
SearchPaths only(std::vector<std::string> entries) {
    SearchPaths paths;
    paths.experiment_dirs = std::move(entries);
    paths.use_environment = false;
    paths.builtin_dir = "";
    return paths;
}

// Sets GANTRY_PLUGIN_PATH for one test and restores it afterwards.
class PluginPathGuard {
public:
    explicit PluginPathGuard(const std::string& value) {
        if (const char* old = std::getenv("GANTRY_PLUGIN_PATH")) old_ = old;
        ::setenv("GANTRY_PLUGIN_PATH", value.c_str(), 1);
    }
    ~PluginPathGuard() {
        if (old_) ::setenv("GANTRY_PLUGIN_PATH", old_->c_str(), 1);
        else ::unsetenv("GANTRY_PLUGIN_PATH");
    }

private:
    std::optional<std::string> old_;
};

// A fresh scratch directory under the build tree, removed at the end of the test.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& name)
        : path_(fs::path(GANTRY_TEST_PLUGIN_DIR) / ".." / "test-scratch" / name) {
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// The section names of a 64-bit little-endian ELF file (enough for the fixtures built here).
std::set<std::string> elf_section_names(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 64);
    REQUIRE(bytes.compare(0, 4, "\x7f" "ELF") == 0);
    REQUIRE(bytes[4] == 2);  // ELFCLASS64
    const auto read = [&](size_t at, size_t n) {
        REQUIRE(at + n <= bytes.size());
        uint64_t v = 0;
        std::memcpy(&v, bytes.data() + at, n);
        return v;
    };
    const uint64_t shoff = read(0x28, 8), shentsize = read(0x3A, 2), shnum = read(0x3C, 2), shstrndx = read(0x3E, 2);
    const uint64_t strtab = read(shoff + shstrndx * shentsize + 0x18, 8);
    std::set<std::string> names;
    for (uint64_t i = 0; i < shnum; ++i) {
        const uint64_t name = read(shoff + i * shentsize, 4);
        REQUIRE(strtab + name < bytes.size());
        names.insert(std::string(bytes.c_str() + strtab + name));
    }
    return names;
}

void scan_only(const std::vector<std::string>& entries) {
    Host host(only(entries));
    host.scan();
}

}  // namespace

TEST_CASE("plugin host: scans a directory of good plugins into a catalogue", "[plugin]") {
    Host host(only({fixture("good")}));
    host.scan();
    REQUIRE(host.plugins().size() == 2);

    const PluginInfo* loss = host.find(Kind::loss, "good_loss");
    REQUIRE(loss != nullptr);
    CHECK(loss->kind == Kind::loss);
    CHECK(loss->version == "1.2.3");
    CHECK(loss->summary == "a constant loss for the host tests");
    CHECK(loss->path == fs::canonical(library("good", "good_loss")).string());
    CHECK(loss->fingerprint == host_fingerprint());
    CHECK(loss->api_major == host_api_major());
    CHECK(loss->api_minor == host_api_minor());
    CHECK(loss->provides.empty());

    const PluginInfo* data = host.find(Kind::dataset, "good_dataset");
    REQUIRE(data != nullptr);
    CHECK(data->version == "0.1.0");
    CHECK(data->options.empty());

    CHECK(host.find(Kind::dataset, "good_loss") == nullptr);
    CHECK(host.find(Kind::loss, "nothing") == nullptr);
    CHECK(host.names(Kind::loss) == std::vector<std::string>{"good_loss"});
    CHECK(host.names(Kind::dataset) == std::vector<std::string>{"good_dataset"});
    CHECK(host.names(Kind::metric).empty());
    CHECK(host.skipped().empty());

    // The host is the experiment checker's catalogue itself: the same PluginInfo, no copy.
    const Catalog& catalog = host;
    CHECK(catalog.find(Kind::loss, "good_loss") == loss);
    CHECK(catalog.names(Kind::dataset) == std::vector<std::string>{"good_dataset"});
    CHECK(catalog.unusable_library("good_loss").empty());
}

TEST_CASE("plugin host: copies the option table into C++ values", "[plugin]") {
    Host host(only({fixture("good")}));
    host.scan();
    const PluginInfo* loss = host.find(Kind::loss, "good_loss");
    REQUIRE(loss != nullptr);
    REQUIRE(loss->options.size() == 4);

    const OptionInfo& scale = loss->options[0];
    CHECK(scale.name == "scale");
    CHECK(scale.type == OptionType::number);
    CHECK(scale.default_value == std::optional<std::string>("1.5"));
    CHECK(scale.min == 0.0);
    CHECK(scale.max == 100.0);
    CHECK(scale.choices.empty());
    CHECK(scale.doc == "multiplies every term");
    CHECK_FALSE(scale.required());

    const OptionInfo& steps = loss->options[1];
    CHECK(steps.type == OptionType::integer);
    CHECK(steps.min == 1.0);
    CHECK(std::isnan(steps.max));

    const OptionInfo& mode = loss->options[2];
    CHECK(mode.name == "mode");
    CHECK(mode.type == OptionType::string);
    CHECK(mode.required());
    CHECK(mode.choices == std::vector<std::string>{"fast", "slow"});
    CHECK(std::isnan(mode.min));

    const OptionInfo& hidden = loss->options[3];
    CHECK(hidden.type == OptionType::integer_list);
    CHECK(hidden.default_value == std::optional<std::string>("[8, 8]"));
    CHECK(hidden.doc == "layer widths");
}

TEST_CASE("plugin host: scanning calls no factory", "[plugin]") {
    // This plugin's constructor always throws: the scan must not have run it.
    Host host(only({fixture("throwing_factory")}));
    REQUIRE_NOTHROW(host.scan());
    CHECK(host.find(Kind::loss, "throwing_factory") != nullptr);
    CHECK(host.used().empty());
}

TEST_CASE("plugin host: creates working objects and records the plugins used", "[plugin]") {
    Host host(only({fixture("good")}));
    host.scan();
    CHECK(host.used().empty());

    Options options;
    options.set("scale", 2.0);
    std::unique_ptr<gantry::Loss> loss = host.create_loss("good_loss", options, Context{});
    REQUIRE(loss != nullptr);
    const gantry::LossTerms terms = loss->discriminator_loss(gantry::DiscriminatorStep{});
    REQUIRE(terms.size() == 1);
    CHECK(terms[0].first == "d");
    CHECK(terms[0].second.item() == 2.0f);

    std::unique_ptr<gantry::Dataset> data = host.create_dataset("good_dataset", Options{}, Context{});
    REQUIRE(data != nullptr);
    CHECK(data->info().size == 16);
    const gantry::Batch batch = data->get({0, 1, 2});
    CHECK(batch.x.size(0) == 3);
    CHECK(batch.x.size(1) == 2);

    // A second object from the same plugin is not a second record.
    host.create_loss("good_loss", options, Context{});

    const std::vector<UsedPlugin> used = host.used();
    REQUIRE(used.size() == 2);
    CHECK(used[0].kind == Kind::loss);
    CHECK(used[0].name == "good_loss");
    CHECK(used[0].version == "1.2.3");
    CHECK(used[0].path == fs::canonical(library("good", "good_loss")).string());
    CHECK(used[0].fingerprint == host_fingerprint());
    CHECK(used[1].name == "good_dataset");
    CHECK(used[1].version == "0.1.0");
}

TEST_CASE("plugin host: objects outlive the host (libraries are never unloaded)", "[plugin]") {
    std::unique_ptr<gantry::Loss> loss;
    {
        Host host(only({fixture("good")}));
        host.scan();
        loss = host.create_loss("good_loss", Options{}, Context{});
    }
    // The vtable and code are in the plugin library: this would crash had it been unloaded.
    const gantry::LossTerms terms = loss->discriminator_loss(gantry::DiscriminatorStep{});
    REQUIRE(terms.size() == 1);
    CHECK(terms[0].second.item() == 1.5f);
    loss.reset();
}

TEST_CASE("plugin host: asking for a missing plugin names the closest ones", "[plugin]") {
    Host host(only({fixture("good")}));
    host.scan();
    REQUIRE_THROWS_AS(host.create_loss("god_loss", Options{}, Context{}), gantry::PluginError);
    REQUIRE_THROWS_WITH(host.create_loss("god_loss", Options{}, Context{}),
                        Contains("no loss plugin named 'god_loss'") &&
                            Contains("did you mean 'good_loss'?"));
    REQUIRE_THROWS_WITH(host.create_loss("zzz", Options{}, Context{}),
                        Contains("found: good_loss") && Contains(fixture("good")));
    // The right name in the wrong slot.
    REQUIRE_THROWS_WITH(host.create_loss("good_dataset", Options{}, Context{}),
                        Contains("no loss plugin named 'good_dataset'") &&
                            Contains("'good_dataset' is a dataset plugin"));
    CHECK(host.used().empty());
}

TEST_CASE("plugin host: API major mismatch is refused with both versions and the fix", "[plugin]") {
    const std::vector<std::string> dir{fixture("bad_api_major")};
    REQUIRE_THROWS_AS(scan_only(dir), gantry::PluginError);
    REQUIRE_THROWS_WITH(scan_only(dir),
                        Contains("plugin 'bad_api_major'") &&
                            Contains("libgantry_bad_api_major.so") && Contains("API 3.0") &&
                            Contains("this gantry supports 2.x (2.3)") &&
                            Contains("rebuild the plugin against this Gantry SDK"));
}

TEST_CASE("plugin host: a newer API minor is refused", "[plugin]") {
    const std::vector<std::string> dir{fixture("newer_minor")};
    REQUIRE_THROWS_AS(scan_only(dir), gantry::PluginError);
    REQUIRE_THROWS_WITH(scan_only(dir), Contains("libgantry_newer_minor.so") &&
                                            Contains("API 2.4 is newer than this gantry's 2.3") &&
                                            Contains("rebuild the plugin"));
}

TEST_CASE("plugin host: a plugin of an older API minor loads and creates its object", "[plugin]") {
    // Minor versions are additive (docs/writing-a-plugin.md): a 2.0 plugin keeps loading under 2.1.
    Host host(only({fixture("older_minor")}));
    host.scan();
    const gantry::plugin::PluginInfo* info = host.find(Kind::loss, "older_minor");
    REQUIRE(info != nullptr);
    CHECK(info->api_major == 2);
    CHECK(info->api_minor == 0);
    CHECK(host.create_loss("older_minor", Options{}, Context{}) != nullptr);
}

TEST_CASE("plugin host: a different build fingerprint is refused - printing both", "[plugin]") {
    const std::vector<std::string> dir{fixture("bad_fingerprint")};
    REQUIRE_THROWS_AS(scan_only(dir), gantry::PluginError);
    REQUIRE_THROWS_WITH(scan_only(dir), Contains("libgantry_bad_fingerprint.so") &&
                                            Contains("\"clang 99.0, libc++ 99\"") &&
                                            Contains(host_fingerprint()) &&
                                            Contains("same compiler"));
}

TEST_CASE("plugin host: a plugin without its factory alias is refused", "[plugin]") {
    const std::vector<std::string> dir{fixture("missing_create")};
    REQUIRE_THROWS_AS(scan_only(dir), gantry::PluginError);
    REQUIRE_THROWS_WITH(scan_only(dir), Contains("libgantry_missing_create.so") &&
                                            Contains("exports gantry_plugin_descriptor but not "
                                                     "gantry_plugin_create"));
}

TEST_CASE("plugin host: an unresolved symbol fails at load - not at first call", "[plugin]") {
    const std::vector<std::string> dir{fixture("unresolved_symbol")};
    REQUIRE_THROWS_AS(scan_only(dir), gantry::PluginError);
    REQUIRE_THROWS_WITH(scan_only(dir), Contains("libgantry_unresolved_symbol.so") &&
                                            Contains("cannot be loaded") &&
                                            Contains("undefined symbol: gantry_test_defined_nowhere"));
}

TEST_CASE("plugin host: two files with one plugin name are refused - naming both", "[plugin]") {
    const std::vector<std::string> dir{fixture("duplicate_name")};
    REQUIRE_THROWS_AS(scan_only(dir), gantry::PluginError);
    REQUIRE_THROWS_WITH(scan_only(dir), Contains("plugin name 'duplicate_name'") &&
                                            Contains("libgantry_dup_a.so (loss 1.0.0)") &&
                                            Contains("libgantry_dup_b.so (loss 2.0.0)"));
}

TEST_CASE("plugin host: a factory that throws refused its options", "[plugin]") {
    Host host(only({fixture("throwing_factory"), fixture("throwing_int")}));
    host.scan();
    REQUIRE_THROWS_AS(host.create_loss("throwing_factory", Options{}, Context{}),
                      gantry::PluginError);
    REQUIRE_THROWS_WITH(host.create_loss("throwing_factory", Options{}, Context{}),
                        Contains("plugin 'throwing_factory'") &&
                            Contains("libgantry_throwing_factory.so") &&
                            Contains("refused its options: bad option 'x'"));
    REQUIRE_THROWS_WITH(host.create_loss("throwing_int", Options{}, Context{}),
                        Contains("plugin 'throwing_int'") &&
                            Contains("non-standard exception"));
    CHECK(host.used().empty());
}

TEST_CASE("plugin host: an object of the wrong interface is refused", "[plugin]") {
    Host host(only({fixture("wrong_kind_object")}));
    host.scan();
    REQUIRE_THROWS_AS(host.create(Kind::loss, "wrong_kind_object", Options{}, Context{}),
                      gantry::PluginError);
    REQUIRE_THROWS_WITH(host.create_loss("wrong_kind_object", Options{}, Context{}),
                        Contains("libgantry_wrong_kind_object.so") &&
                            Contains("declared kind loss") &&
                            Contains("not a gantry::Loss"));
    CHECK(host.used().empty());
}

TEST_CASE("plugin host: a file that is not a library", "[plugin]") {
    SECTION("is skipped silently in a directory scan") {
        Host host(only({fixture("not_a_library")}));
        REQUIRE_NOTHROW(host.scan());
        CHECK(host.plugins().empty());
        REQUIRE(host.skipped().size() == 1);
        CHECK_THAT(host.skipped()[0].path, Contains("libgantry_fake.so"));
        CHECK_THAT(host.skipped()[0].reason, Contains("not an ELF file"));
        // What the experiment checker says for `plugin: fake` (exit 3, not an unknown name).
        CHECK_THAT(host.unusable_library("fake"),
                   Contains("libgantry_fake.so: not a shared library") && Contains("not an ELF file"));
        CHECK(host.unusable_library("fak").empty());
    }
    SECTION("is an error naming the file when named explicitly") {
        const std::vector<std::string> file{library("not_a_library", "fake")};
        REQUIRE_THROWS_AS(scan_only(file), gantry::PluginError);
        REQUIRE_THROWS_WITH(scan_only(file), Contains("libgantry_fake.so") &&
                                                 Contains("not a plugin library") &&
                                                 Contains("not an ELF file"));
    }
}

TEST_CASE("plugin host: a shared library that is not a gantry plugin", "[plugin]") {
    SECTION("is skipped in a directory scan, with a reason") {
        Host host(only({fixture("plain_library")}));
        REQUIRE_NOTHROW(host.scan());
        CHECK(host.plugins().empty());
        REQUIRE(host.skipped().size() == 1);
        CHECK_THAT(host.skipped()[0].reason, Contains("not a gantry plugin"));
    }
    SECTION("is an error when named explicitly") {
        REQUIRE_THROWS_WITH(scan_only({library("plain_library", "plain")}),
                            Contains("libgantry_plain.so") && Contains("not a gantry plugin"));
    }
}

TEST_CASE("plugin host: truncated and foreign ELF files are refused before loading", "[plugin]") {
    ScratchDir scratch("elf");
    std::ifstream in(library("good", "good_loss"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 4096);

    const fs::path truncated = scratch.path() / "libgantry_truncated.so";
    std::ofstream(truncated, std::ios::binary).write(bytes.data(), 2048);
    // e_machine (offset 18, little-endian): x86-64 is 62, AArch64 183; swap one for the other.
    std::string foreign_bytes = bytes;
    foreign_bytes[18] = static_cast<char>(static_cast<unsigned char>(bytes[18]) == 62 ? 183 : 62);
    foreign_bytes[19] = 0;
    const fs::path foreign = scratch.path() / "libgantry_foreign.so";
    std::ofstream(foreign, std::ios::binary).write(foreign_bytes.data(), foreign_bytes.size());

    REQUIRE_THROWS_WITH(scan_only({truncated.string()}),
                        Contains("libgantry_truncated.so") && Contains("truncated"));
    REQUIRE_THROWS_WITH(scan_only({foreign.string()}),
                        Contains("libgantry_foreign.so") &&
                            Contains("built for another CPU architecture"));
    Host host(only({scratch.path().string()}));
    REQUIRE_NOTHROW(host.scan());
    CHECK(host.skipped().size() == 2);
}

TEST_CASE("plugin host: broken descriptors are refused field by field", "[plugin]") {
    REQUIRE_THROWS_WITH(scan_only({fixture("bad_magic")}),
                        Contains("libgantry_bad_magic.so") && Contains("magic is 0x12345678") &&
                            Contains("expected 0x4c505447"));
    REQUIRE_THROWS_WITH(scan_only({fixture("small_descriptor")}),
                        Contains("libgantry_small_descriptor.so") &&
                            Contains("descriptor is 24 bytes") && Contains("needs at least"));
    REQUIRE_THROWS_WITH(scan_only({fixture("bad_kind")}),
                        Contains("libgantry_bad_kind.so") && Contains("kind 9 is not one of"));
    REQUIRE_THROWS_WITH(scan_only({fixture("bad_name")}),
                        Contains("libgantry_bad_name.so") &&
                            Contains("name \"Bad Name\" is not a valid plugin name"));
    REQUIRE_THROWS_WITH(scan_only({fixture("duplicate_option")}),
                        Contains("libgantry_duplicate_option.so") &&
                            Contains("option 'alpha' is declared twice"));
    REQUIRE_THROWS_WITH(scan_only({fixture("bad_option_type")}),
                        Contains("option 'beta' has an unknown type 42"));
    REQUIRE_THROWS_WITH(scan_only({fixture("bad_added_option")}),
                        Contains("added_options names 'gamma', which is not one of its options"));
}

TEST_CASE("plugin host: search order is experiment dirs - GANTRY_PLUGIN_PATH - built-in", "[plugin]") {
    PluginPathGuard env(fixture("env") + "::/nonexistent/gantry-plugins");
    SearchPaths paths;
    paths.experiment_dirs = {fixture("good")};
    paths.builtin_dir = fixture("throwing_factory");
    Host host(paths);
    host.scan();

    const std::vector<std::string> expected{fs::canonical(fixture("good")).string(),
                                            fs::canonical(fixture("env")).string(),
                                            fs::canonical(fixture("throwing_factory")).string()};
    CHECK(host.search_path() == expected);
    std::vector<std::string> found;
    for (const PluginInfo& p : host.plugins()) found.push_back(p.name);
    CHECK(found == std::vector<std::string>{"good_dataset", "good_loss", "env_loss",
                                            "throwing_factory"});
    // A missing GANTRY_PLUGIN_PATH entry is skipped, like a missing PATH entry.
    REQUIRE(host.skipped().size() == 1);
    CHECK(host.skipped()[0].path == "/nonexistent/gantry-plugins");
}

TEST_CASE("plugin host: a missing experiment plugin directory is an error", "[plugin]") {
    REQUIRE_THROWS_AS(scan_only({"/nonexistent/experiment-plugins"}), gantry::PluginError);
    REQUIRE_THROWS_WITH(scan_only({"/nonexistent/experiment-plugins"}),
                        Contains("/nonexistent/experiment-plugins does not exist"));
}

TEST_CASE("plugin host: the same name in two search directories names both files", "[plugin]") {
    PluginPathGuard env(fixture("good_again"));
    SearchPaths paths;
    paths.experiment_dirs = {fixture("good")};
    paths.builtin_dir = "";
    Host host(paths);
    const std::string first = fs::canonical(library("good", "good_loss")).string();
    const std::string second = fs::canonical(library("good_again", "good_loss")).string();
    REQUIRE_THROWS_WITH(host.scan(), Contains("plugin name 'good_loss'") &&
                                         Contains(first + " (loss 1.2.3) and " + second));
}

TEST_CASE("plugin host: one file reached through two search entries is one plugin", "[plugin]") {
    ScratchDir scratch("twice");
    const fs::path link = scratch.path() / "good-link";
    fs::create_directory_symlink(fs::canonical(fixture("good")), link);
    const fs::path file_link = scratch.path() / "libgantry_alias.so";
    fs::create_symlink(fs::canonical(library("good", "good_loss")), file_link);

    PluginPathGuard env(link.string());
    SearchPaths paths;
    paths.experiment_dirs = {fixture("good"), library("good", "good_loss"), file_link.string(),
                             fixture("good")};
    paths.builtin_dir = link.string();
    Host host(paths);
    REQUIRE_NOTHROW(host.scan());
    CHECK(host.plugins().size() == 2);
}

TEST_CASE("plugin host: the built-in directory sits next to the executable", "[plugin]") {
    SearchPaths paths;
    paths.use_environment = false;
    Host host(paths);
    const fs::path build_plugins = fs::path(GANTRY_BUILD_DIR) / "plugins";
    const std::vector<std::string> searched = host.search_path();
    if (fs::is_directory(build_plugins)) {
        REQUIRE(searched.size() == 1);
        CHECK(fs::equivalent(searched[0], build_plugins));
    } else {
        CHECK(searched.empty());
    }
}

TEST_CASE("plugin host: kind names round-trip", "[plugin]") {
    for (Kind k : {Kind::architecture, Kind::loss, Kind::dataset, Kind::metric})
        CHECK(kind_from_string(to_string(k)) == k);
    CHECK_FALSE(kind_from_string("losses").has_value());
}

TEST_CASE("plugin host: a stripped plugin is still found (aliases read from .dynsym)", "[plugin]") {
    // The build strips a copy of good_loss with --strip-all (tests/plugins/CMakeLists.txt), so
    // this case always runs. First make sure the copy really lost its static symbol table.
    const fs::path stripped = library("stripped", "good_loss");
    REQUIRE(fs::exists(stripped));
    CHECK(elf_section_names(library("good", "good_loss")).count(".symtab") == 1);
    const std::set<std::string> sections = elf_section_names(stripped);
    CHECK(sections.count(".symtab") == 0);
    CHECK(sections.count(".dynsym") == 1);
    Host host(only({fixture("stripped")}));
    host.scan();
    CHECK(host.find(Kind::loss, "good_loss") != nullptr);
    CHECK(host.skipped().empty());
}

TEST_CASE("plugin host: a metric plugin lists what it provides", "[plugin]") {
    Host host(only({fixture("good_metric")}));
    host.scan();
    const PluginInfo* metric = host.find(Kind::metric, "good_metric");
    REQUIRE(metric != nullptr);
    CHECK(metric->provides == std::vector<std::string>{"seven", "also_seven"});
    std::unique_ptr<gantry::Metric> object =
        host.create_metric("good_metric", Options{}, Context{});
    REQUIRE(object != nullptr);
    const auto values = object->evaluate(gantry::MetricContext{}, {"seven"});
    REQUIRE(values.size() == 1);
    CHECK(values[0].value == 7.0);
    REQUIRE(host.used().size() == 1);
    CHECK(host.used()[0].kind == Kind::metric);
}

TEST_CASE("plugin host: a failed scan leaves no half catalogue", "[plugin]") {
    Host host(only({fixture("good"), fixture("bad_api_major")}));
    REQUIRE_THROWS_AS(host.scan(), gantry::PluginError);
    CHECK(host.plugins().empty());
    CHECK(host.find(Kind::loss, "good_loss") == nullptr);
    REQUIRE_THROWS_WITH(host.create_loss("good_loss", Options{}, Context{}),
                        Contains("no loss plugin named 'good_loss'"));
}
