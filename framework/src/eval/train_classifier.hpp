// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Training of the reference classifier (gantry/eval/classifier.hpp), behind
/// `gantry train-classifier`: Adam on the cross-entropy of the IDX training split, one pass per
/// epoch in an order drawn from the seed, then the accuracy on the test split.
#include <cstdint>
#include <functional>
#include <string>

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

struct TrainClassifierResult {
    double test_accuracy = 0;   ///< fraction of the test split classified correctly
    double seconds = 0;         ///< wall time of the training (not of the test pass)
    std::string sha256;         ///< of the weights file written
    std::string record_path;
};

/// Trains, writes the weights and the record (sha256, command, seed, accuracy, time), and
/// returns what it measured. `progress` (optional) receives one line per epoch.
TrainClassifierResult train_classifier(const TrainClassifierRequest& request,
                                       const std::function<void(const std::string&)>& progress = {});

}  // namespace gantry::eval
