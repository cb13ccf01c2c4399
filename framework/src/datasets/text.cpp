// SPDX-License-Identifier: Apache-2.0
#include "gantry/datasets/text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "gantry/error.hpp"

namespace gantry::datasets {

void set_vocabulary(DataInfo& info, const std::vector<std::string>& words) {
    std::vector<double>& bytes = info.metadata[kTextVocabulary];
    bytes.clear();
    for (const std::string& word : words) {
        GANTRY_CHECK(!word.empty() && word.find('\n') == std::string::npos,
                     "set_vocabulary: a word must be non-empty and hold no newline, got '", word, "'");
        for (unsigned char c : word) bytes.push_back(c);
        bytes.push_back('\n');
    }
}

std::optional<std::vector<std::string>> find_vocabulary(const DataInfo& info) {
    const auto it = info.metadata.find(kTextVocabulary);
    if (it == info.metadata.end()) return std::nullopt;
    std::vector<std::string> words;
    std::string word;
    for (double b : it->second) {
        GANTRY_CHECK(b >= 1 && b <= 255 && std::floor(b) == b, "dataset metadata: ", kTextVocabulary,
                     " must hold bytes 1-255, got ", b);
        if (b == '\n') {
            GANTRY_CHECK(!word.empty(), "dataset metadata: ", kTextVocabulary, " holds an empty word");
            words.push_back(std::move(word));
            word.clear();
        } else {
            word.push_back(static_cast<char>(static_cast<unsigned char>(b)));
        }
    }
    GANTRY_CHECK(word.empty(), "dataset metadata: ", kTextVocabulary, " must end with a newline");
    return words;
}

std::vector<std::string> caption_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '\'') {
            word.push_back(static_cast<char>(std::tolower(c)));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

std::vector<std::string> unknown_words(const std::vector<std::string>& words,
                                       const std::vector<std::string>& vocabulary) {
    std::vector<std::string> unknown;
    for (const std::string& w : words)
        if (std::find(vocabulary.begin(), vocabulary.end(), w) == vocabulary.end() &&
            std::find(unknown.begin(), unknown.end(), w) == unknown.end())
            unknown.push_back(w);
    return unknown;
}

void bag_of_words(const std::vector<std::string>& words, const std::vector<std::string>& vocabulary,
                  float* out) {
    std::fill(out, out + vocabulary.size(), 0.f);
    std::vector<size_t> known;
    for (const std::string& w : words) {
        const auto it = std::find(vocabulary.begin(), vocabulary.end(), w);
        if (it != vocabulary.end()) known.push_back(static_cast<size_t>(it - vocabulary.begin()));
    }
    for (size_t k : known) out[k] += 1.f / static_cast<float>(known.size());
}

}  // namespace gantry::datasets
