// SPDX-License-Identifier: Apache-2.0
#pragma once
/// "Did you mean ...?" for misspelt keys, plugin names and choices.
#include <string>
#include <string_view>
#include <vector>

namespace gantry::config {

/// Optimal string alignment distance (Damerau-Levenshtein where a transposed pair counts as one
/// edit and no substring is edited twice), case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is within max(2, |word| / 3) edits, else "".
/// Ties go to the earlier candidate.
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

/// "did you mean 'x'?" when closest_name finds one, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace gantry::config
