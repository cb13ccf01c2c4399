// SPDX-License-Identifier: Apache-2.0
#include "plugin_options.hpp"

#include <algorithm>
#include <filesystem>

#include "suggest.hpp"
#include "values.hpp"

namespace gantry::config::detail {

namespace {

bool is_runtime(const std::string& key, const std::vector<std::string>& runtime_keys) {
    return key == "plugin" ||
           std::find(runtime_keys.begin(), runtime_keys.end(), key) != runtime_keys.end();
}

/// `base_dir`: where relative paths go; empty for a plugin's own default, which is kept as written.
std::optional<plugin::OptionValue> read_option(const Node& n, const std::string& path,
                                               const plugin::OptionInfo& o, Diagnostics& d,
                                               const std::string* base_dir) {
    using plugin::OptionType;
    const Range r{o.min, o.max};
    auto wrap = [](auto v) -> std::optional<plugin::OptionValue> {
        if (!v) return std::nullopt;
        return plugin::OptionValue{*v};
    };
    switch (o.type) {
        case OptionType::boolean: return wrap(read_bool(n, path, d));
        case OptionType::integer: return wrap(read_integer(n, path, d, r));
        case OptionType::number: return wrap(read_number(n, path, d, r));
        case OptionType::string: return wrap(read_string(n, path, d, o.choices));
        case OptionType::path: {
            auto s = read_string(n, path, d, o.choices);
            // Empty means "not given"; an absolute path stays as written.
            if (s && base_dir && !s->empty() && std::filesystem::path(*s).is_relative())
                *s = absolute_path(*s, n, *base_dir);
            return wrap(s);
        }
        case OptionType::integer_list:
            return wrap(read_list<int64_t>(n, path, d, "a list of integers",
                                           [&](const Node& item, const std::string& p) {
                                               return read_integer(item, p, d, r);
                                           }));
        case OptionType::number_list:
            return wrap(read_list<double>(n, path, d, "a list of numbers",
                                          [&](const Node& item, const std::string& p) {
                                              return read_number(item, p, d, r);
                                          }));
        case OptionType::string_list:
            return wrap(read_list<std::string>(n, path, d, "a list of strings",
                                               [&](const Node& item, const std::string& p) {
                                                   return read_string(item, p, d, o.choices);
                                               }));
    }
    return std::nullopt;
}

std::string names_of(const plugin::PluginInfo& schema) {
    std::string out;
    for (const plugin::OptionInfo& o : schema.options) out += (out.empty() ? "" : ", ") + o.name;
    return out.empty() ? "none" : out;
}

}  // namespace

void check_plugin_options(const Node& section, const std::string& path,
                          const plugin::PluginInfo& schema, const std::vector<std::string>& runtime_keys,
                          const std::string& base_dir, Diagnostics& d, PluginSection& out) {
    std::vector<std::string> names;
    for (const plugin::OptionInfo& o : schema.options) names.push_back(o.name);
    for (const Entry& e : section.entries) {
        if (is_runtime(e.key, runtime_keys) ||
            std::find(names.begin(), names.end(), e.key) != names.end())
            continue;
        std::vector<std::string> candidates = names;
        candidates.insert(candidates.end(), runtime_keys.begin(), runtime_keys.end());
        std::string hint = did_you_mean(e.key, candidates);
        if (hint.empty()) hint = "its options are: " + names_of(schema);
        d.add(e.key_mark, path + "." + e.key,
              "unknown option '" + e.key + "' of " + to_string(schema.kind) + " plugin '" +
                  schema.name + "'",
              hint);
    }
    for (const plugin::OptionInfo& o : schema.options) {
        const std::string option_path = path + "." + o.name;
        const Node* n = section.find(o.name);
        if (!n && !o.default_value) {
            d.add(section.mark, option_path,
                  "missing required option of " + std::string(to_string(schema.kind)) +
                      " plugin '" + schema.name + "'" + (o.doc.empty() ? "" : " (" + o.doc + ")"));
            continue;
        }
        // The default, when it is used or (an added option) compared with.
        std::optional<plugin::OptionValue> fallback;
        if (o.default_value && (!n || o.added)) {
            // A plugin's own default is checked like user input: a bad table is reported, not
            // handed to the plugin.
            Diagnostics problems;
            Node parsed = parse_yaml(*o.default_value, "<default>", problems);
            // An empty default of a string option is the empty string, not YAML's null.
            const bool stringlike = o.type == plugin::OptionType::string || o.type == plugin::OptionType::path;
            if (stringlike && o.default_value->empty()) {
                parsed.type = Node::Type::scalar;
                parsed.quoted = true;
            }
            if (problems.empty()) fallback = read_option(parsed, option_path, o, problems, nullptr);
            if (!problems.empty())
                d.add(section.mark, option_path,
                      "plugin '" + schema.name + "' declares an invalid default '" +
                          *o.default_value + "': " + problems.list().front().message);
        }
        std::optional<plugin::OptionValue> value = n ? read_option(*n, option_path, o, d, &base_dir) : fallback;
        if (value) {
            // An option added to the plugin later is written only when it changes something, so
            // the experiments from before it keep their resolved bytes and hash.
            const bool written = !o.added || !fallback || *value != *fallback;
            out.options.set(o.name, std::move(*value));
            if (written) out.option_order.push_back(o.name);
        }
    }
}

void infer_plugin_options(const Node& section, const std::string& path,
                          const std::vector<std::string>& runtime_keys, Diagnostics& d,
                          PluginSection& out) {
    auto infer_scalar = [](const Node& n) -> plugin::OptionValue {
        Diagnostics quiet;
        if (auto b = read_bool(n, "", quiet)) return *b;
        if (auto i = read_integer(n, "", quiet)) return *i;
        if (auto x = read_number(n, "", quiet)) return *x;
        return n.scalar;
    };
    for (const Entry& e : section.entries) {
        if (is_runtime(e.key, runtime_keys)) continue;
        const std::string option_path = path + "." + e.key;
        const Node& n = e.value;
        plugin::OptionValue value;
        if (n.is_scalar()) {
            value = infer_scalar(n);
        } else if (n.is_sequence()) {
            std::vector<plugin::OptionValue> items;
            bool scalars = true;
            for (const Node& item : n.items) {
                if (!item.is_scalar()) scalars = false;
                else items.push_back(infer_scalar(item));
            }
            if (!scalars) {
                d.add(n.mark, option_path, "expected a list of scalars, got a nested collection");
                continue;
            }
            auto all = [&](size_t index) {
                return std::all_of(items.begin(), items.end(),
                                   [&](const plugin::OptionValue& v) { return v.index() == index; });
            };
            auto numeric = [&] {
                return std::all_of(items.begin(), items.end(), [](const plugin::OptionValue& v) {
                    return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
                });
            };
            if (!items.empty() && all(1)) {
                std::vector<int64_t> v;
                for (auto& i : items) v.push_back(std::get<int64_t>(i));
                value = v;
            } else if (!items.empty() && numeric()) {
                std::vector<double> v;
                for (auto& i : items)
                    v.push_back(std::holds_alternative<int64_t>(i)
                                    ? static_cast<double>(std::get<int64_t>(i))
                                    : std::get<double>(i));
                value = v;
            } else {
                std::vector<std::string> v;
                for (const Node& item : n.items) v.push_back(item.scalar);
                value = v;
            }
        } else {
            d.add(n.mark, option_path,
                  "expected a plugin option (a scalar or a list), got " + describe(n));
            continue;
        }
        out.options.set(e.key, std::move(value));
        out.option_order.push_back(e.key);
    }
}

namespace {
struct Emitter {
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return format_number(v); }
    std::string operator()(const std::string& v) const { return quote(v); }
    template <typename T>
    std::string operator()(const std::vector<T>& list) const {
        std::string out = "[";
        for (size_t i = 0; i < list.size(); ++i)
            out += (i ? ", " : "") + (*this)(list[i]);
        return out + "]";
    }
};
}  // namespace

std::string emit_option(const plugin::OptionValue& value) {
    return std::visit(Emitter{}, value);
}

}  // namespace gantry::config::detail

namespace gantry::config {

plugin::Options default_options(const plugin::PluginInfo& schema, const std::string& where) {
    Diagnostics diagnostics;
    const Node empty = parse_yaml("{}", where, diagnostics);
    PluginSection section;
    detail::check_plugin_options(empty, schema.name, schema, {}, "", diagnostics, section);
    diagnostics.throw_if_any();
    return section.options;
}

}  // namespace gantry::config
