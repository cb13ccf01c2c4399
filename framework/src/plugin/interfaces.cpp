// SPDX-License-Identifier: Apache-2.0
// Key functions of the plugin interfaces (their typeinfo lives in gantry_core) and small helpers.
#include <algorithm>

#include "gantry/architecture.hpp"
#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "gantry/plugin/object.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry {

const char* to_string(Role role) {
    return role == Role::generator ? "generator" : "discriminator";
}

Tensor Dataset::condition(const std::vector<int64_t>&) const { return {}; }
Tensor Dataset::baseline(const Tensor&) const { return {}; }

namespace plugin {

Object::~Object() = default;

const char* to_string(Kind kind) {
    switch (kind) {
        case Kind::architecture: return "architecture";
        case Kind::loss: return "loss";
        case Kind::dataset: return "dataset";
        case Kind::metric: return "metric";
    }
    return "unknown";
}

const char* to_string(OptionType type) {
    switch (type) {
        case OptionType::boolean: return "boolean";
        case OptionType::integer: return "integer";
        case OptionType::number: return "number";
        case OptionType::string: return "string";
        case OptionType::integer_list: return "list of integers";
        case OptionType::number_list: return "list of numbers";
        case OptionType::string_list: return "list of strings";
        case OptionType::path: return "path";
    }
    return "unknown";
}

const OptionValue& Options::at(const std::string& name) const {
    auto it = values_.find(name);
    GANTRY_CHECK(it != values_.end(), "plugin option '", name,
                 "' was not declared in the plugin's option table");
    return it->second;
}

namespace {
template <typename T>
const T& as(const OptionValue& v, const std::string& name, const char* expected) {
    const T* p = std::get_if<T>(&v);
    GANTRY_CHECK(p != nullptr, "plugin option '", name, "' is not ", expected,
                 " (the plugin reads it with the wrong accessor)");
    return *p;
}
}  // namespace

bool Options::get_bool(const std::string& name) const {
    return as<bool>(at(name), name, "a boolean");
}
int64_t Options::get_int(const std::string& name) const {
    return as<int64_t>(at(name), name, "an integer");
}
double Options::get_number(const std::string& name) const {
    const OptionValue& v = at(name);
    if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
    return as<double>(v, name, "a number");
}
const std::string& Options::get_string(const std::string& name) const {
    return as<std::string>(at(name), name, "a string");
}
std::vector<int64_t> Options::get_int_list(const std::string& name) const {
    return as<std::vector<int64_t>>(at(name), name, "a list of integers");
}
std::vector<double> Options::get_number_list(const std::string& name) const {
    const OptionValue& v = at(name);
    if (const auto* i = std::get_if<std::vector<int64_t>>(&v))
        return std::vector<double>(i->begin(), i->end());
    return as<std::vector<double>>(v, name, "a list of numbers");
}
std::vector<std::string> Options::get_string_list(const std::string& name) const {
    return as<std::vector<std::string>>(at(name), name, "a list of strings");
}

}  // namespace plugin
}  // namespace gantry
