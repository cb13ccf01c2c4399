// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A plugin's options: declared by the plugin as a table of OptionSpec (plain data, readable
/// before any C++ object crosses the library boundary), checked by the host against the
/// experiment file, and handed to the plugin's constructor as an Options of typed values.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace gantry::plugin {

enum class OptionType : uint32_t {
    boolean = 1,
    integer = 2,
    number = 3,
    string = 4,
    integer_list = 5,
    number_list = 6,
    string_list = 7,
    /// A file or directory (API 1.1). Relative values resolve against the directory of the file
    /// that writes them (the experiment file's for --set), so the plugin always receives an
    /// absolute path, or the empty string, and the resolved experiment stays valid anywhere.
    path = 8,
};

/// "integer", "number list", ...
const char* to_string(OptionType type);

/// One declared option. Plain data: lives in the plugin's read-only data.
struct OptionSpec {
    const char* name;
    OptionType type;
    /// The default as YAML text ("10", "[128, 128]", "ring"); nullptr makes the option required.
    const char* default_value;
    /// Inclusive bounds of a number, an integer or each list element; NaN means unbounded.
    double min;
    double max;
    /// For strings: the allowed values, separated by '|' ("ring|grid"); nullptr allows any.
    const char* choices;
    /// One line for `gantry plugins`.
    const char* doc;
};

using OptionValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>,
                                 std::vector<double>, std::vector<std::string>>;

/// The checked values of every declared option (defaults filled in).
class Options {
public:
    bool has(const std::string& name) const { return values_.count(name) > 0; }
    bool get_bool(const std::string& name) const;
    int64_t get_int(const std::string& name) const;
    /// A number; an integer option reads as a number too.
    double get_number(const std::string& name) const;
    const std::string& get_string(const std::string& name) const;
    std::vector<int64_t> get_int_list(const std::string& name) const;
    std::vector<double> get_number_list(const std::string& name) const;
    std::vector<std::string> get_string_list(const std::string& name) const;

    void set(const std::string& name, OptionValue value) { values_[name] = std::move(value); }
    const std::map<std::string, OptionValue>& values() const { return values_; }

private:
    const OptionValue& at(const std::string& name) const;
    std::map<std::string, OptionValue> values_;
};

}  // namespace gantry::plugin
