// SPDX-License-Identifier: Apache-2.0
// The layer map of docs/architecture.md, checked on the sources: which folder of framework/src may
// include which, that only kernels/ sees oneDNN, that the installed headers (the plugin SDK) name
// nothing that is not installed, and that plugins use the SDK alone. A new cross-layer include
// fails here until the map (this table and the document) says it is allowed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/files.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = GANTRY_SOURCE_DIR;
const fs::path kSrc = kRoot / "framework" / "src";
const fs::path kSdk = kRoot / "framework" / "include";

/// framework/src/<folder> -> the other folders of framework/src it may include from. Every
/// folder may include the SDK (include/gantry/) and its own headers. "." is src/ itself
/// (suggest.hpp, shared by the plugin host and the config checker; metric_direction.hpp, by the config checker and the report;
/// builtin_plugin_dir.hpp, by the plugin host and the reference classifier).
const std::map<std::string, std::set<std::string>> kMayInclude = {
    {"kernels", {}},
    {"io", {}},
    {"tensor", {"autograd", "io"}},  // a tensor records its autograd node; tensor files use io's CRC
    {"autograd", {"tensor"}},
    {"ops", {"tensor", "autograd", "kernels"}},
    {"nn", {}},
    {"optim", {}},
    {"datasets", {}},
    {"eval", {".", "io"}},  // the shipped classifier is in the built-in plugin directory
    {"trainer", {}},
    {"plugin", {"."}},
    {"config", {".", "plugin", "trainer"}},
    {"train", {".", "config", "io", "plugin", "trainer"}},
    {"report", {".", "config", "io"}},
    {"sweep", {".", "config", "io", "report"}},
    {"studio", {"io", "train"}},
};

const std::regex kInclude(R"re(^\s*#\s*include\s*([<"])([^">]+)[">])re");

struct Include {
    fs::path file;
    int line;
    bool quoted;
    std::string name;
};

std::vector<Include> includes_of(const fs::path& file) {
    std::vector<Include> out;
    std::istringstream in(gantry::testing::slurp(file));
    int line = 0;
    for (std::string text; std::getline(in, text);) {
        ++line;
        std::smatch m;
        if (std::regex_search(text, m, kInclude)) out.push_back({file, line, m[1] == "\"", m[2]});
    }
    return out;
}

std::vector<fs::path> sources_under(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".cpp" || ext == ".hpp" || ext == ".h")) files.push_back(e.path());
    }
    return files;
}

std::string where(const Include& inc) {
    return fs::relative(inc.file, kRoot).string() + ":" + std::to_string(inc.line) + ": " + inc.name;
}

bool is_onednn(const std::string& name) { return name.rfind("dnnl", 0) == 0 || name.rfind("oneapi/dnnl", 0) == 0; }

/// The framework/src folder a quoted include names, "" for the SDK or a system header.
std::string src_folder_of(const Include& inc) {
    if (!inc.quoted || inc.name.rfind("gantry/", 0) == 0) return "";
    if (fs::exists(inc.file.parent_path() / inc.name)) {
        const fs::path rel = fs::relative(inc.file.parent_path() / inc.name, kSrc);
        return rel.has_parent_path() ? *rel.begin() : ".";
    }
    if (fs::exists(kSrc / inc.name)) {
        const fs::path rel(inc.name);
        return rel.has_parent_path() ? rel.begin()->string() : ".";
    }
    return "";
}

}  // namespace

TEST_CASE("architecture: framework/src folders include only the layers below them", "[architecture]") {
    std::vector<std::string> violations;
    for (const auto& e : fs::directory_iterator(kSrc)) {
        if (!e.is_directory()) continue;
        const std::string folder = e.path().filename().string();
        INFO("framework/src/" << folder);
        auto allowed = kMayInclude.find(folder);
        REQUIRE(allowed != kMayInclude.end());  // a new folder needs its row in the map
        for (const fs::path& file : sources_under(e.path()))
            for (const Include& inc : includes_of(file)) {
                const std::string target = src_folder_of(inc);
                if (!target.empty() && target != folder && !allowed->second.count(target))
                    violations.push_back(where(inc) + " (" + folder + " may not include " + target + ")");
            }
    }
    CAPTURE(violations);
    CHECK(violations.empty());
}

TEST_CASE("architecture: only framework/src/kernels sees oneDNN", "[architecture]") {
    std::vector<std::string> violations;
    for (const fs::path& dir : {kSrc, kSdk, kRoot / "plugins", kRoot / "tools", kRoot / "tests"})
        for (const fs::path& file : sources_under(dir)) {
            const std::string rel = fs::relative(file, kSrc).string();
            if (rel.rfind("kernels/", 0) == 0) continue;
            for (const Include& inc : includes_of(file))
                if (is_onednn(inc.name)) violations.push_back(where(inc));
        }
    CAPTURE(violations);
    CHECK(violations.empty());
    // The check sees oneDNN where it is.
    bool seen = false;
    for (const fs::path& file : sources_under(kSrc / "kernels"))
        for (const Include& inc : includes_of(file)) seen = seen || is_onednn(inc.name);
    CHECK(seen);
}

TEST_CASE("architecture: the installed headers are the SDK and name only each other", "[architecture]") {
    std::vector<std::string> violations;
    size_t headers = 0;
    for (const fs::path& file : sources_under(kSdk / "gantry")) {
        ++headers;
        for (const Include& inc : includes_of(file)) {
            const bool sdk = inc.name.rfind("gantry/", 0) == 0;
            if (sdk && !fs::exists(kSdk / inc.name)) violations.push_back(where(inc) + " (not installed)");
            if (!sdk && inc.quoted) violations.push_back(where(inc) + " (not an SDK header)");
        }
    }
    CHECK(headers > 20);
    CAPTURE(violations);
    CHECK(violations.empty());
    // The runtime's own layers are not installed.
    for (const char* internal : {"config", "train", "trainer", "sweep", "report", "studio"})
        CHECK_FALSE(fs::exists(kSdk / "gantry" / internal));
}

TEST_CASE("architecture: plugins and the new-plugin templates use the SDK alone", "[architecture]") {
    std::vector<std::string> violations;
    std::vector<fs::path> files = sources_under(kRoot / "plugins");
    for (const auto& e : fs::directory_iterator(kRoot / "tools" / "gantry" / "templates")) files.push_back(e.path());
    for (const fs::path& file : files)
        for (const Include& inc : includes_of(file)) {
            if (inc.name.rfind("gantry/", 0) == 0) {
                if (!fs::exists(kSdk / inc.name)) violations.push_back(where(inc) + " (not in the SDK)");
            } else if (inc.quoted && !fs::exists(file.parent_path() / inc.name)) {
                violations.push_back(where(inc) + " (neither the SDK nor the plugin's own file)");
            }
        }
    CAPTURE(violations);
    CHECK(violations.empty());
}
