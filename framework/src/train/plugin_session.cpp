// SPDX-License-Identifier: Apache-2.0
#include "train/plugin_session.hpp"

namespace gantry::train {

namespace {
const plugin::Host* open_session(PluginSession& session, const std::vector<std::string>& dirs) {
    plugin::SearchPaths paths;
    paths.experiment_dirs = dirs;
    session.host = std::make_unique<plugin::Host>(paths);
    session.host->scan();
    return session.host.get();
}
}  // namespace

config::ExperimentSpec resolve_experiment(const std::string& file,
                                          const std::vector<std::string>& overrides,
                                          PluginSession& session, config::Spelling accept) {
    return config::load_experiment(
        file, overrides, [&](const std::vector<std::string>& dirs) { return open_session(session, dirs); },
        accept);
}

config::ExperimentSpec resolve_data_sections(const std::string& file, const std::string& data_plugin,
                                             const std::vector<std::string>& overrides, PluginSession& session) {
    return config::load_data_sections(file, data_plugin, overrides, [&](const std::vector<std::string>& dirs) {
        return session.host ? session.host.get() : open_session(session, dirs);
    });
}

config::ExperimentSpec PluginSessions::resolve(const std::string& file, const std::vector<std::string>& overrides) {
    return config::load_experiment(file, overrides, [&](const std::vector<std::string>& dirs) {
        PluginSession& session = by_dirs_[dirs];
        if (!session.host) open_session(session, dirs);
        return static_cast<const plugin::Catalog*>(session.host.get());
    });
}

PluginSession& PluginSessions::session_for(const config::ExperimentSpec& spec) {
    PluginSession& session = by_dirs_[spec.plugins];
    if (!session.host) open_session(session, spec.plugins);
    return session;
}

}  // namespace gantry::train
