// SPDX-License-Identifier: Apache-2.0
// The plugin host. Policy models: ggml's load_backend (exact API match, messages with both
// versions), OBS's obs-module.c (required exports, reject newer API, duplicate ids refused, never
// dlclose), Qt's QPluginLoader (same toolchain). See gantry/plugin/host.hpp for the rules.
#include "plugin/host.hpp"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "gantry/architecture.hpp"
#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "gantry/loss.hpp"
#include "gantry/metric.hpp"
#include "gantry/plugin/abi.hpp"
#include "builtin_plugin_dir.hpp"
#include "suggest.hpp"
#include "descriptor.hpp"
#include "library_file.hpp"

namespace gantry::plugin {

namespace fs = std::filesystem;
using ::gantry::detail::concat;

uint32_t host_api_major() { return kApiMajor; }
uint32_t host_api_minor() { return kApiMinor; }
const char* host_fingerprint() { return GANTRY_BUILD_FINGERPRINT; }

std::optional<Kind> kind_from_string(const std::string& text) {
    for (Kind k : {Kind::architecture, Kind::loss, Kind::dataset, Kind::metric})
        if (text == to_string(k)) return k;
    return std::nullopt;
}

const char* valid_kinds() { return "architecture, loss, dataset, metric"; }

namespace {

using detail::kDescriptorAlias;
using detail::read_descriptor;
constexpr const char* kCreateAlias = "gantry_plugin_create";

// ---- the process-lifetime library registry ----

struct LoadedLibrary {
    boost::dll::shared_library library;
    const Descriptor* (*descriptor)() = nullptr;
    Factory* factory = nullptr;
};

// Deliberately leaked: libraries must outlive every Host and every object, vtable, exception and
// std::function that came out of them, including those destroyed by static destructors.
std::mutex& registry_mutex() {
    static auto* mutex = new std::mutex;
    return *mutex;
}
std::map<std::string, LoadedLibrary*>& registry() {
    static auto* libraries = new std::map<std::string, LoadedLibrary*>;
    return *libraries;
}

// dlopen()s `path` once per process with RTLD_NOW (an unresolved symbol fails here, not at its
// first call in the middle of a run) and RTLD_LOCAL (two plugins never see each other's symbols).
LoadedLibrary& load_library(const std::string& path) {
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto found = registry().find(path);
    if (found != registry().end()) return *found->second;

    auto loaded = std::make_unique<LoadedLibrary>();
    boost::dll::fs::error_code ec;
    dlerror();
    try {
        loaded->library.load(boost::dll::fs::path(path),
                             boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                             ec);
    } catch (...) {
        // Only a static initializer of the plugin (or of a library it pulls in) can throw here.
        // Whether the exception gets out of dlopen() at all depends on unwind tables (often it is
        // std::terminate); when it does, the loader was left mid-load, holding its lock. Report
        // it and let the caller stop: nothing more should be loaded in this process.
        std::string what = "a non-standard exception";
        try {
            throw;
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        throw PluginError(concat("plugin ", path, ": a static initializer threw while loading (",
                                 what, "); plugins must not throw from static initializers. The dynamic "
                                 "loader of this process is now in an undefined state: fix or "
                                 "remove the plugin and start again"));
    }
    if (ec || !loaded->library.is_loaded()) {
        // Boost's own message ends in a misleading strerror ("Bad file descriptor"); dlerror()
        // still holds the loader's real reason when the error_code overload is used.
        const char* why = dlerror();
        throw PluginError(concat(
            "plugin ", path, ": cannot be loaded: ", why ? why : ec.message(),
            "; the library needs something this process does not provide (a missing dependency, "
            "or a symbol from another Gantry build): rebuild the plugin against this Gantry SDK"));
    }
    if (!loaded->library.has(kDescriptorAlias) || !loaded->library.has(kCreateAlias))
        throw PluginError(concat("plugin ", path, ": lists the ", kDescriptorAlias, " and ",
                                 kCreateAlias,
                                 " aliases but does not export them (built without default "
                                 "visibility for them?); rebuild it with GANTRY_PLUGIN"));
    loaded->descriptor =
        &loaded->library.get_alias<const Descriptor*()>(kDescriptorAlias);
    loaded->factory = &loaded->library.get_alias<Factory>(kCreateAlias);
    LoadedLibrary& result = *loaded;
    registry()[path] = loaded.release();
    return result;
}


// ---- search path ----

struct SearchEntry {
    fs::path path;
    bool must_exist = false;  // named by the user (experiment `plugins:` key, --path)
};

bool is_library_name(const std::string& filename) {
    return filename.size() > 6 && filename.rfind("lib", 0) == 0 &&
           filename.compare(filename.size() - 3, 3, ".so") == 0;
}
}  // namespace

// ---- Host ----

struct Host::Impl {
    SearchPaths paths;
    std::vector<std::string> resolved;
    struct Entry {
        PluginInfo info;
        Factory* factory = nullptr;
    };
    std::vector<Entry> entries;
    std::vector<PluginInfo> infos;
    std::vector<SkippedFile> skipped;
    std::vector<UsedPlugin> used;

    std::vector<SearchEntry> search_entries() const;
    void scan_all();
    void consider(const fs::path& file, bool named);
    const Entry* entry(const std::string& name) const;
};

std::vector<SearchEntry> Host::Impl::search_entries() const {
    std::vector<SearchEntry> out;
    for (const std::string& dir : paths.experiment_dirs) out.push_back({dir, true});
    if (paths.use_environment) {
        if (const char* env = std::getenv("GANTRY_PLUGIN_PATH")) {
            std::string part;
            std::istringstream in(env);
            while (std::getline(in, part, ':'))
                if (!part.empty()) out.push_back({part, false});
        }
    }
    if (paths.builtin_dir) {
        if (!paths.builtin_dir->empty()) out.push_back({*paths.builtin_dir, false});
    } else if (fs::path dir = builtin_plugin_dir(); !dir.empty()) {
        out.push_back({dir, false});
    }
    return out;
}

Host::Host(SearchPaths paths) : impl_(std::make_unique<Impl>()) {
    impl_->paths = std::move(paths);
}

Host::~Host() = default;

std::vector<std::string> Host::search_path() const {
    if (!impl_->resolved.empty()) return impl_->resolved;
    std::vector<std::string> out;
    for (const SearchEntry& e : impl_->search_entries()) out.push_back(e.path.string());
    return out;
}

// One candidate file. `named`: the user named this file itself, so anything wrong with it is an
// error; found in a directory, a file that is no gantry plugin at all is only noted.
void Host::Impl::consider(const fs::path& file, bool named) {
    const std::string path = file.string();
    if (std::string problem = detail::elf_problem(path); !problem.empty()) {
        GANTRY_CHECK_AS(PluginError, !named, "plugin ", path, ": not a plugin library: ",
                        problem);
        skipped.push_back({path, "not a shared library: " + problem});
        return;
    }
    std::vector<std::string> symbols;
    try {
        symbols = detail::gantry_section_symbols(path);
    } catch (const std::exception& e) {
        GANTRY_CHECK_AS(PluginError, !named, "plugin ", path,
                        ": not a plugin library: its symbol table cannot be read (", e.what(), ")");
        skipped.push_back({path, concat("unreadable symbol table (", e.what(), ")")});
        return;
    }
    const bool has_descriptor =
        std::find(symbols.begin(), symbols.end(), kDescriptorAlias) != symbols.end();
    const bool has_create =
        std::find(symbols.begin(), symbols.end(), kCreateAlias) != symbols.end();
    if (!has_descriptor && !has_create) {
        GANTRY_CHECK_AS(PluginError, !named, "plugin ", path,
                        ": not a gantry plugin (no gantry_plugin_descriptor / gantry_plugin_create "
                        "in a 'gantry' section); build it with GANTRY_PLUGIN");
        skipped.push_back({path, "not a gantry plugin (no 'gantry' section aliases)"});
        return;
    }
    // Half a plugin is a broken plugin, not somebody else's library: refuse it loudly (OBS's
    // MODULE_MISSING_EXPORTS) rather than letting it vanish from the catalogue.
    GANTRY_CHECK_AS(PluginError, has_descriptor && has_create, "plugin ", path, ": exports ",
                    has_descriptor ? kDescriptorAlias : kCreateAlias, " but not ",
                    has_descriptor ? kCreateAlias : kDescriptorAlias,
                    "; a gantry plugin needs both: build it with GANTRY_PLUGIN");

    LoadedLibrary& library = load_library(path);
    const Descriptor* descriptor = nullptr;
    try {
        descriptor = library.descriptor();
    } catch (const std::exception& e) {
        throw PluginError(concat("plugin ", path, ": ", kDescriptorAlias, " threw: ", e.what()));
    } catch (...) {
        throw PluginError(concat("plugin ", path, ": ", kDescriptorAlias, " threw"));
    }
    PluginInfo info = read_descriptor(path, descriptor);

    for (const Entry& other : entries)
        GANTRY_CHECK_AS(PluginError, other.info.name != info.name, "plugin name '", info.name,
                        "' is provided by two files: ", other.info.path, " (",
                        to_string(other.info.kind), " ", other.info.version, ") and ", path, " (",
                        to_string(info.kind), " ", info.version,
                        "); plugin names are unique across kinds: remove one of them from the "
                        "search path (a duplicate library?)");
    entries.push_back({std::move(info), library.factory});
}

void Host::scan() {
    Impl& m = *impl_;
    m.entries.clear();
    m.infos.clear();
    m.skipped.clear();
    m.resolved.clear();
    try {
        m.scan_all();
    } catch (...) {
        // A half-built catalogue would let a run start with whichever plugins came first.
        m.entries.clear();
        throw;
    }
    for (const Impl::Entry& e : m.entries) m.infos.push_back(e.info);
}

void Host::Impl::scan_all() {
    Impl& m = *this;

    std::set<std::string> seen_files;
    std::set<std::string> seen_dirs;
    for (const SearchEntry& entry : m.search_entries()) {
        std::error_code ec;
        const fs::file_status status = fs::status(entry.path, ec);
        if (!fs::exists(status)) {
            GANTRY_CHECK_AS(PluginError, !entry.must_exist, "plugin directory ", entry.path.string(),
                            " does not exist");
            m.skipped.push_back({entry.path.string(), "search directory does not exist"});
            continue;
        }
        const fs::path canonical = fs::canonical(entry.path, ec);
        GANTRY_CHECK_AS(PluginError, !ec, "plugin directory ", entry.path.string(), ": ",
                        ec.message());
        m.resolved.push_back(canonical.string());

        if (fs::is_regular_file(status)) {
            // The same file reached twice (two search entries, symlinks) is one plugin.
            if (seen_files.insert(canonical.string()).second) m.consider(canonical, true);
            continue;
        }
        GANTRY_CHECK_AS(PluginError, fs::is_directory(status), "plugin directory ",
                        entry.path.string(), " is neither a directory nor a file");
        if (!seen_dirs.insert(canonical.string()).second) continue;

        std::vector<fs::path> files;
        for (const fs::directory_entry& item : fs::directory_iterator(canonical, ec)) {
            const std::string name = item.path().filename().string();
            if (is_library_name(name) && item.is_regular_file(ec)) files.push_back(item.path());
        }
        GANTRY_CHECK_AS(PluginError, !ec, "plugin directory ", canonical.string(),
                        " cannot be read: ", ec.message());
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) {
            const fs::path real = fs::canonical(file, ec);
            if (ec) continue;
            if (seen_files.insert(real.string()).second) m.consider(real, false);
        }
    }
}

const std::vector<PluginInfo>& Host::plugins() const { return impl_->infos; }

const std::vector<SkippedFile>& Host::skipped() const { return impl_->skipped; }

const Host::Impl::Entry* Host::Impl::entry(const std::string& name) const {
    for (const Entry& e : entries)
        if (e.info.name == name) return &e;
    return nullptr;
}

const PluginInfo* Host::find(Kind kind, const std::string& name) const {
    const Impl::Entry* e = impl_->entry(name);
    return e && e->info.kind == kind ? &e->info : nullptr;
}

std::vector<std::string> Host::names(Kind kind) const {
    std::vector<std::string> out;
    for (const Impl::Entry& e : impl_->entries)
        if (e.info.kind == kind) out.push_back(e.info.name);
    std::sort(out.begin(), out.end());
    return out;
}

std::string Host::unusable_library(const std::string& name) const {
    for (const SkippedFile& file : impl_->skipped) {
        const std::string filename = fs::path(file.path).filename().string();
        if (filename == "libgantry_" + name + ".so" || filename == "lib" + name + ".so")
            return file.path + ": " + file.reason;
    }
    return {};
}

std::unique_ptr<Object> Host::create(Kind kind, const std::string& name, const Options& options,
                                     const Context& context) {
    const Impl::Entry* e = impl_->entry(name);
    if (e == nullptr || e->info.kind != kind) {
        std::ostringstream message;
        message << "no " << to_string(kind) << " plugin named '" << name << "'";
        if (e != nullptr) {
            message << "; '" << name << "' is a " << to_string(e->info.kind) << " plugin ("
                    << e->info.path << ")";
        } else {
            const std::vector<std::string> close = close_names(name, names(kind));
            if (!close.empty()) {
                message << "; did you mean";
                for (size_t i = 0; i < close.size(); ++i)
                    message << (i ? ", '" : " '") << close[i] << "'";
                message << "?";
            } else {
                const std::vector<std::string> all = names(kind);
                message << "; " << (all.empty() ? "none found" : "found:");
                for (const std::string& n : all) message << " " << n;
            }
            message << " (searched:";
            for (const std::string& dir : search_path()) message << " " << dir;
            message << ")";
        }
        throw PluginError(message.str());
    }

    const std::string who = concat("plugin '", name, "' (", e->info.path, ")");
    std::unique_ptr<Object> object;
    try {
        object = (*e->factory)(options, context);
    } catch (const DataError& error) {
        // A dataset that cannot read its files is bad data (exit 4), not a bad plugin.
        throw DataError(concat(who, ": ", error.what()));
    } catch (const std::exception& error) {
        throw PluginError(concat(who, " refused its options: ", error.what()));
    } catch (...) {
        throw PluginError(concat(who, " refused its options: it threw a non-standard exception"));
    }
    GANTRY_CHECK_AS(PluginError, object != nullptr, who, ": its factory returned no object");

    bool right_interface = false;
    const char* interface_name = "";
    switch (kind) {
        case Kind::architecture:
            right_interface = dynamic_cast<Architecture*>(object.get()) != nullptr;
            interface_name = "gantry::Architecture";
            break;
        case Kind::loss:
            right_interface = dynamic_cast<Loss*>(object.get()) != nullptr;
            interface_name = "gantry::Loss";
            break;
        case Kind::dataset:
            right_interface = dynamic_cast<Dataset*>(object.get()) != nullptr;
            interface_name = "gantry::Dataset";
            break;
        case Kind::metric:
            right_interface = dynamic_cast<Metric*>(object.get()) != nullptr;
            interface_name = "gantry::Metric";
            break;
    }
    GANTRY_CHECK_AS(PluginError, right_interface, who, ": declared kind ", to_string(kind),
                    " but its factory returned an object that is not a ", interface_name,
                    "; derive the plugin class from ", interface_name);

    const bool recorded = std::any_of(impl_->used.begin(), impl_->used.end(),
                                      [&](const UsedPlugin& u) { return u.name == name; });
    if (!recorded)
        impl_->used.push_back(
            {e->info.kind, e->info.name, e->info.version, e->info.path, e->info.fingerprint});
    return object;
}

namespace {
template <typename Interface>
std::unique_ptr<Interface> downcast(std::unique_ptr<Object> object) {
    // create() has checked the interface already, so the cast cannot fail.
    auto* typed = dynamic_cast<Interface*>(object.get());
    object.release();
    return std::unique_ptr<Interface>(typed);
}
}  // namespace

std::unique_ptr<Architecture> Host::create_architecture(const std::string& name,
                                                        const Options& options,
                                                        const Context& context) {
    return downcast<Architecture>(create(Kind::architecture, name, options, context));
}
std::unique_ptr<Loss> Host::create_loss(const std::string& name, const Options& options,
                                        const Context& context) {
    return downcast<Loss>(create(Kind::loss, name, options, context));
}
std::unique_ptr<Dataset> Host::create_dataset(const std::string& name, const Options& options,
                                              const Context& context) {
    return downcast<Dataset>(create(Kind::dataset, name, options, context));
}
std::unique_ptr<Metric> Host::create_metric(const std::string& name, const Options& options,
                                            const Context& context) {
    return downcast<Metric>(create(Kind::metric, name, options, context));
}

std::vector<UsedPlugin> Host::used() const { return impl_->used; }

}  // namespace gantry::plugin
