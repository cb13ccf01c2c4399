// SPDX-License-Identifier: Apache-2.0
// Image metrics in the feature space of a reference classifier (gantry/eval/classifier.hpp), in
// place of Inception: fd, kid, precision, recall, density, coverage and classifier_score. The
// shipped Fashion-MNIST classifier by default; `classifier:` + `classifier_sha256:` name one that
// `gantry train-classifier --data` trained for other labelled image data (any C x H x W). Every
// value carries n_real, n_fake, the reference set, the classifier's SHA-256 and the real-vs-real
// floor (the same metric between the run's real data and a reference set of real images: the
// reference IDX split for a classifier of the shipped shape, else other images of the run's own
// data). docs/metrics.md has the formulas and the cache layout.
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <cstdint>

#include "gantry/eval/classifier.hpp"
#include "gantry/eval/feature_metrics.hpp"
#include "gantry/eval/idx_images.hpp"
#include "gantry/eval/reference_classifier.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/serialize.hpp"

namespace {
using namespace gantry;
namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The real subset is a fixed choice, the same for every run and seed, so that values (and the
// cache) compare across runs.
constexpr uint64_t kSelectionSeed = 0x5eed;

const plugin::OptionSpec kOptions[] = {
    eval::kClassifierOption,
    eval::kClassifierSha256Option,
    {"n_real", plugin::OptionType::integer, "2000", 10, 60000, nullptr,
     "real samples (a fixed seeded choice) and reference-split samples"},
    {"reference_dir", plugin::OptionType::path, "/usr/share/datasets/fashion-mnist", kNaN, kNaN, nullptr,
     "folder of the IDX files of the reference test split (the floor of a classifier of the shipped shape; "
     "another shape's floor uses the data's other half)"},
    {"reference_split", plugin::OptionType::string, "t10k", kNaN, kNaN, nullptr,
     "the split of reference_dir compared with the run's real data for the floor"},
    {"floor", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
     "report the real-vs-real floor beside each value"},
    {"k_precision", plugin::OptionType::integer, "3", 1, 100, nullptr, "k of the precision/recall manifolds"},
    {"k_density", plugin::OptionType::integer, "5", 1, 100, nullptr, "k of the density/coverage balls"},
    {"kid_subsets", plugin::OptionType::integer, "20", 1, 10000, nullptr, "KID: number of random subsets"},
    {"kid_subset_size", plugin::OptionType::integer, "1000", 2, 100000, nullptr, "KID: samples per subset"},
};

/// `count` indices of [0, size) drawn without replacement by the fixed selection stream, in the
/// order drawn (fixed_choice sorts them).
std::vector<int64_t> drawn_choice(int64_t size, int64_t count) {
    Rng rng(kSelectionSeed, 0);
    std::vector<int64_t> all(static_cast<size_t>(size));
    std::iota(all.begin(), all.end(), int64_t{0});
    for (int64_t i = 0; i < count; ++i)
        std::swap(all[static_cast<size_t>(i)],
                  all[static_cast<size_t>(i + static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(size - i))))]);
    all.resize(static_cast<size_t>(count));
    return all;
}

std::vector<int64_t> fixed_choice(int64_t size, int64_t count) {
    std::vector<int64_t> all = drawn_choice(size, count);
    std::sort(all.begin(), all.end());
    return all;
}

/// A classifier of another shape than the shipped one: its floor compares two disjoint fixed
/// choices of the run's own data, the first `count` indices drawn (the real set) and the next
/// `count` (`second`), each sorted.
std::vector<int64_t> data_half(int64_t size, int64_t count, bool second) {
    std::vector<int64_t> all = drawn_choice(size, 2 * count);
    std::vector<int64_t> half(all.begin() + (second ? count : 0), all.begin() + (second ? 2 * count : count));
    std::sort(half.begin(), half.end());
    return half;
}

std::string shape_text(const Shape& s) {
    std::string out = "(";
    for (size_t i = 0; i < s.dims().size(); ++i) out += (i ? ", " : "") + std::to_string(s.dims()[i]);
    return out + ")";
}

/// The features (and logits) of a sample set, as cached on disk.
struct FeatureSet {
    Tensor features;
    Tensor logits;
};

class ImageMetrics final : public Metric {
public:
    ImageMetrics(const plugin::Options& o, const plugin::Context&)
        : classifier_(o),
          n_real_(o.get_int("n_real")),
          reference_dir_(o.get_string("reference_dir")),
          reference_split_(o.get_string("reference_split")),
          floor_(o.get_bool("floor")),
          k_precision_(o.get_int("k_precision")),
          k_density_(o.get_int("k_density")),
          kid_subsets_(o.get_int("kid_subsets")),
          kid_subset_size_(o.get_int("kid_subset_size")) {}

    std::vector<MetricValue> evaluate(const MetricContext& c, const std::vector<std::string>& wanted) override {
        GANTRY_CHECK_AS(DataError, c.data.images,
                        "image metrics (fd, kid, precision, ...) are for images; the data has samples ",
                        shape_text(c.data.sample_shape),
                        "; use the 2-D metrics (modes, high_quality, kl_modes) for points");
        GANTRY_CHECK(c.dataset != nullptr, "image metrics: the context has no dataset");
        const Shape input = classifier_.get().shape().input();
        if (classifier_.shipped())
            GANTRY_CHECK_AS(DataError, c.data.sample_shape == input,
                            "image metrics (fd, kid, precision, ...): the shipped reference classifier takes "
                            "28x28 grey images (1, 28, 28), the data has samples ", shape_text(c.data.sample_shape),
                            "; train one for this data (gantry train-classifier --data <the experiment file>) and "
                            "give it as evaluate.options.image_metrics.classifier with its classifier_sha256 "
                            "(docs/metrics.md)");
        else
            GANTRY_CHECK_AS(DataError, c.data.sample_shape == input, "image metrics: the classifier ",
                            classifier_.weights().string(), " takes images ", shape_text(input), ", the data has samples ",
                            shape_text(c.data.sample_shape),
                            "; give a classifier trained on this data (gantry train-classifier --data)");
        GANTRY_CHECK_AS(DataError, c.fake.defined() && c.fake.shape().rank() == 4 && c.fake.size(1) == input[0] &&
                                       c.fake.size(2) == input[1] && c.fake.size(3) == input[2],
                        "image metrics: the generated samples are ", c.fake.defined() ? shape_text(c.fake.shape()) : "undefined",
                        ", the classifier takes (N, ", input[0], ", ", input[1], ", ", input[2], ")");
        own_floor_ = !(input == Shape{1, 28, 28});
        // One plugin object serves one run, but a test may hand it other data: key on the data.
        const std::string data_key = c.data.identity + "|" + std::to_string(c.data.size) + "|" +
                                     std::to_string(reinterpret_cast<uintptr_t>(c.dataset));
        if (!real_ || data_key != real_key_) {
            real_ = real_features(c);
            real_key_ = data_key;
            if (own_floor_) reference_.reset();  // the data's other half: it changes with the data
            floor_values_.clear();
        }
        const FeatureSet fake = features_of(c.fake);
        const std::map<std::string, double> values = compute(*real_, fake, wanted, c.seed);
        if (floor_) {
            if (!reference_) reference_ = reference_features(c);
            std::vector<std::string> missing;
            for (const std::string& name : wanted)
                if (!floor_values_.count(name)) missing.push_back(name);
            if (!missing.empty())
                for (const auto& [name, v] : compute(*real_, *reference_, missing, c.seed)) floor_values_[name] = v;
        }
        const std::map<std::string, double>& floor = floor_values_;
        std::vector<MetricValue> out;
        for (const std::string& name : wanted) {
            auto it = values.find(name);
            if (it == values.end()) continue;
            MetricValue v{name, it->second, {}};
            v.details["n_real"] = std::to_string(real_->features.size(0));
            v.details["n_fake"] = std::to_string(fake.features.size(0));
            v.details["real"] = c.data.identity.empty() ? "(dataset without identity)" : c.data.identity;
            v.details["reference_split"] = !floor_ ? "(floor off)"
                                           : own_floor_ ? "(the data: " + std::to_string(reference_->features.size(0)) +
                                                              " other samples, a fixed choice)"
                                                        : reference_images_path();
            v.details["classifier_sha256"] = classifier_.sha256();
            if (floor_) v.details["floor"] = io::format_double(floor.at(name));
            if (name == "kid") {
                v.details["kid_std"] = io::format_double(values.at("kid_std"));
                v.details["subsets"] = std::to_string(kid_subsets_);
            }
            if (name == "precision" || name == "recall") v.details["k"] = std::to_string(k_precision_);
            if (name == "density" || name == "coverage") v.details["k"] = std::to_string(k_density_);
            out.push_back(std::move(v));
        }
        return out;
    }

private:
    std::map<std::string, double> compute(const FeatureSet& real, const FeatureSet& fake,
                                           const std::vector<std::string>& wanted, uint64_t seed) const {
        auto want = [&](const char* name) { return std::find(wanted.begin(), wanted.end(), name) != wanted.end(); };
        std::map<std::string, double> v;
        if (want("fd")) v["fd"] = eval::frechet_distance(eval::fit_gaussian(real.features), eval::fit_gaussian(fake.features));
        if (want("kid")) {
            const eval::KidValue kid =
                eval::kernel_inception_distance(real.features, fake.features, kid_subsets_, kid_subset_size_, seed);
            v["kid"] = kid.mean, v["kid_std"] = kid.std;
        }
        if (want("precision") || want("recall")) {
            const eval::PrecisionRecall pr = eval::precision_recall(real.features, fake.features, k_precision_);
            v["precision"] = pr.precision, v["recall"] = pr.recall;
        }
        if (want("density") || want("coverage")) {
            const eval::DensityCoverage dc = eval::density_coverage(real.features, fake.features, k_density_);
            v["density"] = dc.density, v["coverage"] = dc.coverage;
        }
        if (want("classifier_score")) v["classifier_score"] = eval::classifier_score(fake.logits);
        return v;
    }

    FeatureSet features_of(const Tensor& x) const {
        FeatureSet s;
        s.features = eval::classifier_features(classifier_.get(), x, &s.logits);
        return s;
    }

    /// Loads `key` from the cache, or computes it with `make` and stores it (atomically).
    template <typename Make>
    FeatureSet cached(const std::string& cache_dir, const std::string& key, Make make) const {
        if (cache_dir.empty()) return make();
        const fs::path file = fs::path(cache_dir) / "image_metrics" / ("features-" + io::sha256_hex(key).substr(0, 24) + ".gtf");
        if (fs::exists(file)) {
            try {
                const StateDict d = load_state_dict(file);
                return {d.at("features"), d.at("logits")};
            } catch (const std::exception&) {
                // A damaged cache entry is recomputed and replaced below.
            }
        }
        FeatureSet s = make();
        fs::create_directories(file.parent_path());
        save_state_dict(file, StateDict{{"features", s.features}, {"logits", s.logits}});
        return s;
    }

    FeatureSet features_of_data(const MetricContext& c, const std::vector<int64_t>& chosen) const {
        std::vector<Tensor> parts;
        for (size_t start = 0; start < chosen.size(); start += 500) {
            const std::vector<int64_t> slice(chosen.begin() + static_cast<std::ptrdiff_t>(start),
                                             chosen.begin() + static_cast<std::ptrdiff_t>(std::min(chosen.size(), start + 500)));
            parts.push_back(c.dataset->get(slice).x);
        }
        return features_of(concat(parts, 0));
    }

    /// The real set's size when the floor compares the data with itself: two disjoint halves.
    int64_t own_half(const MetricContext& c) const {
        const int64_t n = std::min(n_real_, c.data.size / 2);
        GANTRY_CHECK_AS(DataError, n >= 2, "image metrics: the data has ", c.data.size,
                        " samples; the floor of a classifier of your own compares two disjoint sets of real "
                        "samples, at least 2 each");
        return n;
    }

    std::shared_ptr<FeatureSet> real_features(const MetricContext& c) const {
        // Without an identity the data cannot be told apart from other data: no disk cache.
        const std::string cache_dir = c.data.identity.empty() ? "" : c.cache_dir;
        if (own_floor_) {
            const int64_t n = own_half(c);
            const std::string key = "real-half|" + c.data.identity + "|" + classifier_.sha256() + "|" + std::to_string(n);
            return std::make_shared<FeatureSet>(
                cached(cache_dir, key, [&] { return features_of_data(c, data_half(c.data.size, n, false)); }));
        }
        const int64_t n = std::min(n_real_, c.data.size);
        const std::string key = "real|" + c.data.identity + "|" + classifier_.sha256() + "|" + std::to_string(n);
        return std::make_shared<FeatureSet>(
            cached(cache_dir, key, [&] { return features_of_data(c, fixed_choice(c.data.size, n)); }));
    }

    std::string reference_images_path() const { return eval::idx_path(reference_dir_, reference_split_, "images"); }

    std::shared_ptr<FeatureSet> reference_features(const MetricContext& c) const {
        if (own_floor_) {
            const int64_t n = own_half(c);
            const std::string cache_dir = c.data.identity.empty() ? "" : c.cache_dir;
            const std::string key = "reference-half|" + c.data.identity + "|" + classifier_.sha256() + "|" + std::to_string(n);
            return std::make_shared<FeatureSet>(
                cached(cache_dir, key, [&] { return features_of_data(c, data_half(c.data.size, n, true)); }));
        }
        const std::string images = reference_images_path();
        const std::string labels = eval::idx_path(reference_dir_, reference_split_, "labels");
        const std::string key = "reference|" + fs::absolute(images).string() + "|" +
                                std::to_string(fs::file_size(images)) + "|" + classifier_.sha256() + "|" +
                                std::to_string(n_real_);
        return std::make_shared<FeatureSet>(cached(c.cache_dir, key, [&] {
            const Batch all = eval::read_idx_images(images, labels);
            const std::vector<int64_t> chosen = fixed_choice(all.x.size(0), std::min(n_real_, all.x.size(0)));
            const int64_t row = all.x.numel() / all.x.size(0);
            Tensor x = Tensor::empty({static_cast<int64_t>(chosen.size()), 1, all.x.size(2), all.x.size(3)});
            for (size_t i = 0; i < chosen.size(); ++i)
                std::copy_n(all.x.data() + chosen[i] * row, row, x.data() + static_cast<int64_t>(i) * row);
            return features_of(x);
        }));
    }

    eval::ReferenceClassifier classifier_;
    bool own_floor_ = false;  ///< the classifier is not of the shipped shape: the floor uses the data
    const int64_t n_real_;
    const std::string reference_dir_, reference_split_;
    const bool floor_;
    const int64_t k_precision_, k_density_, kid_subsets_, kid_subset_size_;
    std::shared_ptr<FeatureSet> real_, reference_;
    std::string real_key_;
    std::map<std::string, double> floor_values_;  // by metric name, for the current real data
};
}  // namespace

GANTRY_METRIC_PLUGIN("image_metrics", "1.0.0",
                     "fd, kid, precision/recall, density/coverage and classifier_score on the features of the "
                     "shipped Fashion-MNIST classifier or one trained by gantry train-classifier --data",
                     kOptions, "fd,kid,precision,recall,density,coverage,classifier_score", ImageMetrics)
