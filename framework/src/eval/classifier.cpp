// SPDX-License-Identifier: Apache-2.0
#include "gantry/eval/classifier.hpp"

#include <algorithm>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/error.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/ops.hpp"
#include "gantry/serialize.hpp"

namespace gantry::eval {

Classifier::Classifier(Rng& rng) : Module("Classifier") {
    body = register_module("body", std::make_shared<nn::Sequential>());
    int64_t channels = 1;
    for (int64_t out : {16, 32, 64}) {
        body->push_back(std::make_shared<nn::Conv2d>(
            nn::Conv2dOptions{.in_channels = channels, .out_channels = out, .kernel_size = 3, .stride = 2,
                              .padding = 1, .bias = false},
            rng));
        body->push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = out}));
        body->push_back(std::make_shared<nn::ReLU>());
        channels = out;
    }
    body->push_back(std::make_shared<nn::Flatten>());
    body->push_back(std::make_shared<nn::Linear>(
        nn::LinearOptions{.in_features = channels * 4 * 4, .out_features = kClassifierFeatures, .bias = false}, rng));
    body->push_back(std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions{.num_features = kClassifierFeatures}));
    body->push_back(std::make_shared<nn::ReLU>());
    head = register_module("head", std::make_shared<nn::Linear>(
                                       nn::LinearOptions{.in_features = kClassifierFeatures,
                                                         .out_features = kClassifierClasses},
                                       rng));
}

Tensor Classifier::features(const Tensor& x) {
    GANTRY_CHECK_AS(ShapeError, x.rank() == 4 && x.size(1) == 1 && x.size(2) == 28 && x.size(3) == 28,
                    "reference classifier: expected images (N, 1, 28, 28) in [-1, 1], got ", x.shape());
    return (*body)(x);
}

Tensor Classifier::forward(const Tensor& x) { return (*head)(features(x)); }

Tensor Classifier::logits_of_features(const Tensor& features) { return (*head)(features); }

std::shared_ptr<Classifier> load_classifier(const std::filesystem::path& path, const std::string& expected_sha256) {
    const std::string actual = io::file_sha256_hex(path);
    GANTRY_CHECK_AS(DataError, actual == expected_sha256, path.string(),
                    ": the reference classifier's weights have SHA-256 ", actual, ", expected ",
                    expected_sha256,
                    "; restore the shipped file, or retrain with the command in the .txt file beside it");
    Rng unused(0);
    auto classifier = std::make_shared<Classifier>(unused);
    try {
        classifier->load_state_dict(read_tensor_file(path, "classifier weights").tensors);
    } catch (const DataError&) {
        throw;
    } catch (const Error& e) {
        throw DataError(path.string() + ": not the reference classifier's weights: " + e.what());
    }
    classifier->eval();
    return classifier;
}

Tensor classifier_features(Classifier& classifier, const Tensor& x, Tensor* logits, int64_t chunk) {
    autograd::NoGradGuard no_grad;
    const bool was_training = classifier.is_training();
    classifier.eval();
    std::vector<Tensor> features, scores;
    for (int64_t start = 0; start < x.size(0); start += chunk) {
        const int64_t length = std::min(chunk, x.size(0) - start);
        const Tensor f = classifier.features(narrow(x, 0, start, length));
        features.push_back(f);
        if (logits) scores.push_back(classifier.logits_of_features(f));
    }
    classifier.train(was_training);
    GANTRY_CHECK(!features.empty(), "classifier_features: no samples");
    if (logits) *logits = concat(scores, 0);
    return concat(features, 0);
}

}  // namespace gantry::eval
