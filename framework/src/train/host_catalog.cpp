// SPDX-License-Identifier: Apache-2.0
#include "gantry/train/host_catalog.hpp"

#include <filesystem>

namespace gantry::train {

HostCatalog::HostCatalog(const plugin::Host& host) {
    for (const plugin::PluginInfo& info : host.plugins()) {
        config::PluginSchema schema;
        schema.name = info.name;
        schema.kind = info.kind;
        schema.version = info.version;
        schema.provides = info.provides;
        for (const plugin::OptionInfo& o : info.options)
            schema.options.push_back({o.name, o.type, o.default_value, o.min, o.max, o.choices, o.doc});
        schemas_.emplace(std::make_pair(info.kind, info.name), std::move(schema));
    }
    skipped_ = host.skipped();
}

std::string HostCatalog::unusable_library(const std::string& name) const {
    for (const plugin::SkippedFile& file : skipped_) {
        const std::string filename = std::filesystem::path(file.path).filename().string();
        if (filename == "libgantry_" + name + ".so" || filename == "lib" + name + ".so")
            return file.path + ": " + file.reason;
    }
    return {};
}

const config::PluginSchema* HostCatalog::find(plugin::Kind kind, const std::string& name) const {
    auto it = schemas_.find({kind, name});
    return it == schemas_.end() ? nullptr : &it->second;
}

std::vector<std::string> HostCatalog::names(plugin::Kind kind) const {
    std::vector<std::string> out;
    for (const auto& [key, schema] : schemas_)
        if (key.first == kind) out.push_back(key.second);
    return out;
}

namespace {
void open_session(PluginSession& session, const std::vector<std::string>& dirs) {
    plugin::SearchPaths paths;
    paths.experiment_dirs = dirs;
    session.host = std::make_unique<plugin::Host>(paths);
    session.host->scan();
    session.catalog = std::make_unique<HostCatalog>(*session.host);
}
}  // namespace

config::ExperimentSpec resolve_experiment(const std::string& file,
                                          const std::vector<std::string>& overrides,
                                          PluginSession& session, config::Spelling accept) {
    return config::load_experiment(
        file, overrides,
        [&](const std::vector<std::string>& dirs) {
            open_session(session, dirs);
            return session.catalog.get();
        },
        accept);
}

config::ExperimentSpec PluginSessions::resolve(const std::string& file, const std::vector<std::string>& overrides) {
    return config::load_experiment(file, overrides, [&](const std::vector<std::string>& dirs) {
        PluginSession& session = by_dirs_[dirs];
        if (!session.host) open_session(session, dirs);
        return session.catalog.get();
    });
}

PluginSession& PluginSessions::session_for(const config::ExperimentSpec& spec) {
    PluginSession& session = by_dirs_[spec.plugins];
    if (!session.host) open_session(session, spec.plugins);
    return session;
}

}  // namespace gantry::train
