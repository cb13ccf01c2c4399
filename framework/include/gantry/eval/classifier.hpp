// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The reference classifier of the image metrics: a small CNN (trained on Fashion-MNIST by
/// `gantry train-classifier` and shipped; or trained by the same command on any labelled image
/// data), shared by that command and the image_metrics plugin so that both build exactly the
/// same network. For the shipped shape (1, 28, 28) and 10 classes:
///
///   x (N, 1, 28, 28) in [-1, 1]
///   conv 3x3 stride 2 -> 16 x 14 x 14, batch norm, ReLU
///   conv 3x3 stride 2 -> 32 x 7 x 7,   batch norm, ReLU
///   conv 3x3 stride 2 -> 64 x 4 x 4,   batch norm, ReLU
///   flatten, linear 1024 -> 64, batch norm, ReLU      = features(x)  (N, 64)
///   linear 64 -> 10                                   = logits(x)    (N, 10)
///
/// Any (C, H, W) takes the same layers: the first conv has C input channels, each stride halves
/// a side rounding up (32 -> 16 -> 8 -> 4), the linear layer has 64 * ceil(H/8) * ceil(W/8)
/// inputs, the head one output per class. Features are 64 wide whatever the shape.
///
/// Weights are a tensor file (gantry/serialize.hpp); load_classifier refuses a file whose
/// SHA-256 is not the one expected, so a metric never silently uses other weights. The file's
/// metadata names the input shape and the classes (`input_channels`, `input_height`,
/// `input_width`, `classes`); metadata "{}" is the shipped shape, so the shipped file (written
/// before other shapes existed) keeps its bytes.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/random.hpp"
#include "gantry/tensor.hpp"

namespace gantry::eval {

inline constexpr int64_t kClassifierFeatures = 64;
inline constexpr int64_t kClassifierClasses = 10;

/// What a classifier takes and tells apart. The default is the shipped one's.
struct ClassifierShape {
    int64_t channels = 1, height = 28, width = 28;
    int64_t classes = kClassifierClasses;

    /// (channels, height, width).
    Shape input() const { return Shape{channels, height, width}; }
    bool operator==(const ClassifierShape&) const = default;
};

/// Throws ConfigError unless 1 <= channels <= 4, 8 <= height, width <= 512 and
/// 2 <= classes <= 1000 (`what` starts the message).
void check_classifier_shape(const ClassifierShape& shape, const std::string& what);

class Classifier : public nn::Module {
public:
    /// A freshly initialised network (PyTorch's default initialisation, drawn from `rng`).
    explicit Classifier(Rng& rng, const ClassifierShape& shape = {});
    using Module::forward;
    /// The penultimate layer: x (N, C, H, W) -> (N, 64).
    Tensor features(const Tensor& x);
    /// The class scores (before softmax): x (N, C, H, W) -> (N, classes).
    Tensor forward(const Tensor& x) override;
    /// The scores from features already computed: (N, 64) -> (N, classes).
    Tensor logits_of_features(const Tensor& features);
    const ClassifierShape& shape() const { return shape_; }

    std::shared_ptr<nn::Sequential> body;
    std::shared_ptr<nn::Linear> head;

private:
    ClassifierShape shape_;
};

/// The metadata JSON of a weights file of this shape: "{}" for the default shape, else the four
/// fields named above.
std::string classifier_metadata(const ClassifierShape& shape);
/// The shape a weights file's metadata names ("{}": the default). Throws DataError naming
/// `source` when a field is missing or out of range.
ClassifierShape classifier_shape_of(const std::string& metadata_json, const std::string& source);

/// A classifier in eval mode with the weights of `path`, of the shape its metadata names. Throws
/// DataError naming the file and both digests when the file's SHA-256 is not `expected_sha256`
/// (64 hex digits), or when the file is not a StateDict of this network.
std::shared_ptr<Classifier> load_classifier(const std::filesystem::path& path,
                                            const std::string& expected_sha256);

/// features (N, 64) and, when `logits` is given, the class scores (N, classes) of `x`, computed in
/// eval mode without gradients, in slices of `chunk` samples to bound memory.
Tensor classifier_features(Classifier& classifier, const Tensor& x, Tensor* logits = nullptr,
                           int64_t chunk = 500);

/// The share of the images `x` whose top class is their `labels[i]` (one label per image).
double classifier_accuracy(Classifier& classifier, const Tensor& x, const std::vector<int64_t>& labels);

}  // namespace gantry::eval
