// SPDX-License-Identifier: Apache-2.0
#pragma once
/// An experiment resolved against the real plugins: the experiment's `plugins:` directories,
/// GANTRY_PLUGIN_PATH and the built-in directory, scanned once by a plugin::Host that is then
/// both the checker's catalogue (names and option tables) and the factory of the run's objects.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "plugin/host.hpp"

namespace gantry::train {

/// The plugins an experiment can see.
struct PluginSession {
    /// Scanned; null until resolve_experiment (or PluginSessions) opens the session.
    std::unique_ptr<plugin::Host> host;
};

/// Loads, checks and resolves an experiment file against the real plugins (their names and
/// option tables); `session` keeps the host for creating them. Throws ConfigError / PluginError.
/// `accept` = Spelling::v1 for a run's own experiment.yaml (which may predate a key's rename).
config::ExperimentSpec resolve_experiment(const std::string& file,
                                          const std::vector<std::string>& overrides,
                                          PluginSession& session,
                                          config::Spelling accept = config::Spelling::current);

/// config::load_data_sections (an experiment file's data and metric sections, or `data_plugin`
/// alone) against the real plugins; `session` keeps the host (an open session is reused).
config::ExperimentSpec resolve_data_sections(const std::string& file, const std::string& data_plugin,
                                             const std::vector<std::string>& overrides, PluginSession& session);

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
