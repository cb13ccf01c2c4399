// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The reference classifier of the image metrics: a small CNN for 28x28 grey images (trained on
/// Fashion-MNIST by `gantry train-classifier`), shared by that command and the image_metrics
/// plugin so that both build exactly the same network.
///
///   x (N, 1, 28, 28) in [-1, 1]
///   conv 3x3 stride 2 -> 16 x 14 x 14, batch norm, ReLU
///   conv 3x3 stride 2 -> 32 x 7 x 7,   batch norm, ReLU
///   conv 3x3 stride 2 -> 64 x 4 x 4,   batch norm, ReLU
///   flatten, linear 1024 -> 64, batch norm, ReLU      = features(x)  (N, 64)
///   linear 64 -> 10                                   = logits(x)    (N, 10)
///
/// Weights are a tensor file (gantry/serialize.hpp); load_classifier refuses a file whose
/// SHA-256 is not the one expected, so a metric never silently uses other weights.
#include <filesystem>
#include <memory>
#include <string>

#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/random.hpp"
#include "gantry/tensor.hpp"

namespace gantry::eval {

inline constexpr int64_t kClassifierFeatures = 64;
inline constexpr int64_t kClassifierClasses = 10;

class Classifier : public nn::Module {
public:
    /// A freshly initialised network (PyTorch's default initialisation, drawn from `rng`).
    explicit Classifier(Rng& rng);
    using Module::forward;
    /// The penultimate layer: x (N, 1, 28, 28) -> (N, 64).
    Tensor features(const Tensor& x);
    /// The class scores (before softmax): x (N, 1, 28, 28) -> (N, 10).
    Tensor forward(const Tensor& x) override;
    /// The scores from features already computed: (N, 64) -> (N, 10).
    Tensor logits_of_features(const Tensor& features);

    std::shared_ptr<nn::Sequential> body;
    std::shared_ptr<nn::Linear> head;
};

/// A classifier in eval mode with the weights of `path`. Throws DataError naming the file and
/// both digests when the file's SHA-256 is not `expected_sha256` (64 hex digits), or when the
/// file is not a StateDict of this network.
std::shared_ptr<Classifier> load_classifier(const std::filesystem::path& path,
                                            const std::string& expected_sha256);

/// features (N, 64) and, when `logits` is given, the class scores (N, 10) of `x`, computed in
/// eval mode without gradients, in slices of `chunk` samples to bound memory.
Tensor classifier_features(Classifier& classifier, const Tensor& x, Tensor* logits = nullptr,
                           int64_t chunk = 500);

}  // namespace gantry::eval
