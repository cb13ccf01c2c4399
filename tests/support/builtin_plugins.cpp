// SPDX-License-Identifier: Apache-2.0
#include "support/builtin_plugins.hpp"

#include <catch2/catch.hpp>

#include <memory>

#include "config/experiment.hpp"

namespace gantry::testing {

plugin::Host& builtin_host() {
    static const std::unique_ptr<plugin::Host> host = [] {
        plugin::SearchPaths paths;
        paths.use_environment = false;
        paths.builtin_dir = std::string(GANTRY_BUILD_DIR) + "/plugins";
        auto made = std::make_unique<plugin::Host>(paths);
        made->scan();
        return made;
    }();
    return *host;
}

plugin::Options plugin_options(plugin::Kind kind, const std::string& name,
                               const std::map<std::string, plugin::OptionValue>& set) {
    const plugin::PluginInfo* info = builtin_host().find(kind, name);
    REQUIRE(info != nullptr);
    plugin::Options options = config::default_options(*info, "test");
    for (const auto& [key, value] : set) options.set(key, value);
    return options;
}

}  // namespace gantry::testing
