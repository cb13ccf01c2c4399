// SPDX-License-Identifier: Apache-2.0
#pragma once
/// What the config checker needs to know about plugins, and nothing more: names, kinds and
/// option tables. The plugin host fills a catalogue from the plugins' Descriptors (plain data,
/// read before any plugin code runs); the checker never loads a library itself.
///
/// Example (the host, for each plugin it found):
/// ```
/// catalog.add(gantry::config::schema_from_table(d->kind, d->name, d->version,
///                                               {d->options, d->option_count}, d->provides));
/// ```
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gantry/plugin/object.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry::config {

/// An OptionSpec whose strings are owned (the plugin's table lives in the library's memory).
struct OptionSchema {
    std::string name;
    plugin::OptionType type = plugin::OptionType::number;
    /// YAML text; empty optional = required option.
    std::optional<std::string> default_value;
    /// Inclusive bounds; NaN = unbounded.
    double min = 0;
    double max = 0;
    /// Allowed strings; empty = any.
    std::vector<std::string> choices;
    std::string doc;
};

/// One plugin as the checker sees it.
struct PluginSchema {
    std::string name;
    plugin::Kind kind = plugin::Kind::architecture;
    std::string version;
    std::vector<OptionSchema> options;
    /// Metric plugins: the metric names they compute.
    std::vector<std::string> provides;
};

/// Copies a plugin's declared table. `provides` is the Descriptor's comma-separated list (or
/// nullptr); `choices` of each option are split at '|'.
PluginSchema schema_from_table(plugin::Kind kind, const char* name, const char* version,
                               std::span<const plugin::OptionSpec> options,
                               const char* provides = nullptr);

/// The plugins an experiment may name.
/// Every option of `schema` at its default, checked like a section of an experiment file that
/// gives no option (`where` names it in messages). Throws ConfigError for a required option.
plugin::Options default_options(const PluginSchema& schema, const std::string& where);

class PluginCatalog {
public:
    virtual ~PluginCatalog() = default;
    /// The plugin called `name` of that kind, or nullptr.
    virtual const PluginSchema* find(plugin::Kind kind, const std::string& name) const = 0;
    /// Every plugin name of that kind (for "did you mean" and for listing the choices).
    virtual std::vector<std::string> names(plugin::Kind kind) const = 0;
    /// Why a library that looks like plugin `name` (libgantry_NAME.so) was found but not
    /// loaded, or empty: an unknown name is then a broken plugin (exit 3), not a typo (exit 2).
    virtual std::string unusable_library(const std::string& name) const {
        (void)name;
        return {};
    }
};

/// A catalogue held in memory: what the host builds after scanning, and what tests use.
class InMemoryCatalog : public PluginCatalog {
public:
    /// Adds or replaces the plugin of that kind and name.
    void add(PluginSchema schema);
    const PluginSchema* find(plugin::Kind kind, const std::string& name) const override;
    std::vector<std::string> names(plugin::Kind kind) const override;

private:
    std::map<std::pair<plugin::Kind, std::string>, PluginSchema> plugins_;
};

}  // namespace gantry::config
