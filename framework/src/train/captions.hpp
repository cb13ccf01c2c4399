// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Text-conditional runs (issue 14, text to image; gantry/datasets/text.hpp): what the host does
/// with captions — turn a user's caption into G's condition (`gantry sample --text`), naming
/// unknown words with the closest vocabulary words, and write `captions.tsv` beside a run so a
/// person can read what the model was told.
#include <filesystem>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/tensor.hpp"

namespace gantry::train {

struct Pairs;

/// The bags of words (N, V) of `captions` over the data's vocabulary. Throws ConfigError (exit 2)
/// when the data declares no vocabulary (naming `data_name`), when a caption has no words, or
/// when a caption holds words outside the vocabulary: each named with up to three of the closest
/// vocabulary words. `what` starts each message ("gantry sample: --text").
Tensor caption_bags(const DataInfo& data, const std::vector<std::string>& captions, const std::string& what,
                    const std::string& data_name);

/// The words a bag (V) holds, in vocabulary order, each as often as the caption said it (a bag
/// forgets the order: "a dark coat" reads "a coat dark").
std::string bag_words(const float* bag, const std::vector<std::string>& vocabulary);

/// Writes `dir`/captions.tsv atomically: the vocabulary, then one line per held-out pair the
/// evaluation scores (index, class, the caption's words). Nothing for data without a vocabulary.
void write_captions(const std::filesystem::path& dir, const DataInfo& data, const Pairs& eval_pairs);

}  // namespace gantry::train
