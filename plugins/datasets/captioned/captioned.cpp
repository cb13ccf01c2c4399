// SPDX-License-Identifier: Apache-2.0
// captioned: images with English captions, for text-to-image models (issue 14; Reed et al. 2016,
// "Generative Adversarial Text to Image Synthesis", arXiv:1605.05396). From Fashion-MNIST (the
// shared IDX source), each caption names the image's class and the attributes measured on the
// image itself, relative to its class: brightness (dark / light: the mean of the ink pixels in the
// class's lowest / highest third), width (narrow / wide: the ink's bounding-box width, likewise)
// and, for trousers, dresses and coats, length (short / long: the box's height). An attribute in
// the middle third is not mentioned. Each image has `phrasings` captions in different words
// ("a dark wide coat", "a coat that is dark and wide", ...), each its own sample.
// With `tsv`, a user's file of `image-path<TAB>caption` lines instead (PNG images of one size).
//
// The measurement and the attribute words are the SDK's (gantry/datasets/attributes.hpp), shared
// with the text metrics. `attributes: false` names the class only (a class-conditional baseline).
//
// The condition is the caption's bag of words over the fixed vocabulary (datasets/text.hpp),
// which info() declares; the class is the label. The thresholds are the training split's, so
// the test split is described on the same scale; they are in the metadata for the metrics.
#include <gantry/datasets/attributes.hpp>
#include <gantry/datasets/condition.hpp>
#include <gantry/datasets/idx_source.hpp>
#include <gantry/datasets/text.hpp>
#include <gantry/io/png.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>

namespace {

using namespace gantry;
namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr auto kOptions = datasets::join_options(
    datasets::kIdxSourceOptions,
    std::array<plugin::OptionSpec, 5>{{
        {"tsv", plugin::OptionType::path, "", kNaN, kNaN, nullptr,
         "a file of `image-path<TAB>caption` lines to read instead (paths relative to the file; PNG images of one size)"},
        {"phrasings", plugin::OptionType::integer, "3", 1, 4, nullptr,
         "generated captions per image, each in other words and each its own sample"},
        {"max_words", plugin::OptionType::integer, "16", 1, 1000, nullptr,
         "the longest caption allowed (a longer one in a tsv is an error naming its line)"},
        {"limit", plugin::OptionType::integer, "0", 0, 1e9, nullptr, "use only the first N images; 0 = all"},
        {"attributes", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
         "false: generated captions name the class only (\"a coat\"), for a class-conditional baseline on the "
         "same images and vocabulary"},
    }});

constexpr int kClasses = 10;
/// Fashion-MNIST's classes as a caption names them (Xiao et al. 2017).
const std::array<const char*, kClasses> kNouns = {"t-shirt", "trousers", "pullover", "dress", "coat",
                                                  "sandal",  "shirt",    "sneaker",  "bag",   "ankle boot"};
/// The value a fraction q of the way through `values` (sorted in place; nearest rank).
double quantile(std::vector<double>& values, double q) {
    std::sort(values.begin(), values.end());
    const auto at = static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[at];
}

using datasets::ItemMeasure;

/// Per class: the tertiles of brightness, width and height, {b1, b2, w1, w2, h1, h2}.
using Thresholds = std::array<datasets::ItemThresholds, kClasses>;

Thresholds tertiles(const datasets::IdxSource& images) {
    const int64_t h = images.height, w = images.width;
    std::array<std::array<std::vector<double>, 3>, kClasses> by_class;
    const std::vector<uint8_t>& labels = images.labels;
    for (size_t i = 0; i < labels.size(); ++i) {
        const ItemMeasure m = datasets::measure_item(images.pixels.data() + static_cast<int64_t>(i) * h * w, h, w);
        auto& c = by_class[labels[i]];
        c[0].push_back(m.brightness), c[1].push_back(m.width), c[2].push_back(m.height);
    }
    Thresholds t{};
    for (int c = 0; c < kClasses; ++c)
        for (int a = 0; a < 3; ++a) {
            auto& values = by_class[static_cast<size_t>(c)][static_cast<size_t>(a)];
            if (values.empty()) continue;
            t[static_cast<size_t>(c)][static_cast<size_t>(2 * a)] = quantile(values, 1.0 / 3.0);
            t[static_cast<size_t>(c)][static_cast<size_t>(2 * a + 1)] = quantile(values, 2.0 / 3.0);
        }
    return t;
}

/// The words of caption `phrasing` for an image of class `c` with measure `m`.
std::string caption(int64_t c, const ItemMeasure& m, const datasets::ItemThresholds& t, int64_t phrasing,
                    bool with_attributes) {
    const std::vector<std::string> attributes =
        with_attributes ? datasets::item_attribute_words(m, c, t) : std::vector<std::string>{};
    const std::string noun = kNouns[static_cast<size_t>(c)];
    const bool plural = c == 1;
    const std::string article = plural ? "a pair of" : "a";
    std::string before, listed;
    for (size_t i = 0; i < attributes.size(); ++i) {
        before += attributes[i] + " ";
        listed += (i == 0 ? "" : " and ") + attributes[i];
    }
    switch (phrasing) {
        case 0: return article + " " + before + noun;
        case 1:
            return attributes.empty() ? article + " " + noun
                                      : article + " " + noun + (plural ? " that are " : " that is ") + listed;
        case 2: return before + noun;
        default:
            return attributes.empty() ? (plural ? "these are trousers" : "this is a " + noun)
                                      : (plural ? "these trousers are " : "this " + noun + " is ") + listed;
    }
}

/// Every word a generated caption can use, sorted.
std::vector<std::string> generated_vocabulary() {
    std::set<std::string> words{"a",    "pair", "of",    "that",   "is",    "are",  "and",  "this",  "these",
                                "dark", "light", "short", "long", "narrow", "wide"};
    for (const char* noun : kNouns)
        for (const std::string& w : datasets::caption_words(noun)) words.insert(w);
    return {words.begin(), words.end()};
}

class Captioned final : public Dataset {
public:
    // The paths are `path` options: the host hands them over absolute.
    Captioned(const plugin::Options& o, const plugin::Context&) : max_words_(o.get_int("max_words")) {
        if (!o.get_string("tsv").empty())
            read_tsv(o.get_string("tsv"), o.get_int("limit"));
        else
            generate(o);
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{channels_, height_, width_};
        info.size = static_cast<int64_t>(captions_.size());
        info.classes = labels_.empty() ? 0 : kClasses;
        info.images = true;
        info.identity = identity_;
        datasets::set_condition_shape(info, Shape{static_cast<int64_t>(vocabulary_.size())});
        datasets::set_vocabulary(info, vocabulary_);
        if (!labels_.empty()) {
            std::vector<double>& t = info.metadata[datasets::kItemThresholds];
            for (const auto& row : thresholds_) t.insert(t.end(), row.begin(), row.end());
        }
        return info;
    }

    Batch get(const std::vector<int64_t>& indices) const override {
        const int64_t n = static_cast<int64_t>(indices.size());
        const int64_t per = channels_ * height_ * width_;
        Batch batch;
        batch.x = Tensor::empty({n, channels_, height_, width_});
        if (!labels_.empty()) batch.labels = Tensor::empty({n});
        for (int64_t i = 0; i < n; ++i) {
            const int64_t image = image_of(indices[static_cast<size_t>(i)]);
            const uint8_t* src = pixels_.data() + image * per;
            for (int64_t k = 0; k < per; ++k) batch.x.data()[i * per + k] = static_cast<float>(src[k]) / 127.5f - 1.f;
            if (!labels_.empty()) batch.labels.data()[i] = static_cast<float>(labels_[static_cast<size_t>(image)]);
        }
        return batch;
    }

    Tensor condition(const std::vector<int64_t>& indices) const override {
        const auto v = static_cast<int64_t>(vocabulary_.size());
        Tensor out = Tensor::empty({static_cast<int64_t>(indices.size()), v});
        for (size_t i = 0; i < indices.size(); ++i) {
            image_of(indices[i]);  // range check
            datasets::bag_of_words(datasets::caption_words(captions_[static_cast<size_t>(indices[i])]), vocabulary_,
                                   out.data() + static_cast<int64_t>(i) * v);
        }
        return out;
    }

private:
    int64_t image_of(int64_t index) const {
        GANTRY_CHECK(index >= 0 && index < static_cast<int64_t>(captions_.size()), "captioned: index ", index,
                     " is outside [0, ", captions_.size(), ")");
        return image_index_[static_cast<size_t>(index)];
    }

    void generate(const plugin::Options& o) {
        datasets::IdxSource source =
            datasets::read_idx_source(o, {.plugin = "captioned", .labelled = true, .limit = o.get_int("limit")});
        GANTRY_CHECK_AS(DataError, !source.labels.empty(), "captioned: ", source.images_path,
                        " comes without labels; a generated caption names the class (give data.labels, or a tsv "
                        "of your own captions)");
        GANTRY_CHECK_AS(DataError, source.classes <= kClasses, "captioned: the labels go up to ", source.classes - 1,
                        "; generated captions name Fashion-MNIST's 10 classes (give a tsv for other data)");
        // The thresholds: the training split's whole images file (with explicit files, that file),
        // so that the test split is described on the training split's scale.
        const bool explicit_files = !o.get_string("images").empty();
        const std::string reference =
            explicit_files ? source.images_path : datasets::idx_images_file(o.get_string("root"), "train");
        if (o.get_int("limit") == 0 && (explicit_files || o.get_string("split") == "train")) {
            thresholds_ = tertiles(source);
        } else {
            plugin::Options whole = o;
            whole.set("split", std::string("train"));
            if (explicit_files) whole = o;
            thresholds_ = tertiles(datasets::read_idx_source(whole, {.plugin = "captioned", .labelled = true}));
        }

        channels_ = 1, height_ = source.height, width_ = source.width;
        const int64_t phrasings = o.get_int("phrasings");
        const bool with_attributes = o.get_bool("attributes");
        for (int64_t i = 0; i < source.count; ++i) {
            const int64_t c = source.labels[static_cast<size_t>(i)];
            const ItemMeasure m = datasets::measure_item(source.pixels.data() + i * height_ * width_, height_, width_);
            for (int64_t p = 0; p < phrasings; ++p) {
                captions_.push_back(caption(c, m, thresholds_[static_cast<size_t>(c)], p, with_attributes));
                image_index_.push_back(i);
            }
        }
        pixels_ = std::move(source.pixels);
        labels_ = std::move(source.labels);
        vocabulary_ = generated_vocabulary();
        std::ostringstream id;
        id << "captioned:" << source.identity << ":phrasings=" << phrasings << ":thresholds=" << reference;
        if (!with_attributes) id << ":class-only";
        identity_ = id.str();
    }

    void read_tsv(const fs::path& file, int64_t limit) {
        std::ifstream in(file);
        GANTRY_CHECK_AS(DataError, in.good(), "captioned: cannot open the captions file ", file.string());
        std::set<std::string> words;
        std::string first_image;
        std::string line;
        for (int64_t number = 1; std::getline(in, line); ++number) {
            if (line.empty() || line[0] == '#') continue;
            const std::string where = file.string() + ":" + std::to_string(number);
            const size_t tab = line.find('\t');
            GANTRY_CHECK_AS(DataError, tab != std::string::npos && tab > 0, "captioned: ", where,
                            ": expected `image-path<TAB>caption`, found no tab");
            const std::string caption = line.substr(tab + 1);
            const std::vector<std::string> caption_words = datasets::caption_words(caption);
            GANTRY_CHECK_AS(DataError, !caption_words.empty(), "captioned: ", where, ": the caption has no words");
            GANTRY_CHECK_AS(DataError, static_cast<int64_t>(caption_words.size()) <= max_words_, "captioned: ", where,
                            ": the caption has ", caption_words.size(), " words; data.max_words is ", max_words_,
                            " (raise it, or shorten the caption)");
            if (limit > 0 && static_cast<int64_t>(captions_.size()) >= limit) break;
            const fs::path image_path = file.parent_path() / line.substr(0, tab);
            const io::Image image = io::read_png_image(image_path);
            if (first_image.empty()) {
                first_image = image_path.string();
                channels_ = image.channels, height_ = image.height, width_ = image.width;
            }
            GANTRY_CHECK_AS(DataError, image.channels == channels_ && image.height == height_ && image.width == width_,
                            "captioned: ", where, ": ", image_path.string(), " is ", image.width, "x", image.height,
                            " with ", image.channels, " channel(s), but ", first_image, " is ", width_, "x", height_,
                            " with ", channels_, " channel(s); every image must have one size");
            const std::vector<uint8_t> planar = io::planar_pixels(image);
            pixels_.insert(pixels_.end(), planar.begin(), planar.end());
            image_index_.push_back(static_cast<int64_t>(captions_.size()));
            captions_.push_back(caption);
            words.insert(caption_words.begin(), caption_words.end());
        }
        GANTRY_CHECK_AS(DataError, !captions_.empty(), "captioned: ", file.string(),
                        " holds no caption: expected lines of `image-path<TAB>caption`");
        vocabulary_.assign(words.begin(), words.end());
        std::error_code ec;
        std::ostringstream id;
        id << "captioned:tsv=" << fs::weakly_canonical(file, ec).string() << "(" << fs::file_size(file, ec)
           << "):captions=" << captions_.size();
        identity_ = id.str();
    }

    int64_t max_words_ = 16;
    int64_t channels_ = 1, height_ = 0, width_ = 0;
    std::vector<uint8_t> pixels_;        // images, planar (C, H, W) bytes
    std::vector<uint8_t> labels_;        // per image; empty for a tsv
    std::vector<std::string> captions_;  // per sample
    std::vector<int64_t> image_index_;   // per sample: its image
    std::vector<std::string> vocabulary_;
    Thresholds thresholds_{};
    std::string identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "captioned", "1.0.0",
              "images with captions (class and measured attributes of Fashion-MNIST items, or a tsv of your own); "
              "the condition is the caption's bag of words",
              kOptions, Captioned)
