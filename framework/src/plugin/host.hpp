// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The plugin host: finds plugin libraries, checks each one's Descriptor before any of its C++
/// objects cross the boundary, serves the catalogue (it is the plugin::Catalog the experiment
/// checker reads), and creates plugin objects on demand.
///
/// Policy (every refusal is a PluginError naming the file, both values and the fix):
///  - a library is loaded with RTLD_NOW | RTLD_LOCAL, so an unresolved symbol is an error at scan
///    time, not a crash in the middle of a run;
///  - API major must equal the host's, API minor must not be newer, the build fingerprint
///    (compiler, standard library, C++ ABI) must be identical;
///  - plugin names are unique across all kinds (a loss and a dataset may not share a name), and
///    two files holding the same name are an error naming both;
///  - libraries are never unloaded: objects, vtables and exceptions from a plugin stay valid until
///    the process exits, even after the Host that created them is gone.
///
/// NOTE: a plugin's static initializers run inside dlopen(), before any gate. One that crashes
/// takes the process down; one that throws usually ends in std::terminate, and when the
/// exception does get out of the loader, scan() reports it as a PluginError but the loader is
/// left mid-load: stop the process. No in-process check can do better; only a child-process
/// probe (GStreamer's plugin scanner) could. The Host is not thread-safe; libraries are loaded
/// under a process-wide lock.
///
/// Example:
/// ```
/// gantry::plugin::SearchPaths paths;
/// paths.experiment_dirs = {"/exp/plugins"};
/// gantry::plugin::Host host(paths);
/// host.scan();
/// std::unique_ptr<gantry::Loss> loss = host.create_loss("wgan_gp", options, context);
/// ```
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin/catalog.hpp"
#include "gantry/plugin/object.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry {
class Architecture;
class Dataset;
class Loss;
class Metric;
}  // namespace gantry

namespace gantry::plugin {

/// What a run records about each plugin it used (the run directory stores it).
struct UsedPlugin {
    Kind kind = Kind::loss;
    std::string name;
    std::string version;
    std::string path;
    std::string fingerprint;
};

/// A file the scan passed over, and why (`gantry plugins --verbose` lists them).
struct SkippedFile {
    std::string path;
    std::string reason;
};

/// Where the host looks, in this order.
struct SearchPaths {
    /// The experiment's `plugins:` key, already resolved. Each entry is a directory, or a
    /// library file named explicitly. A missing entry is an error: the user wrote it.
    std::vector<std::string> experiment_dirs;
    /// Read GANTRY_PLUGIN_PATH (':'-separated) at scan time. Missing entries are skipped.
    bool use_environment = true;
    /// The built/installed plugin directory. Unset: found next to the running executable
    /// (<exe>/../plugins in the build tree, <exe>/../lib/gantry/plugins when installed).
    /// An empty string disables it (tests).
    std::optional<std::string> builtin_dir;
};

/// The host's own API version and build fingerprint: what every plugin must match.
uint32_t host_api_major();
uint32_t host_api_minor();
const char* host_fingerprint();

/// Parses a kind name ("loss"); nullopt for anything else.
std::optional<Kind> kind_from_string(const std::string& text);
/// "architecture, loss, dataset, metric".
const char* valid_kinds();

class Host final : public Catalog {
public:
    explicit Host(SearchPaths paths = {});
    ~Host() override;
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    /// The directories and files searched, in order (resolved at the last scan(), or computed
    /// now if scan() was not called yet).
    std::vector<std::string> search_path() const;

    /// Builds the catalogue from every lib*.so in the search path. Loads each library and reads
    /// its Descriptor; calls no factory. Throws PluginError on the first unusable plugin, on a
    /// duplicate name, or on a missing experiment directory, leaving the catalogue empty.
    /// Scanning again rebuilds the catalogue (libraries already loaded are reused, never
    /// reloaded: a library rebuilt on disk needs a new process).
    void scan();

    /// Every plugin in the catalogue, in search order.
    const std::vector<PluginInfo>& plugins() const;
    /// Files the last scan skipped because they are not gantry plugins.
    const std::vector<SkippedFile>& skipped() const;

    /// The plugin of `kind` named `name`, or nullptr.
    const PluginInfo* find(Kind kind, const std::string& name) const override;
    /// The names of every plugin of `kind`, sorted.
    std::vector<std::string> names(Kind kind) const override;
    /// Why the last scan skipped a file named like plugin `name` (libgantry_NAME.so or
    /// libNAME.so): "<path>: <reason>", or empty.
    std::string unusable_library(const std::string& name) const override;

    /// A new object from plugin `name` of `kind`. Throws PluginError when there is no such
    /// plugin (with the closest names, see gantry/suggest.hpp), when the plugin's factory throws ("refused its
    /// options"), returns null, or returns an object that is not of `kind`'s interface.
    std::unique_ptr<Object> create(Kind kind, const std::string& name, const Options& options,
                                   const Context& context);
    std::unique_ptr<Architecture> create_architecture(const std::string& name,
                                                      const Options& options,
                                                      const Context& context);
    std::unique_ptr<Loss> create_loss(const std::string& name, const Options& options,
                                      const Context& context);
    std::unique_ptr<Dataset> create_dataset(const std::string& name, const Options& options,
                                            const Context& context);
    std::unique_ptr<Metric> create_metric(const std::string& name, const Options& options,
                                          const Context& context);

    /// Every plugin whose factory create() called, once each, in first-use order.
    std::vector<UsedPlugin> used() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::plugin
