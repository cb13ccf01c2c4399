// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The plugin host seen as the config checker's catalogue of plugin option tables.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/config/catalog.hpp"
#include "gantry/config/experiment.hpp"
#include "gantry/plugin/host.hpp"

namespace gantry::train {

class HostCatalog final : public config::PluginCatalog {
public:
    /// `host` must have been scanned and must outlive the catalogue.
    explicit HostCatalog(const plugin::Host& host);
    const config::PluginSchema* find(plugin::Kind kind, const std::string& name) const override;
    std::vector<std::string> names(plugin::Kind kind) const override;
    std::string unusable_library(const std::string& name) const override;

private:
    std::map<std::pair<plugin::Kind, std::string>, config::PluginSchema> schemas_;
    std::vector<plugin::SkippedFile> skipped_;
};

/// The plugins an experiment can see: its `plugins:` directories, GANTRY_PLUGIN_PATH and the
/// built-in directory, scanned once.
struct PluginSession {
    std::unique_ptr<plugin::Host> host;
    std::unique_ptr<HostCatalog> catalog;
};

/// Loads, checks and resolves an experiment file against the real plugins (their names and
/// option tables); `session` keeps the host for creating them. Throws ConfigError / PluginError.
/// `accept` = Spelling::v1 for a run's own experiment.yaml (which may predate a key's rename).
config::ExperimentSpec resolve_experiment(const std::string& file,
                                          const std::vector<std::string>& overrides,
                                          PluginSession& session,
                                          config::Spelling accept = config::Spelling::current);

/// Sessions shared by many experiments (the runs of a sweep): one scan of the plugin directories
/// per distinct `plugins:` list, instead of one per experiment.
class PluginSessions {
public:
    /// As resolve_experiment, reusing the session of the experiment's plugin directories.
    config::ExperimentSpec resolve(const std::string& file, const std::vector<std::string>& overrides);
    /// The session that resolved `spec` (made by resolve()).
    PluginSession& session_for(const config::ExperimentSpec& spec);

private:
    std::map<std::vector<std::string>, PluginSession> by_dirs_;
};

}  // namespace gantry::train
