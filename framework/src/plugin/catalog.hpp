// SPDX-License-Identifier: Apache-2.0
#pragma once
/// What is known about a plugin before any of its code runs — its name, kind, version and option
/// table, copied out of its Descriptor — and the catalogue interface that serves it. The plugin
/// host is the catalogue of a real run (plugin::Host implements Catalog); the experiment checker
/// (config/) reads option tables through Catalog and never loads a library itself.
///
/// Example (a catalogue of known tables, without scanning: what the config tests check against):
/// ```
/// gantry::plugin::InMemoryCatalog catalog;
/// catalog.add(gantry::plugin::info_from_table(gantry::plugin::Kind::loss, "wgan_gp", "1.0.0",
///                                             kOptions));
/// gantry::config::load_experiment("experiments/ring.yaml", {}, &catalog);
/// ```
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gantry/plugin/object.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry::plugin {

/// One declared option: an OptionSpec whose strings are owned (the plugin's table lives in the
/// library's memory).
struct OptionInfo {
    std::string name;
    OptionType type = OptionType::string;
    /// The default as YAML text; empty when the option is required.
    std::optional<std::string> default_value;
    /// Inclusive bounds (numbers, integers and list elements); NaN means unbounded.
    double min = 0;
    double max = 0;
    /// Allowed values of a string option; empty allows any.
    std::vector<std::string> choices;
    std::string doc;
    /// Named in the Descriptor's added_options: written in the resolved experiment only when its
    /// value differs from its default.
    bool added = false;

    bool required() const { return !default_value.has_value(); }
};

/// A plugin, described from its Descriptor alone.
struct PluginInfo {
    Kind kind = Kind::loss;
    std::string name;
    std::string version;
    std::string summary;
    /// Canonical absolute path of the library; empty for a table not loaded from a library.
    std::string path;
    std::string fingerprint;
    uint32_t api_major = 0;
    uint32_t api_minor = 0;
    std::vector<OptionInfo> options;
    /// Metric plugins: the metric names they compute.
    std::vector<std::string> provides;
};

/// The parts of a descriptor's list ("a, b" with `separator` ','; nullptr: none), blanks around
/// each part dropped, empty parts skipped.
std::vector<std::string> split_list(const char* text, char separator);

/// Copies a declared option table (no checks: the host checks a Descriptor before it copies it).
/// `choices` of each option are split at '|', `provides` (comma-separated, or nullptr) at ',';
/// blanks around the parts are dropped. Leaves path, fingerprint and API version empty.
PluginInfo info_from_table(Kind kind, const char* name, const char* version,
                           std::span<const OptionSpec> options, const char* provides = nullptr,
                           const char* summary = nullptr);

/// The plugins an experiment may name.
class Catalog {
public:
    virtual ~Catalog() = default;
    /// The plugin called `name` of that kind, or nullptr.
    virtual const PluginInfo* find(Kind kind, const std::string& name) const = 0;
    /// Every plugin name of that kind, sorted (for "did you mean" and for listing the choices).
    virtual std::vector<std::string> names(Kind kind) const = 0;
    /// Why a library that looks like plugin `name` (libgantry_NAME.so) was found but not
    /// loaded, or empty: an unknown name is then a broken plugin (exit 3), not a typo (exit 2).
    virtual std::string unusable_library(const std::string& name) const {
        (void)name;
        return {};
    }
};

/// A catalogue of tables held in memory, without any library (tests, tools that check a file
/// against known tables).
class InMemoryCatalog final : public Catalog {
public:
    /// Adds or replaces the plugin of that kind and name.
    void add(PluginInfo info);
    const PluginInfo* find(Kind kind, const std::string& name) const override;
    std::vector<std::string> names(Kind kind) const override;

private:
    std::map<std::pair<Kind, std::string>, PluginInfo> plugins_;
};

}  // namespace gantry::plugin
