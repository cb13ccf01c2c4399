// SPDX-License-Identifier: Apache-2.0
// `gantry new-plugin KIND NAME [DIR]`: a ready out-of-tree plugin project in DIR (default ./NAME):
// CMakeLists.txt (find_package(Gantry) + gantry_add_plugin), NAME.cpp (a working skeleton of the
// kind), experiment.yaml (an experiment that uses it), README.md and .gitignore. The texts are
// tools/gantry/templates/*.in, with @name@, @Class@, @kind@... replaced.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "suggest.hpp"
#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "gantry/plugin/abi.hpp"
#include "plugin/host.hpp"
#include "templates.hpp"

namespace gantry::cli {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kKinds = {"architecture", "loss", "dataset", "metric"};

// The plugin host's rule: 1-64 of a-z, 0-9, '_', starting with a letter.
bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// "My-Loss 2" -> "my_loss_2"; "2gan" -> "p2gan": the nearest name the host accepts.
std::string suggested_name(const std::string& name) {
    std::string out;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
        else if (!out.empty() && out.back() != '_') out += '_';
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    if (out.empty() || !(out[0] >= 'a' && out[0] <= 'z')) out = "p" + out;
    return out.substr(0, 64);
}

// my_loss -> MyLoss: the plugin's class.
std::string class_name(const std::string& name) {
    std::string out;
    bool upper = true;
    for (char c : name) {
        if (c == '_') {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out;
}

std::string replace_all(std::string text, const std::map<std::string, std::string>& values) {
    for (const auto& [key, value] : values) {
        const std::string marker = "@" + key + "@";
        for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + value.size()))
            text.replace(at, marker.size(), value);
    }
    return text;
}

std::string template_of(const std::string& name) {
    const std::string_view text = template_text(name);
    GANTRY_CHECK(!text.empty(), "gantry new-plugin: no template '", name, "' (internal error: gantry bug)");
    return std::string(text);
}

// The installation prefix of this binary (<prefix>/bin/gantry), for the README's build line; a
// placeholder when this gantry runs from a build tree, which has no SDK package to find.
std::string install_prefix() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return "<gantry prefix>";
    const fs::path prefix = self.parent_path().parent_path();
    for (const char* lib : {"lib", "lib64"})
        if (fs::exists(prefix / lib / "cmake" / "Gantry" / "GantryConfig.cmake", ec)) return prefix.string();
    return "<gantry prefix>";
}

// A plugin named like one already installed would be refused as a duplicate when both are on
// the search path; say so now rather than at the first run.
std::string existing_plugin_named(const std::string& name) {
    try {
        plugin::Host host;
        host.scan();
        for (const plugin::PluginInfo& p : host.plugins()) {
            if (p.name == name) return std::string(plugin::to_string(p.kind)) + " plugin " + p.path;
            // A metric plugin's metric is named like the plugin; metric names are one namespace.
            if (std::find(p.provides.begin(), p.provides.end(), name) != p.provides.end())
                return "metric '" + name + "' of the metric plugin " + p.path;
        }
    } catch (const std::exception&) {
        // A broken plugin elsewhere on the path is `gantry plugins`' business, not ours.
    }
    return "";
}

int new_plugin(const std::string& kind, const std::string& name, const std::string& dir_arg) {
    if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
        const std::string hint = did_you_mean(kind, kKinds);
        throw ConfigError(detail::concat("gantry new-plugin: unknown kind '", kind,
                                         "'; expected one of architecture, loss, dataset, metric",
                                         hint.empty() ? "" : "; " + hint));
    }
    GANTRY_CHECK_AS(ConfigError, valid_name(name), "gantry new-plugin: '", name,
                    "' is not a valid plugin name (1-64 of a-z, 0-9, '_', starting with a letter; "
                    "it names the library libgantry_NAME.so and the C++ class); try '",
                    suggested_name(name), "'");
    const std::string clash = existing_plugin_named(name);
    GANTRY_CHECK_AS(ConfigError, clash.empty(), "gantry new-plugin: the name '", name,
                    "' is taken by the ", clash,
                    "; two plugins of one name cannot be on one search path, pick another name");

    const fs::path dir = dir_arg.empty() ? fs::path(name) : fs::path(dir_arg);
    std::error_code ec;
    GANTRY_CHECK_AS(ConfigError, !fs::exists(dir, ec) || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec)),
                    "gantry new-plugin: ", dir.string(),
                    " exists and is not an empty directory; nothing was written. Give another DIR "
                    "(third argument) or remove it");
    fs::create_directories(dir, ec);
    GANTRY_CHECK_AS(OutputError, !ec, "gantry new-plugin: cannot create ", dir.string(), ": ",
                    ec.message());

    const std::string macro = kind == "metric" ? "METRIC_PLUGIN" : "PLUGIN";
    const std::map<std::string, std::string> what{
        {"loss", "A loss plugin builds the discriminator's and the generator's loss terms."},
        {"dataset", "A dataset plugin serves samples by index; the runtime shuffles and batches."},
        {"metric", "A metric plugin scores the generated samples at each evaluation."},
        {"architecture", "An architecture plugin builds the generator and the discriminator."}};
    const std::map<std::string, std::string> values{
        {"name", name},      {"Class", class_name(name)},          {"kind", kind},
        {"macro", macro},    {"what", what.at(kind)},              {"prefix", install_prefix()},
        {"sdk_version", std::string(GANTRY_SDK_VERSION).substr(0, std::string(GANTRY_SDK_VERSION).rfind('.'))}};
    const std::vector<std::pair<std::string, std::string>> files{
        {"CMakeLists.txt", "CMakeLists.txt"},
        {name + ".cpp", kind + ".cpp"},
        {"experiment.yaml", kind + ".yaml"},
        {"README.md", "README.md"},
        {".gitignore", "gitignore"}};
    for (const auto& [file, template_name] : files)
        io::atomic_write(dir / file, replace_all(template_of(template_name), values));

    std::printf("created %s: a %s plugin '%s'\n", dir.string().c_str(), kind.c_str(), name.c_str());
    for (const auto& [file, template_name] : files) std::printf("  %s\n", (dir / file).string().c_str());
    std::printf("next:\n  cd %s\n  cmake -S . -B build -DCMAKE_PREFIX_PATH=%s && cmake --build build\n"
                "  gantry run experiment.yaml\n",
                dir.string().c_str(), values.at("prefix").c_str());
    return 0;
}

std::function<int()> setup_new_plugin(CLI::App& app) {
    auto kind = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto dir = std::make_shared<std::string>();
    app.add_option("kind", *kind, "architecture, loss, dataset or metric")->required();
    app.add_option("name", *name, "the plugin's name (a-z, 0-9, '_'), as experiments will write it")
        ->required();
    app.add_option("dir", *dir, "where to write the project (default: ./NAME); must not exist or be empty");
    return [kind, name, dir] { return new_plugin(*kind, *name, *dir); };
}

}  // namespace
}  // namespace gantry::cli

GANTRY_COMMAND("new-plugin", "write a ready out-of-tree plugin project: CMake, a skeleton, an experiment",
               gantry::cli::setup_new_plugin);
