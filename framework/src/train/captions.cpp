// SPDX-License-Identifier: Apache-2.0
#include "train/captions.hpp"

#include <cmath>
#include <optional>
#include <sstream>

#include "gantry/datasets/text.hpp"
#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "suggest.hpp"
#include "train/sampling.hpp"

namespace gantry::train {

namespace {
std::string quoted_list(const std::vector<std::string>& words) {
    std::string out;
    for (size_t i = 0; i < words.size(); ++i)
        out += (i == 0 ? "'" : i + 1 == words.size() ? " or '" : ", '") + words[i] + "'";
    return out;
}
}  // namespace

Tensor caption_bags(const DataInfo& data, const std::vector<std::string>& captions, const std::string& what,
                    const std::string& data_name) {
    const std::optional<std::vector<std::string>> vocabulary = datasets::find_vocabulary(data);
    GANTRY_CHECK_AS(ConfigError, vocabulary.has_value(), what, ": the run was trained on data '", data_name,
                    "', which has no captions (its metadata declares no vocabulary); captions are for runs of "
                    "text data, e.g. data: {plugin: captioned}");
    const auto v = static_cast<int64_t>(vocabulary->size());
    Tensor bags = Tensor::empty({static_cast<int64_t>(captions.size()), v});
    for (size_t i = 0; i < captions.size(); ++i) {
        const std::vector<std::string> words = datasets::caption_words(captions[i]);
        GANTRY_CHECK_AS(ConfigError, !words.empty(), what, ": the caption \"", captions[i], "\" has no words");
        const std::vector<std::string> unknown = datasets::unknown_words(words, *vocabulary);
        if (!unknown.empty()) {
            std::ostringstream message;
            message << what << ": \"" << captions[i] << "\": " << (unknown.size() == 1 ? "a word" : "words")
                    << " outside the run's vocabulary of " << v << ": ";
            for (size_t k = 0; k < unknown.size(); ++k) {
                std::vector<std::string> close = close_names(unknown[k], *vocabulary);
                if (close.size() > 3) close.resize(3);
                message << (k == 0 ? "" : "; ") << "'" << unknown[k] << "'"
                        << (close.empty() ? std::string(" (no close word)") : " (closest: " + quoted_list(close) + ")");
            }
            std::string all;
            for (const std::string& w : *vocabulary) all += (all.empty() ? "" : " ") + w;
            message << ". The vocabulary: " << all;
            throw ConfigError(message.str());
        }
        datasets::bag_of_words(words, *vocabulary, bags.data() + static_cast<int64_t>(i) * v);
    }
    return bags;
}

std::string bag_words(const float* bag, const std::vector<std::string>& vocabulary) {
    // The caption had m known words; each entry is a multiple of 1/m. The smallest such m.
    int64_t m = 1;
    for (; m < 1000; ++m) {
        bool whole = true;
        for (size_t k = 0; k < vocabulary.size() && whole; ++k) {
            const double count = static_cast<double>(bag[k]) * static_cast<double>(m);
            whole = std::fabs(count - std::round(count)) < 1e-3;
        }
        if (whole) break;
    }
    std::string out;
    for (size_t k = 0; k < vocabulary.size(); ++k)
        for (auto c = std::lround(static_cast<double>(bag[k]) * static_cast<double>(m)); c > 0; --c)
            out += (out.empty() ? "" : " ") + vocabulary[k];
    return out;
}

void write_captions(const std::filesystem::path& dir, const DataInfo& data, const Pairs& eval_pairs) {
    const std::optional<std::vector<std::string>> vocabulary = datasets::find_vocabulary(data);
    if (!vocabulary) return;
    std::ostringstream out;
    out << "# What this run's G and D were told (docs/conditional.md, \"Text to image\"): the vocabulary, then\n"
           "# the held-out captions the evaluation draws from. A caption reaches the networks as a bag of\n"
           "# words, so each is listed as its words in vocabulary order (a word said twice, twice).\n"
           "vocabulary\t"
        << vocabulary->size() << "\t";
    for (size_t k = 0; k < vocabulary->size(); ++k) out << (k == 0 ? "" : " ") << (*vocabulary)[k];
    out << "\n# eval<TAB>pair<TAB>class<TAB>words\n";
    const Tensor& c = eval_pairs.condition;
    if (c.defined() && c.rank() == 2 && c.size(1) == static_cast<int64_t>(vocabulary->size())) {
        for (int64_t i = 0; i < c.size(0); ++i) {
            out << "eval\t" << i << "\t";
            if (eval_pairs.labels.defined()) out << std::lround(eval_pairs.labels.data()[i]);
            else out << "-";
            out << "\t" << bag_words(c.data() + i * c.size(1), *vocabulary) << "\n";
        }
    }
    io::atomic_write(dir / "captions.tsv", out.str());
}

}  // namespace gantry::train
