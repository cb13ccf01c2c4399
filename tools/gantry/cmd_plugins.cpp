// SPDX-License-Identifier: Apache-2.0
// `gantry plugins`: what a user can name in an experiment — every plugin found, with its options.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "gantry/error.hpp"
#include "plugin/host.hpp"
#include "suggest.hpp"

namespace gantry::cli {
namespace {

using plugin::OptionInfo;
using plugin::OptionType;
using plugin::PluginInfo;

std::string number(double value, OptionType type) {
    std::ostringstream out;
    if (type == OptionType::integer || type == OptionType::integer_list)
        out << static_cast<long long>(value);
    else
        out << value;
    return out.str();
}

// "[0, 1000]", ">= 0", "one of ring|grid", or "" when the option is unconstrained.
std::string constraint(const OptionInfo& o) {
    if (!o.choices.empty()) {
        std::string out = "one of ";
        for (size_t i = 0; i < o.choices.size(); ++i) out += (i ? "|" : "") + o.choices[i];
        return out;
    }
    const bool numeric = o.type == OptionType::integer || o.type == OptionType::number ||
                         o.type == OptionType::integer_list || o.type == OptionType::number_list;
    if (!numeric) return "";
    const bool has_min = !std::isnan(o.min), has_max = !std::isnan(o.max);
    if (has_min && has_max)
        return "[" + number(o.min, o.type) + ", " + number(o.max, o.type) + "]";
    if (has_min) return ">= " + number(o.min, o.type);
    if (has_max) return "<= " + number(o.max, o.type);
    return "";
}

void print_plugin(std::ostream& out, const PluginInfo& p) {
    out << "  " << p.name << " " << p.version;
    if (!p.summary.empty()) out << " - " << p.summary;
    out << "\n    file: " << p.path << "\n";
    if (!p.provides.empty()) {
        out << "    provides:";
        for (const std::string& m : p.provides) out << " " << m;
        out << "\n";
    }
    if (p.options.empty()) {
        out << "    options: none\n";
        return;
    }
    out << "    options:\n";
    std::vector<std::vector<std::string>> rows;
    for (const OptionInfo& o : p.options)
        rows.push_back({o.name, plugin::to_string(o.type),
                        o.required() ? "required" : "default " + *o.default_value, constraint(o),
                        o.doc});
    std::vector<size_t> width(5, 0);
    for (const auto& row : rows)
        for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    for (const auto& row : rows) {
        std::string line = "      ";
        for (size_t c = 0; c < row.size(); ++c) {
            if (width[c] == 0) continue;
            line += row[c];
            if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out << line << "\n";
    }
}

CommandSetup setup_plugins() {
    return [](CLI::App& app) -> std::function<int()> {
        auto kind = std::make_shared<std::string>();
        auto paths = std::make_shared<std::vector<std::string>>();
        auto verbose = std::make_shared<bool>(false);
        app.add_option("--kind", *kind, "only plugins of this kind: architecture, loss, dataset, metric");
        app.add_option("--path", *paths,
                       "also search this directory (or plugin file) first; repeatable")
            ->allow_extra_args(false);
        app.add_flag("-v,--verbose", *verbose,
                     "also print the search path and the files that are not gantry plugins");
        return [kind, paths, verbose]() -> int {
            std::optional<plugin::Kind> only;
            if (!kind->empty()) {
                only = plugin::kind_from_string(*kind);
                if (!only) {
                    const std::string hint =
                        did_you_mean(*kind, {"architecture", "loss", "dataset", "metric"});
                    std::fprintf(stderr, "gantry plugins: error: unknown kind '%s'; valid kinds: %s%s\n",
                                 kind->c_str(), plugin::valid_kinds(), hint.empty() ? "" : ("; " + hint).c_str());
                    return static_cast<int>(ExitCode::bad_config);
                }
            }
            plugin::SearchPaths search;
            search.experiment_dirs = *paths;
            plugin::Host host(search);
            host.scan();  // a bad plugin throws PluginError: main maps it to exit 3

            std::ostream& out = std::cout;
            if (*verbose) {
                out << "search path (in order):\n";
                for (const std::string& dir : host.search_path()) out << "  " << dir << "\n";
                if (!host.skipped().empty()) {
                    out << "skipped:\n";
                    for (const auto& s : host.skipped()) out << "  " << s.path << ": " << s.reason << "\n";
                }
                out << "\n";
            }
            bool any = false;
            for (plugin::Kind k : {plugin::Kind::architecture, plugin::Kind::loss,
                                   plugin::Kind::dataset, plugin::Kind::metric}) {
                if (only && *only != k) continue;
                std::vector<const PluginInfo*> list;
                for (const PluginInfo& p : host.plugins())
                    if (p.kind == k) list.push_back(&p);
                if (list.empty()) continue;
                std::sort(list.begin(), list.end(),
                          [](const PluginInfo* a, const PluginInfo* b) { return a->name < b->name; });
                if (any) out << "\n";
                any = true;
                out << plugin::to_string(k) << " plugins:\n";
                for (const PluginInfo* p : list) print_plugin(out, *p);
            }
            if (!any) {
                out << "no " << (only ? std::string(plugin::to_string(*only)) + " " : "")
                    << "plugins found; ";
                const std::vector<std::string> searched = host.search_path();
                if (searched.empty()) {
                    out << "no plugin directory exists (give --path DIR, set GANTRY_PLUGIN_PATH, "
                           "or build the plugins into build/plugins)";
                } else {
                    out << "searched:";
                    for (const std::string& dir : searched) out << " " << dir;
                }
                out << "\n";
            }
            // -v lists what was skipped and why; without it, say that something was.
            if (!*verbose && !host.skipped().empty()) {
                size_t files = 0, dirs = 0;
                // A skipped path that does not exist is a search directory; the others are files.
                for (const auto& s : host.skipped()) ++(std::filesystem::exists(s.path) ? files : dirs);
                out << "\nskipped";
                if (files) out << " " << files << (files == 1 ? " file" : " files") << " on the plugin path";
                if (files && dirs) out << " and";
                if (dirs) out << " " << dirs << (dirs == 1 ? " search directory that does not" : " search directories that do not") << " exist";
                out << "; gantry plugins -v shows which and why\n";
            }
            return 0;
        };
    };
}

}  // namespace

GANTRY_COMMAND("plugins", "list every plugin found: name, kind, version, options", setup_plugins());

}  // namespace gantry::cli
