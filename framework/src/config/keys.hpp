// SPDX-License-Identifier: Apache-2.0
#pragma once
// The framework's option tables: each section the framework itself reads (an optimizer, an LR
// schedule, a step, EMA, log, samples, checkpoint, evaluate's scalars) declares its keys once, as
// plugins declare theirs with OptionSpec: name, the field it fills, default (YAML text), range,
// doc, when it applies, and the name it had in hash format v1. Reading (with file:line:col
// messages and suggestions), emitting the resolved experiment and the Markdown key tables of
// docs/configuration.md are all done from these rows by the templates below.
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "config/experiment.hpp"
#include "gantry/error.hpp"
#include "section.hpp"
#include "values.hpp"

namespace gantry::config::detail {

/// Names of an enum's values, as written in experiment files.
template <typename E>
struct EnumNames;
template <>
struct EnumNames<Role> {
    static constexpr std::pair<Role, const char*> values[] = {{Role::discriminator, "discriminator"},
                                                              {Role::generator, "generator"}};
};
template <>
struct EnumNames<train::LrSchedule::Kind> {
    using K = train::LrSchedule::Kind;
    static constexpr std::pair<K, const char*> values[] = {
        {K::constant, "constant"}, {K::linear, "linear"}, {K::cosine, "cosine"}};
};

/// The field of section struct S a key fills. std::monostate: a structured key (a list or a
/// sub-section) that its section reads and emits itself; the row documents it.
template <typename S>
using Field = std::variant<std::monostate, bool S::*, int64_t S::*, double S::*,
                           std::pair<double, double> S::*, Role S::*, train::LrSchedule::Kind S::*>;

template <typename S>
struct Key {
    const char* name;
    Field<S> field;
    /// The default as YAML text, read like a value in a file; nullptr = required.
    const char* default_value;
    /// Bounds of a number or an integer (each element of a pair).
    Range range{};
    /// One sentence for docs/configuration.md.
    const char* doc = "";
    /// When the key means something (nullptr: always). Elsewhere it is refused and not emitted.
    bool (*applies)(const S&) = nullptr;
    /// `applies` in words, for messages and docs ("type linear or cosine").
    const char* applies_doc = nullptr;
    /// The key's name in hash format v1, when it has been renamed since (docs/configuration.md,
    /// "The configuration's identity"): refused in files, accepted in a run's own experiment.yaml.
    const char* v1_name = nullptr;
};

template <typename M>
struct MemberOf;
template <typename S, typename T>
struct MemberOf<T S::*> {
    using type = T;
};

template <typename T>
constexpr bool is_enum_field = std::is_enum_v<T>;

template <typename E>
std::vector<std::string> enum_choices() {
    std::vector<std::string> out;
    for (const auto& [value, name] : EnumNames<E>::values) out.push_back(name);
    return out;
}

template <typename E>
const char* enum_name(E value) {
    for (const auto& [v, name] : EnumNames<E>::values)
        if (v == value) return name;
    return "?";
}

/// Reads `n` as a value of the field's type T; on failure adds a diagnostic at `path`.
template <typename T>
std::optional<T> read_as(const Node& n, const std::string& path, const Range& range, Diagnostics& d) {
    if constexpr (std::is_same_v<T, bool>) {
        return read_bool(n, path, d);
    } else if constexpr (std::is_same_v<T, int64_t>) {
        return read_integer(n, path, d, range);
    } else if constexpr (std::is_same_v<T, double>) {
        return read_number(n, path, d, range);
    } else if constexpr (std::is_same_v<T, std::pair<double, double>>) {
        auto list = read_list<double>(n, path, d, "a list of two numbers",
                                      [&](const Node& item, const std::string& p) {
                                          return read_number(item, p, d, range);
                                      });
        if (!list) return std::nullopt;
        if (list->size() != 2) {
            d.add(n.mark, path, "expected a list of two numbers, got " + std::to_string(list->size()));
            return std::nullopt;
        }
        return std::pair<double, double>{(*list)[0], (*list)[1]};
    } else {
        static_assert(is_enum_field<T>);
        auto name = read_string(n, path, d, enum_choices<T>());
        if (!name) return std::nullopt;
        for (const auto& [value, text] : EnumNames<T>::values)
            if (*name == text) return value;
        return std::nullopt;
    }
}

/// A value as it appears in the resolved experiment.
template <typename T>
std::string format_as(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        return v ? "true" : "false";
    } else if constexpr (std::is_same_v<T, int64_t>) {
        return std::to_string(v);
    } else if constexpr (std::is_same_v<T, double>) {
        return format_number(v);
    } else if constexpr (std::is_same_v<T, std::pair<double, double>>) {
        return "[" + format_number(v.first) + ", " + format_number(v.second) + "]";
    } else {
        return enum_name(v);
    }
}

/// "integer", "number", "boolean", "two numbers", "constant | linear | cosine", "" (structured).
template <typename S>
std::string type_text(const Key<S>& key) {
    return std::visit(
        [](auto member) -> std::string {
            if constexpr (std::is_same_v<decltype(member), std::monostate>) {
                return "";
            } else {
                using T = typename MemberOf<decltype(member)>::type;
                if constexpr (std::is_same_v<T, bool>) return "boolean";
                else if constexpr (std::is_same_v<T, int64_t>) return "integer";
                else if constexpr (std::is_same_v<T, double>) return "number";
                else if constexpr (std::is_same_v<T, std::pair<double, double>>) return "two numbers";
                else {
                    std::string out;
                    for (const std::string& c : enum_choices<T>()) out += (out.empty() ? "" : " | ") + c;
                    return out;
                }
            }
        },
        key.field);
}

/// Reads every applicable scalar key of `keys` from `s` into `out`, in table order (a key's
/// `applies` sees the keys before it): present keys are checked, absent ones take their default,
/// required ones are reported missing. With Spelling::v1 a renamed key may use its v1 name.
template <typename S>
void read_keys(Section& s, std::span<const Key<S>> keys, S& out, Spelling accept = Spelling::current) {
    for (const Key<S>& key : keys) {
        if (std::holds_alternative<std::monostate>(key.field)) continue;
        if (key.applies && !key.applies(out)) continue;
        const Node* n = s.take(key.name);
        std::string path = s.child(key.name);
        if (!n && key.v1_name && accept == Spelling::v1 && s.present() && s.has(key.v1_name)) {
            n = s.take(key.v1_name);
            path = s.child(key.v1_name);
        }
        std::visit(
            [&](auto member) {
                if constexpr (!std::is_same_v<decltype(member), std::monostate>) {
                    using T = typename MemberOf<decltype(member)>::type;
                    if (n) {
                        if (auto v = read_as<T>(*n, path, key.range, s.diagnostics())) out.*member = *v;
                    } else if (!key.default_value) {
                        // An absent section or one of the wrong type is reported by its reader.
                        if (s.present()) s.missing(key.name, key.doc);
                    } else {
                        Diagnostics table;
                        const Node parsed = parse_yaml(key.default_value, "<default>", table);
                        std::optional<T> v;
                        if (table.empty()) v = read_as<T>(parsed, path, key.range, table);
                        if (!v)
                            throw Error(std::string("the key table declares an invalid default '") +
                                        key.default_value + "' for " + path);
                        out.*member = *v;
                    }
                }
            },
            key.field);
    }
}

/// The message for a key of `keys` that read_keys did not take: a renamed key, or one that does
/// not apply with the values read (empty for a key the table does not know).
template <typename S>
std::string explain_key(std::span<const Key<S>> keys, const S& values, const std::string& key) {
    for (const Key<S>& k : keys) {
        if (k.v1_name && key == k.v1_name)
            return "'" + key + "' is now called '" + k.name + "' (" + k.doc +
                   "); rename it: the value and the configuration hash stay the same";
        if (key == k.name && k.applies && !k.applies(values))
            return "'" + key + "' has no effect here: it applies only with " + k.applies_doc;
    }
    return {};
}

/// The applicable scalar keys of `keys` as (name, value text), in table order.
template <typename S>
std::vector<std::pair<std::string, std::string>> emit_keys(std::span<const Key<S>> keys, const S& values,
                                                           Spelling spelling) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Key<S>& key : keys) {
        if (key.applies && !key.applies(values)) continue;
        std::visit(
            [&](auto member) {
                if constexpr (!std::is_same_v<decltype(member), std::monostate>) {
                    const char* name = spelling == Spelling::v1 && key.v1_name ? key.v1_name : key.name;
                    out.emplace_back(name, format_as(values.*member));
                }
            },
            key.field);
    }
    return out;
}

/// "{a: 1, b: 2}".
std::string flow(const std::vector<std::pair<std::string, std::string>>& pairs);
/// "<indent>a: 1\n<indent>b: 2\n".
std::string block(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& indent);

/// The `type` of an optimizer section, in the order of OptimizerOptions' alternatives.
inline constexpr const char* kOptimizerTypes[] = {"adam", "sgd", "rmsprop"};

/// The options of optimizer type `name` (one of kOptimizerTypes), before its keys are read.
OptimizerOptions optimizer_options(const std::string& name);

/// The tables (keys.cpp).
std::span<const Key<optim::AdamOptions>> adam_keys();
std::span<const Key<optim::SGDOptions>> sgd_keys();
std::span<const Key<optim::RMSpropOptions>> rmsprop_keys();
std::span<const Key<OptimizerSpec>> optimizer_keys();
inline std::span<const Key<optim::AdamOptions>> keys_of(const optim::AdamOptions&) { return adam_keys(); }
inline std::span<const Key<optim::SGDOptions>> keys_of(const optim::SGDOptions&) { return sgd_keys(); }
inline std::span<const Key<optim::RMSpropOptions>> keys_of(const optim::RMSpropOptions&) { return rmsprop_keys(); }
std::span<const Key<train::LrSchedule>> lr_schedule_keys();
std::span<const Key<Schedule>> schedule_keys();
std::span<const Key<train::Step>> step_keys();
std::span<const Key<Ema>> ema_keys();
std::span<const Key<Evaluate>> evaluate_keys();
std::span<const Key<Log>> log_keys();
std::span<const Key<Samples>> samples_keys();
std::span<const Key<Checkpoint>> checkpoint_keys();

}  // namespace gantry::config::detail
