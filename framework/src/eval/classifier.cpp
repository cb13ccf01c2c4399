// SPDX-License-Identifier: Apache-2.0
#include "gantry/eval/classifier.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/error.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/ops.hpp"
#include "gantry/serialize.hpp"
#include "io/json.hpp"

namespace gantry::eval {

namespace {
/// A side after the three stride-2 convolutions (kernel 3, padding 1): each halves, rounding up.
int64_t reduced(int64_t side) {
    for (int i = 0; i < 3; ++i) side = (side + 1) / 2;
    return side;
}
}  // namespace

void check_classifier_shape(const ClassifierShape& s, const std::string& what) {
    GANTRY_CHECK_AS(ConfigError, s.channels >= 1 && s.channels <= 4 && s.height >= 8 && s.height <= 512 &&
                                     s.width >= 8 && s.width <= 512,
                    what, ": the reference classifier takes images of 1 to 4 channels and sides from 8 to 512, "
                    "got (", s.channels, ", ", s.height, ", ", s.width, ")");
    GANTRY_CHECK_AS(ConfigError, s.classes >= 2 && s.classes <= 1000, what,
                    ": the reference classifier tells 2 to 1000 classes apart, got ", s.classes);
}

Classifier::Classifier(Rng& rng, const ClassifierShape& shape) : Module("Classifier"), shape_(shape) {
    check_classifier_shape(shape, "reference classifier");
    body = register_module("body", std::make_shared<nn::Sequential>());
    int64_t channels = shape.channels;
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
        nn::LinearOptions{.in_features = channels * reduced(shape.height) * reduced(shape.width), .out_features = kClassifierFeatures, .bias = false}, rng));
    body->push_back(std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions{.num_features = kClassifierFeatures}));
    body->push_back(std::make_shared<nn::ReLU>());
    head = register_module("head", std::make_shared<nn::Linear>(
                                       nn::LinearOptions{.in_features = kClassifierFeatures,
                                                         .out_features = shape.classes},
                                       rng));
}

Tensor Classifier::features(const Tensor& x) {
    GANTRY_CHECK_AS(ShapeError, x.rank() == 4 && x.size(1) == shape_.channels && x.size(2) == shape_.height &&
                                    x.size(3) == shape_.width,
                    "reference classifier: expected images (N, ", shape_.channels, ", ", shape_.height, ", ",
                    shape_.width, ") in [-1, 1], got ", x.shape());
    return (*body)(x);
}

Tensor Classifier::forward(const Tensor& x) { return (*head)(features(x)); }

Tensor Classifier::logits_of_features(const Tensor& features) { return (*head)(features); }

std::string classifier_metadata(const ClassifierShape& shape) {
    if (shape == ClassifierShape{}) return "{}";
    return io::JsonLine()
        .add("input_channels", shape.channels)
        .add("input_height", shape.height)
        .add("input_width", shape.width)
        .add("classes", shape.classes)
        .str();
}

ClassifierShape classifier_shape_of(const std::string& metadata_json, const std::string& source) {
    const std::map<std::string, std::string> fields = io::json_fields(metadata_json, source);
    ClassifierShape shape;
    if (fields.empty()) return shape;
    auto field = [&](const char* key, int64_t& out) {
        const auto it = fields.find(key);
        GANTRY_CHECK_AS(DataError, it != fields.end(), source, ": the classifier's metadata has no '", key, "'");
        try {
            size_t used = 0;
            out = std::stoll(it->second, &used);
            GANTRY_CHECK_AS(DataError, used == it->second.size(), source, ": classifier metadata '", key,
                            "' is not an integer: ", it->second);
        } catch (const std::logic_error&) {
            throw DataError(source + ": classifier metadata '" + key + "' is not an integer: " + it->second);
        }
    };
    field("input_channels", shape.channels);
    field("input_height", shape.height);
    field("input_width", shape.width);
    field("classes", shape.classes);
    try {
        check_classifier_shape(shape, source);
    } catch (const ConfigError& e) {
        throw DataError(e.what());
    }
    return shape;
}

std::shared_ptr<Classifier> load_classifier(const std::filesystem::path& path, const std::string& expected_sha256) {
    const std::string actual = io::file_sha256_hex(path);
    GANTRY_CHECK_AS(DataError, actual == expected_sha256, path.string(),
                    ": the reference classifier's weights have SHA-256 ", actual, ", expected ",
                    expected_sha256,
                    "; restore the shipped file, or retrain with the command in the .txt file beside it");
    TensorFile file = read_tensor_file(path, "classifier weights");
    Rng unused(0);
    auto classifier = std::make_shared<Classifier>(unused, classifier_shape_of(file.metadata_json, path.string()));
    try {
        classifier->load_state_dict(file.tensors);
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

double classifier_accuracy(Classifier& classifier, const Tensor& x, const std::vector<int64_t>& labels) {
    GANTRY_CHECK_AS(ShapeError, x.rank() >= 1 && static_cast<size_t>(x.size(0)) == labels.size(),
                    "classifier_accuracy: ", labels.size(), " labels for images of shape ", x.shape());
    Tensor logits;
    classifier_features(classifier, x, &logits);
    const int64_t n = logits.size(0), k = logits.size(1);
    int64_t right = 0;
    for (int64_t i = 0; i < n; ++i) {
        const float* row = logits.data() + i * k;
        right += std::max_element(row, row + k) - row == labels[static_cast<size_t>(i)] ? 1 : 0;
    }
    return n == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(n);
}

}  // namespace gantry::eval
