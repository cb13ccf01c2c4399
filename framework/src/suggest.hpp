// SPDX-License-Identifier: Apache-2.0
#pragma once
/// "Did you mean ...?" for misspelt keys, plugin names and choices: the one edit distance of the
/// experiment checker, the sweep reader, the plugin host and the CLI.
///
/// Example:
/// ```
/// gantry::did_you_mean("mpl", {"mlp", "dcgan"});      // "did you mean 'mlp'?"
/// gantry::close_names("los", {"loss", "lost", "x"});   // {"loss", "lost"}
/// ```
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gantry {

/// Optimal string alignment distance (Damerau-Levenshtein where a transposed pair counts as one
/// edit and no substring is edited twice), case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b);

/// Every candidate that could be a misspelling of `word`: within max(2, |word| / 3) edits and not
/// a replacement of every letter ("lr" is not a misspelt "wd"). Closest first; ties keep the
/// candidates' order.
std::vector<std::string> close_names(std::string_view word,
                                     const std::vector<std::string>& candidates);

/// The first of close_names, or "".
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

/// "did you mean 'x'?" when closest_name finds one, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace gantry
