// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Training of the reference classifier (gantry/eval/classifier.hpp), behind
/// `gantry train-classifier`: Adam on the cross-entropy of the training images, one pass per
/// epoch in an order drawn from the seed, then the accuracy on the test images. The images come
/// from an IDX folder (the shipped Fashion-MNIST classifier) or, through `TrainClassifierData`,
/// from any labelled image dataset (the CLI reads a data section with the plugin host).
#include <cstdint>
#include <functional>
#include <string>

#include "gantry/data.hpp"

namespace gantry::eval {

struct TrainClassifierRequest {
    /// Folder with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-... .
    std::string data_dir = "/usr/share/datasets/fashion-mnist";
    /// The weights file (a StateDict); the record `<out without extension>.txt` is written beside it.
    std::string out = "fashion_mnist_cnn.gtf";
    int64_t epochs = 3;
    int64_t batch = 128;
    double lr = 1e-3;
    uint64_t seed = 0;
    /// Keep only the first `train_limit` / `test_limit` samples (0: all); for quick checks.
    int64_t train_limit = 0;
    int64_t test_limit = 0;
    /// The command line that produced the request, copied into the record.
    std::string command;
};

/// Labelled images already loaded: x (N, C, H, W) in [-1, 1], labels (N) class ids in
/// [0, classes). `description` says where they come from, for the record.
struct TrainClassifierData {
    Batch train, test;
    int64_t classes = 0;
    std::string description;
};

struct TrainClassifierResult {
    double test_accuracy = 0;   ///< fraction of the test split classified correctly
    double seconds = 0;         ///< wall time of the training (not of the test pass)
    std::string sha256;         ///< of the weights file written
    std::string record_path;
};

/// Trains on the IDX files of `request.data_dir`, writes the weights and the record (sha256,
/// command, seed, accuracy, time), and returns what it measured. `progress` (optional) receives
/// one line per epoch.
TrainClassifierResult train_classifier(const TrainClassifierRequest& request,
                                       const std::function<void(const std::string&)>& progress = {});

/// The same on images already loaded (`request.data_dir`, `train_limit` and `test_limit` are not
/// used): the classifier takes data.train's (C, H, W) and data.classes. Throws ConfigError when
/// the shape is one the classifier cannot take, DataError when a label is outside the classes.
TrainClassifierResult train_classifier(const TrainClassifierRequest& request, const TrainClassifierData& data,
                                       const std::function<void(const std::string&)>& progress = {});

}  // namespace gantry::eval
