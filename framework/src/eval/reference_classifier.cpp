// SPDX-License-Identifier: Apache-2.0
#include "gantry/eval/reference_classifier.hpp"

#include "gantry/error.hpp"
#include "builtin_plugin_dir.hpp"

#ifndef GANTRY_CLASSIFIER_SHA256
#error "GANTRY_CLASSIFIER_SHA256 must come from plugins/metrics/image/reference/fashion_mnist_cnn.txt"
#endif

namespace gantry::eval {

namespace fs = std::filesystem;

const std::string& shipped_classifier_sha256() {
    static const std::string sha = GANTRY_CLASSIFIER_SHA256;
    return sha;
}

fs::path shipped_classifier_path() {
    return builtin_plugin_dir() / "image_metrics" / "fashion_mnist_cnn.gtf";
}

ReferenceClassifier::ReferenceClassifier(const plugin::Options& options)
    : shipped_(options.get_string(kClassifierOption.name).empty()),
      weights_(shipped_ ? shipped_classifier_path() : fs::path(options.get_string(kClassifierOption.name))),
      sha256_(options.get_string(kClassifierSha256Option.name).empty()
                  ? shipped_classifier_sha256()
                  : options.get_string(kClassifierSha256Option.name)) {
    // Another file's digest is never the shipped one's: without its own, every evaluation would
    // fail with a digest mismatch that says nothing of the missing option.
    GANTRY_CHECK_AS(ConfigError, shipped_ || !options.get_string(kClassifierSha256Option.name).empty(),
                    "classifier: ", weights_.string(), " needs classifier_sha256: the SHA-256 of that file "
                    "(the sha256: line of the record ", fs::path(weights_).replace_extension(".txt").string(),
                    " that gantry train-classifier wrote beside it)");
}

Classifier& ReferenceClassifier::get() const {
    if (!network_) network_ = load_classifier(weights_, sha256_);
    return *network_;
}

}  // namespace gantry::eval
