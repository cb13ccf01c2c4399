// SPDX-License-Identifier: Apache-2.0
#include "plugin/catalog.hpp"

namespace gantry::plugin {

// Descriptors are hand-written: tolerate "a, b" (and a stray tab).
std::vector<std::string> split_list(const char* text, char separator) {
    std::vector<std::string> parts;
    if (text == nullptr) return parts;
    const std::string all = text;
    size_t begin = 0;
    while (begin <= all.size()) {
        size_t end = all.find(separator, begin);
        if (end == std::string::npos) end = all.size();
        const std::string part = all.substr(begin, end - begin);
        const size_t first = part.find_first_not_of(" \t");
        const size_t last = part.find_last_not_of(" \t");
        if (first != std::string::npos) parts.push_back(part.substr(first, last - first + 1));
        begin = end + 1;
    }
    return parts;
}

PluginInfo info_from_table(Kind kind, const char* name, const char* version,
                           std::span<const OptionSpec> options, const char* provides,
                           const char* summary) {
    PluginInfo info;
    info.kind = kind;
    info.name = name ? name : "";
    info.version = version ? version : "";
    info.summary = summary ? summary : "";
    for (const OptionSpec& spec : options) {
        OptionInfo option;
        option.name = spec.name ? spec.name : "";
        option.type = spec.type;
        if (spec.default_value) option.default_value = std::string(spec.default_value);
        option.min = spec.min;
        option.max = spec.max;
        option.choices = split_list(spec.choices, '|');
        option.doc = spec.doc ? spec.doc : "";
        info.options.push_back(std::move(option));
    }
    info.provides = split_list(provides, ',');
    return info;
}

void InMemoryCatalog::add(PluginInfo info) {
    auto key = std::make_pair(info.kind, info.name);
    plugins_[key] = std::move(info);
}

const PluginInfo* InMemoryCatalog::find(Kind kind, const std::string& name) const {
    auto it = plugins_.find({kind, name});
    return it == plugins_.end() ? nullptr : &it->second;
}

std::vector<std::string> InMemoryCatalog::names(Kind kind) const {
    std::vector<std::string> out;
    for (const auto& [key, info] : plugins_)
        if (key.first == kind) out.push_back(key.second);
    return out;
}

}  // namespace gantry::plugin
