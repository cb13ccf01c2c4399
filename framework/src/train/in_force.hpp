// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The resolved experiment shows the values in force. A plugin option whose value means "the
/// plugin picks" (gaussian_mixture's `std: 0`: the layout's PacGAN value) is written as the file
/// gave it — that text is what config_hash hashes, so every configuration keeps its hash — and the
/// value the dataset actually uses is added as a YAML comment on its line:
///
///     std: 0.0  # in force: 0.01
///
/// A dataset reports such values in DataInfo::metadata under "option.<name>" (one number).
/// Comments do not reach the parser, so the annotated text resolves to the same spec and hash.
#include <string>

#include "gantry/data.hpp"

namespace gantry::train {

/// "option.": the DataInfo::metadata prefix of an option's value in force.
inline constexpr const char* kOptionInForcePrefix = "option.";

/// `resolved_yaml` with "  # in force: V" after each line of its `data:` section whose option the
/// dataset reports in force with another value V.
std::string annotate_in_force(const std::string& resolved_yaml, const DataInfo& data);

}  // namespace gantry::train
