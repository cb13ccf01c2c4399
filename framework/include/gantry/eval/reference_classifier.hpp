// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The reference classifier as a plugin takes it: two options, `classifier:` (a weights file;
/// empty: the shipped Fashion-MNIST classifier) and `classifier_sha256:` (the SHA-256 the file
/// must have; empty: the shipped file's, so it is required with `classifier:`), and the network,
/// loaded on first use. image_metrics, paired_metrics, text_metrics and the perceptual loss take
/// their classifier this way; an out-of-tree plugin can too:
///
/// ```
/// const plugin::OptionSpec kOptions[] = {eval::kClassifierOption, eval::kClassifierSha256Option, ...};
/// MyMetric(const plugin::Options& o, const plugin::Context&) : classifier_(o) {}
/// ... eval::classifier_accuracy(classifier_.get(), x, labels) ...
/// ```
///
/// The shipped weights are `image_metrics/fashion_mnist_cnn.gtf` in the built-in plugin
/// directory (build/plugins, or PREFIX/lib/gantry/plugins when installed); their SHA-256 is the
/// one recorded beside them in the source tree, compiled into gantry_core, so weights changed
/// after the build are refused.
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include "gantry/eval/classifier.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry::eval {

inline constexpr plugin::OptionSpec kClassifierOption = {
    "classifier", plugin::OptionType::path, "\"\"", std::numeric_limits<double>::quiet_NaN(),
    std::numeric_limits<double>::quiet_NaN(), nullptr,
    "weights of the reference classifier (empty: the shipped Fashion-MNIST file; else one gantry "
    "train-classifier wrote, for data of its input shape)"};
inline constexpr plugin::OptionSpec kClassifierSha256Option = {
    "classifier_sha256", plugin::OptionType::string, "\"\"", std::numeric_limits<double>::quiet_NaN(),
    std::numeric_limits<double>::quiet_NaN(), nullptr,
    "SHA-256 the weights must have (empty: the shipped file's; required with classifier)"};

/// The SHA-256 of the shipped weights (64 hex digits).
const std::string& shipped_classifier_sha256();
/// Where the shipped weights are: image_metrics/fashion_mnist_cnn.gtf in the built-in plugin
/// directory (a relative path when that directory is not found: the load then fails naming it).
std::filesystem::path shipped_classifier_path();

class ReferenceClassifier {
public:
    /// Reads kClassifierOption and kClassifierSha256Option from `options` (the plugin declares
    /// both). Throws ConfigError when `classifier:` names a file without `classifier_sha256:`.
    explicit ReferenceClassifier(const plugin::Options& options);

    /// The shipped Fashion-MNIST classifier (no `classifier:` given)?
    bool shipped() const { return shipped_; }
    const std::filesystem::path& weights() const { return weights_; }
    /// The digest the weights are checked against: what a metric value's details name.
    const std::string& sha256() const { return sha256_; }
    /// The network in eval mode, loaded (and its file's digest checked) on the first call.
    Classifier& get() const;

private:
    bool shipped_;
    std::filesystem::path weights_;
    std::string sha256_;
    mutable std::shared_ptr<Classifier> network_;  ///< loaded on first use
};

}  // namespace gantry::eval
