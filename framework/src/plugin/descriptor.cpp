// SPDX-License-Identifier: Apache-2.0
// The descriptor gates of the plugin host, apart from any library loading so that the fuzzer
// (fuzz/plugin_descriptor.cpp) can feed them descriptors built from arbitrary bytes.
#include "descriptor.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <set>

#include "gantry/error.hpp"

namespace gantry::plugin::detail {

using ::gantry::detail::concat;

namespace {

// Fields up to and including `provides` are what every API since 1.0 reads (2.0 changed DataInfo,
// not the Descriptor); a smaller struct_size means the plugin was built against a descriptor that
// lacks some of them.
constexpr size_t kNeededDescriptorSize = offsetof(Descriptor, provides) + sizeof(const char*);
// A sane upper bound, so a garbage count cannot make us walk off into unmapped memory.
constexpr uint32_t kMaxOptions = 1024;

bool valid_plugin_name(const char* name) {
    if (name == nullptr || !(name[0] >= 'a' && name[0] <= 'z')) return false;
    size_t n = 0;
    for (; name[n] != '\0' && n <= 64; ++n) {
        const char c = name[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return n <= 64;
}

bool valid_option_name(const char* name) {
    if (name == nullptr || name[0] == '\0') return false;
    for (const char* c = name; *c != '\0'; ++c)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return false;
    return true;
}

// A name for messages, from a string the gates have not validated yet.
std::string shown(const char* text) {
    if (text == nullptr) return "(null)";
    std::string out;
    for (size_t i = 0; text[i] != '\0' && i < 64; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    return out;
}

const std::string kRebuild = "rebuild the plugin against this Gantry SDK";

}  // namespace

// Checks the descriptor field by field, each only after the fields it depends on, and copies it
// into C++ values. No plugin code runs here beyond the descriptor function itself.
PluginInfo read_descriptor(const std::string& path, const Descriptor* d) {
    GANTRY_CHECK_AS(PluginError, d != nullptr, "plugin ", path, ": ", kDescriptorAlias,
                    " returned null; ", kRebuild);
    GANTRY_CHECK_AS(PluginError, d->magic == kDescriptorMagic, "plugin ", path,
                    ": descriptor magic is 0x", std::hex, d->magic, ", expected 0x",
                    kDescriptorMagic, std::dec,
                    " (not a Gantry descriptor, or a corrupt library); ", kRebuild);
    GANTRY_CHECK_AS(PluginError, d->struct_size >= kNeededDescriptorSize, "plugin ", path,
                    ": descriptor is ", d->struct_size, " bytes but API ", kApiMajor, ".",
                    kApiMinor, " needs at least ", kNeededDescriptorSize, "; ", kRebuild);

    const std::string who = concat("plugin '", shown(d->name), "' (", path, ")");
    GANTRY_CHECK_AS(PluginError, d->api_major == kApiMajor, who, ": API ", d->api_major, ".",
                    d->api_minor, " but this gantry supports ", kApiMajor, ".x (", kApiMajor, ".",
                    kApiMinor, "); ", kRebuild);
    GANTRY_CHECK_AS(PluginError, d->api_minor <= kApiMinor, who, ": API ", d->api_major, ".",
                    d->api_minor, " is newer than this gantry's ", kApiMajor, ".", kApiMinor,
                    "; update gantry or ", kRebuild);
    if (d->fingerprint == nullptr || std::strcmp(d->fingerprint, host_fingerprint()) != 0) {
        // shown() caps at 64 characters; a fingerprint is longer, print it whole.
        const std::string theirs = d->fingerprint ? std::string(d->fingerprint) : "(none)";
        throw PluginError(concat(who, ": built with a different toolchain: plugin \"", theirs,
                                 "\", gantry \"", host_fingerprint(),
                                 "\"; rebuild the plugin with the same compiler and standard "
                                 "library as gantry (Boost.DLL gives no ABI guarantee across "
                                 "toolchains)"));
    }
    const auto kind_value = static_cast<uint32_t>(d->kind);
    GANTRY_CHECK_AS(PluginError, kind_value >= 1 && kind_value <= 4, who, ": kind ", kind_value,
                    " is not one of ", valid_kinds(), " (1-4); ", kRebuild);
    GANTRY_CHECK_AS(PluginError, valid_plugin_name(d->name), "plugin ", path, ": name \"",
                    shown(d->name),
                    "\" is not a valid plugin name (1-64 of a-z, 0-9, '_', starting with a "
                    "letter); rename it in GANTRY_PLUGIN");
    GANTRY_CHECK_AS(PluginError, d->version != nullptr && d->version[0] != '\0', who,
                    ": declares no version; give one in GANTRY_PLUGIN (\"1.0.0\")");

    GANTRY_CHECK_AS(PluginError, d->option_count <= kMaxOptions, who, ": declares ",
                    d->option_count, " options, more than the ", kMaxOptions,
                    " allowed (corrupt descriptor?)");
    GANTRY_CHECK_AS(PluginError, d->option_count == 0 || d->options != nullptr, who,
                    ": declares ", d->option_count, " options but its option table is null");
    std::set<std::string> seen;
    for (uint32_t i = 0; i < d->option_count; ++i) {
        const OptionSpec& spec = d->options[i];
        GANTRY_CHECK_AS(PluginError, valid_option_name(spec.name), who, ": option ", i,
                        " has an invalid name \"", shown(spec.name),
                        "\" (expected letters, digits and '_')");
        GANTRY_CHECK_AS(PluginError, seen.insert(spec.name).second, who, ": option '", spec.name,
                        "' is declared twice; option names must be unique");
        const auto type = static_cast<uint32_t>(spec.type);
        GANTRY_CHECK_AS(PluginError, type >= 1 && type <= 8, who, ": option '", spec.name,
                        "' has an unknown type ", type, " (expected 1-8)");
        GANTRY_CHECK_AS(PluginError,
                        std::isnan(spec.min) || std::isnan(spec.max) || spec.min <= spec.max, who,
                        ": option '", spec.name, "' has min ", spec.min, " > max ", spec.max);
    }

    PluginInfo info = info_from_table(d->kind, d->name, d->version, {d->options, d->option_count},
                                      d->provides, d->summary);
    // 2.3's added_options: only a 2.3 descriptor has the field.
    const bool has_added = d->api_minor >= 3 &&
                           d->struct_size >= offsetof(Descriptor, added_options) + sizeof(const char*);
    for (const std::string& name : split_list(has_added ? d->added_options : nullptr, ',')) {
        auto it = std::find_if(info.options.begin(), info.options.end(),
                               [&](const OptionInfo& o) { return o.name == name; });
        GANTRY_CHECK_AS(PluginError, it != info.options.end(), who, ": added_options names '", name,
                        "', which is not one of its options");
        GANTRY_CHECK_AS(PluginError, !it->required(), who, ": added option '", name,
                        "' has no default; an option added later needs one (the behaviour from before it)");
        it->added = true;
    }
    info.path = path;
    info.fingerprint = d->fingerprint;
    info.api_major = d->api_major;
    info.api_minor = d->api_minor;
    GANTRY_CHECK_AS(PluginError, info.kind != Kind::metric || !info.provides.empty(), who,
                    ": a metric plugin must list the metrics it provides "
                    "(GANTRY_METRIC_PLUGIN's PROVIDES)");
    return info;
}

}  // namespace gantry::plugin::detail
