// SPDX-License-Identifier: Apache-2.0
#include "train/in_force.hpp"

#include <sstream>

#include "config/values.hpp"

namespace gantry::train {

std::string annotate_in_force(const std::string& resolved_yaml, const DataInfo& data) {
    const std::string prefix = kOptionInForcePrefix;
    std::istringstream in(resolved_yaml);
    std::string out, line;
    bool in_data = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ') in_data = line == "data:";
        const size_t colon = line.find(": ");
        if (in_data && line.rfind("  ", 0) == 0 && line[2] != ' ' && colon != std::string::npos &&
            line.find('#') == std::string::npos) {
            const auto it = data.metadata.find(prefix + line.substr(2, colon - 2));
            if (it != data.metadata.end() && it->second.size() == 1) {
                const std::string value = config::detail::format_number(it->second[0]);
                if (line.substr(colon + 2) != value) line += "  # in force: " + value;
            }
        }
        out += line + "\n";
    }
    return out;
}

}  // namespace gantry::train
