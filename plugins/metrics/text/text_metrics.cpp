// SPDX-License-Identifier: Apache-2.0
// text_metrics: does a text-to-image generator draw what its captions say (issue 14; Reed et al.
// 2016, arXiv:1605.05396)? On the evaluation's held-out pairs (MetricContext::condition: the
// captions, ::target: their images, ::fake_labels: their classes), fake[i] G's answer to caption i:
//   text_class_accuracy       the reference classifier's accuracy that fake[i] shows the class
//                             the caption names (details.chance: 1 / classes)
//   text_attribute_agreement  over every attribute word the captions say (dark / light, short /
//                             long, narrow / wide), the share that the same measurement on fake[i]
//                             also says (gantry/datasets/attributes.hpp, the `captioned` dataset's
//                             own code and thresholds, DataInfo metadata "captioned.thresholds").
//                             details.chance: the same share when fake[i] is replaced by the
//                             target of the next pair of the same class that shows another image
//                             (an image of the right class drawn without regard to the caption)
// A generated caption says exactly the attribute words measured on its image, so the captions'
// words are measured on the targets: the same 500 captions score a text-conditional model, a
// class-conditional one (given the class only) and an unconditional one alike.
#include <gantry/datasets/attributes.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/eval/classifier.hpp"
#include "gantry/eval/reference_classifier.hpp"
#include "gantry/io/numbers.hpp"

namespace {
using namespace gantry;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const plugin::OptionSpec kOptions[] = {
    eval::kClassifierOption,  // text_class_accuracy
    eval::kClassifierSha256Option,
};

/// The attribute words measured on each image of x (N, 1, H, W) of classes `labels`.
std::vector<std::vector<std::string>> words_of(const Tensor& x, const std::vector<int64_t>& labels,
                                               const std::vector<datasets::ItemThresholds>& thresholds) {
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
    std::vector<std::vector<std::string>> out;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t c = labels[static_cast<size_t>(i)];
        out.push_back(datasets::item_attribute_words(datasets::measure_item(x.data() + i * h * w, h, w), c,
                                                     thresholds[static_cast<size_t>(c)]));
    }
    return out;
}

/// Matched words over said words: how many of said[i]'s words shown[i] also has.
std::pair<int64_t, int64_t> agreement(const std::vector<std::vector<std::string>>& said,
                                      const std::vector<std::vector<std::string>>& shown) {
    int64_t total = 0, matched = 0;
    for (size_t i = 0; i < said.size(); ++i)
        for (const std::string& word : said[i]) {
            ++total;
            matched += std::find(shown[i].begin(), shown[i].end(), word) != shown[i].end() ? 1 : 0;
        }
    return {matched, total};
}

class TextMetrics final : public Metric {
public:
    TextMetrics(const plugin::Options& o, const plugin::Context&)
        : classifier_(o) {}

    std::vector<MetricValue> evaluate(const MetricContext& c, const std::vector<std::string>& wanted) override {
        GANTRY_CHECK_AS(ConfigError, c.condition.defined() && c.target.defined() && c.fake_labels.defined(),
                        "metric plugin 'text_metrics': the evaluation has no captioned pairs with classes "
                        "(MetricContext::condition, ::target and ::fake_labels); these metrics need generated "
                        "captions of labelled images: data: {plugin: captioned} without tsv");
        GANTRY_CHECK_AS(ShapeError, c.fake.defined() && c.fake.shape() == c.target.shape() && c.fake.rank() == 4 &&
                                        c.fake.size(1) == 1 && c.fake_labels.numel() == c.fake.size(0),
                        "metric plugin 'text_metrics': expected grey fake and target images of one shape (N, 1, H, W) "
                        "and N classes, got ", c.fake.defined() ? c.fake.shape() : Shape{}, ", ", c.target.shape(),
                        " and ", c.fake_labels.numel(), " classes");
        const int64_t n = c.fake.size(0);
        std::vector<int64_t> labels(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = std::lround(c.fake_labels.data()[i]);
        const int64_t classes = std::max<int64_t>(c.data.classes, 1);
        std::vector<MetricValue> out;
        for (const std::string& name : wanted) {
            if (name == "text_class_accuracy") {
                out.push_back({name, class_accuracy(c.fake, labels),
                               {{"n", std::to_string(n)},
                                {"chance", io::format_double(1.0 / static_cast<double>(classes))},
                                {"classifier_sha256", classifier_.sha256()}}});
            } else if (name == "text_attribute_agreement") {
                const std::optional<std::vector<datasets::ItemThresholds>> thresholds =
                    datasets::find_item_thresholds(c.data);
                GANTRY_CHECK_AS(ConfigError, thresholds.has_value(),
                                "metric plugin 'text_metrics': text_attribute_agreement needs the attribute "
                                "thresholds of the data (metadata captioned.thresholds: data: {plugin: captioned} "
                                "without tsv)");
                for (int64_t label : labels)
                    GANTRY_CHECK_AS(DataError, label >= 0 && label < static_cast<int64_t>(thresholds->size()),
                                    "metric plugin 'text_metrics': class ", label, " has no thresholds (",
                                    thresholds->size(), " classes)");
                const auto said = words_of(c.target, labels, *thresholds);
                const auto [matched, total] = agreement(said, words_of(c.fake, labels, *thresholds));
                // Chance: each caption against the target of the next pair of its class that
                // shows another image (several phrasings of one image are consecutive pairs).
                const int64_t per = c.target.numel() / n;
                const float* targets = c.target.data();
                std::vector<size_t> other(static_cast<size_t>(n));
                for (int64_t i = 0; i < n; ++i) {
                    other[static_cast<size_t>(i)] = static_cast<size_t>(i);
                    for (int64_t k = 1; k < n; ++k) {
                        const auto j = static_cast<size_t>((i + k) % n);
                        if (labels[j] == labels[static_cast<size_t>(i)] &&
                            !std::equal(targets + i * per, targets + (i + 1) * per,
                                        targets + static_cast<int64_t>(j) * per)) {
                            other[static_cast<size_t>(i)] = j;
                            break;
                        }
                    }
                }
                std::vector<std::vector<std::string>> shuffled;
                for (size_t i = 0; i < other.size(); ++i) shuffled.push_back(said[other[i]]);
                const auto [chance_matched, chance_total] = agreement(said, shuffled);
                const auto share = [](int64_t a, int64_t b) {
                    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
                };
                out.push_back({name, share(matched, total),
                               {{"n", std::to_string(n)},
                                {"attribute_words", std::to_string(total)},
                                {"chance", io::format_double(share(chance_matched, chance_total))},
                                {"measure", "captioned: ink > 25, tertiles per class"}}});
            }
        }
        return out;
    }

private:
    double class_accuracy(const Tensor& x, const std::vector<int64_t>& labels) {
        GANTRY_CHECK_AS(ShapeError, x.size(2) == 28 && x.size(3) == 28,
                        "metric plugin 'text_metrics': text_class_accuracy: the reference classifier takes 28x28 "
                        "grey images (N, 1, 28, 28), got ", x.shape());
        return eval::classifier_accuracy(classifier_.get(), x, labels);
    }

    eval::ReferenceClassifier classifier_;
};
}  // namespace

GANTRY_METRIC_PLUGIN("text_metrics", "1.0.0",
                     "text to image: the reference classifier's accuracy on the class a caption names, and the "
                     "share of the caption's attribute words (dark, wide, ...) measured on the generated image",
                     kOptions, "text_class_accuracy,text_attribute_agreement", TextMetrics)
