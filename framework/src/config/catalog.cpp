// SPDX-License-Identifier: Apache-2.0
#include "gantry/config/catalog.hpp"

namespace gantry::config {

namespace {
std::vector<std::string> split(const char* text, char sep) {
    std::vector<std::string> out;
    if (text == nullptr) return out;
    std::string item;
    for (const char* c = text;; ++c) {
        if (*c == sep || *c == '\0') {
            // Descriptors are hand-written: tolerate "a, b".
            const size_t b = item.find_first_not_of(' ');
            const size_t e = item.find_last_not_of(' ');
            if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
            item.clear();
            if (*c == '\0') break;
        } else {
            item += *c;
        }
    }
    return out;
}
}  // namespace

PluginSchema schema_from_table(plugin::Kind kind, const char* name, const char* version,
                               std::span<const plugin::OptionSpec> options,
                               const char* provides) {
    PluginSchema schema;
    schema.kind = kind;
    schema.name = name ? name : "";
    schema.version = version ? version : "";
    for (const plugin::OptionSpec& o : options) {
        OptionSchema s;
        s.name = o.name ? o.name : "";
        s.type = o.type;
        if (o.default_value) s.default_value = o.default_value;
        s.min = o.min;
        s.max = o.max;
        s.choices = split(o.choices, '|');
        s.doc = o.doc ? o.doc : "";
        schema.options.push_back(std::move(s));
    }
    schema.provides = split(provides, ',');
    return schema;
}

void InMemoryCatalog::add(PluginSchema schema) {
    auto key = std::make_pair(schema.kind, schema.name);
    plugins_[key] = std::move(schema);
}

const PluginSchema* InMemoryCatalog::find(plugin::Kind kind, const std::string& name) const {
    auto it = plugins_.find({kind, name});
    return it == plugins_.end() ? nullptr : &it->second;
}

std::vector<std::string> InMemoryCatalog::names(plugin::Kind kind) const {
    std::vector<std::string> out;
    for (const auto& [key, schema] : plugins_)
        if (key.first == kind) out.push_back(key.second);
    return out;
}

}  // namespace gantry::config
