// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Text-conditional data (text to image, issue 14: Reed et al. 2016, arXiv:1605.05396): a caption
/// reaches the networks as a **bag of words** over the dataset's fixed vocabulary — a (V) vector
/// whose entry w is the share of the caption's words that are word w — and an architecture's text
/// encoder embeds it (a linear map of the bag: the mean of the words' embeddings).
///
/// Why a bag: the captions here are sets of attributes ("a dark wide coat" says what "a coat,
/// wide and dark" says), and a bag is linear in the words, so GAN-INT's interpolation between two
/// captions' embeddings is exactly the interpolation of their bags — a loss can make it on the
/// conditions, whatever encoder each network has.
///
/// The vocabulary travels in DataInfo::metadata as plain numbers (the UTF-8 bytes of the words,
/// one '\n' after each), so the host can turn a user's text into a condition
/// (`gantry sample --text`) and name unknown words.
///
/// Example:
/// ```
/// gantry::datasets::set_vocabulary(info, {"a", "coat", "dark"});      // in a dataset's info()
/// auto words = gantry::datasets::caption_words("A dark coat.");        // {"a", "dark", "coat"}
/// std::vector<float> bag(3);
/// gantry::datasets::bag_of_words(words, *gantry::datasets::find_vocabulary(info), bag.data());
/// // bag == {1/3, 1/3, 1/3}
/// ```
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gantry/data.hpp"

namespace gantry::datasets {

/// DataInfo::metadata key: the vocabulary's UTF-8 bytes, each word followed by '\n'.
inline constexpr const char* kTextVocabulary = "text.vocabulary";

/// Declares the vocabulary of a text-conditional dataset (its condition shape is {V}).
void set_vocabulary(DataInfo& info, const std::vector<std::string>& words);

/// The declared vocabulary, or nullopt for data without text. Throws Error when the bytes are not
/// words each ended by '\n'.
std::optional<std::vector<std::string>> find_vocabulary(const DataInfo& info);

/// The lower-case words of `text`: maximal runs of ASCII letters, digits, '-' and '\''; anything
/// else separates words.
std::vector<std::string> caption_words(std::string_view text);

/// The words of `words` that are not in `vocabulary`, in order, each once.
std::vector<std::string> unknown_words(const std::vector<std::string>& words,
                                       const std::vector<std::string>& vocabulary);

/// Writes the bag of `words` over `vocabulary` to out[0 .. V): each known word adds
/// 1 / (number of known words). Unknown words are left out (check unknown_words first).
void bag_of_words(const std::vector<std::string>& words, const std::vector<std::string>& vocabulary,
                  float* out);

}  // namespace gantry::datasets
