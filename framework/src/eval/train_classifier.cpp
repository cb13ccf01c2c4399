// SPDX-License-Identifier: Apache-2.0
#include "eval/train_classifier.hpp"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/error.hpp"
#include "gantry/eval/classifier.hpp"
#include "gantry/eval/idx_images.hpp"
#include "io/atomic_file.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/adam.hpp"
#include "gantry/serialize.hpp"
#include "gantry/threads.hpp"

namespace fs = std::filesystem;

namespace gantry::eval {
namespace {

Batch gather(const Batch& data, const std::vector<int64_t>& order, int64_t start, int64_t count) {
    const int64_t row = data.x.numel() / data.x.size(0);
    Batch b{Tensor::empty({count, data.x.size(1), data.x.size(2), data.x.size(3)}), Tensor::empty({count})};
    for (int64_t i = 0; i < count; ++i) {
        const int64_t src = order[static_cast<size_t>(start + i)];
        std::memcpy(b.x.data() + i * row, data.x.data() + src * row, sizeof(float) * static_cast<size_t>(row));
        b.labels.data()[i] = data.labels.data()[src];
    }
    return b;
}

double accuracy(Classifier& classifier, const Batch& data) {
    Tensor logits;
    classifier_features(classifier, data.x, &logits);
    const int64_t classes = classifier.shape().classes;
    int64_t right = 0;
    for (int64_t i = 0; i < logits.size(0); ++i) {
        const float* row = logits.data() + i * classes;
        const int64_t best = std::max_element(row, row + classes) - row;
        right += best == static_cast<int64_t>(data.labels.data()[i]);
    }
    return static_cast<double>(right) / static_cast<double>(logits.size(0));
}

}  // namespace

TrainClassifierResult train_classifier(const TrainClassifierRequest& request,
                                       const std::function<void(const std::string&)>& progress) {
    GANTRY_CHECK_AS(ConfigError, request.epochs > 0 && request.batch > 0 && request.lr > 0,
                    "train-classifier: epochs, batch and lr must be positive");
    TrainClassifierData data;
    data.train = read_idx_images(idx_path(request.data_dir, "train", "images"),
                                 idx_path(request.data_dir, "train", "labels"), request.train_limit);
    data.test = read_idx_images(idx_path(request.data_dir, "t10k", "images"),
                                idx_path(request.data_dir, "t10k", "labels"), request.test_limit);
    data.classes = kClassifierClasses;
    return train_classifier(request, data, progress);
}

TrainClassifierResult train_classifier(const TrainClassifierRequest& request, const TrainClassifierData& data,
                                       const std::function<void(const std::string&)>& progress) {
    GANTRY_CHECK_AS(ConfigError, request.epochs > 0 && request.batch > 0 && request.lr > 0,
                    "train-classifier: epochs, batch and lr must be positive");
    const Batch& train = data.train;
    const Batch& test = data.test;
    GANTRY_CHECK_AS(ConfigError, train.x.defined() && train.x.rank() == 4 && train.labels.defined(),
                    "train-classifier: the training data must be labelled images (N, C, H, W)",
                    train.x.defined() ? ", got samples " + train.x.shape().str() : std::string());
    const ClassifierShape shape{train.x.size(1), train.x.size(2), train.x.size(3), data.classes};
    check_classifier_shape(shape, "train-classifier");
    GANTRY_CHECK_AS(ConfigError, test.x.defined() && test.x.size(0) > 0 && test.labels.defined(),
                    "train-classifier: no labelled test images");
    GANTRY_CHECK_AS(ConfigError, test.x.shape().dims() == std::vector<int64_t>({test.x.size(0), shape.channels,
                                                                             shape.height, shape.width}),
                    "train-classifier: the test images are ", test.x.shape(), ", the training images ",
                    train.x.shape());
    GANTRY_CHECK_AS(ConfigError, train.x.size(0) >= request.batch,
                    "train-classifier: ", train.x.size(0), " training images are fewer than one batch of ",
                    request.batch, "; give a smaller --batch");
    for (const Batch* b : {&train, &test})
        for (int64_t i = 0, n = b->labels.numel(); i < n; ++i) {
            const float label = b->labels.data()[i];
            GANTRY_CHECK_AS(DataError, label >= 0 && label < static_cast<float>(data.classes) &&
                                           label == static_cast<float>(static_cast<int64_t>(label)),
                            "train-classifier: label ", label, " of image ", i, " is not one of the ",
                            data.classes, " classes");
        }
    Rng init(request.seed, 0), shuffle(request.seed, 1);
    Classifier classifier(init, shape);
    optim::Adam adam(classifier.parameters(), optim::AdamOptions{.lr = request.lr});
    const int64_t n = train.x.size(0);
    std::vector<int64_t> order(static_cast<size_t>(n));
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t epoch = 1; epoch <= request.epochs; ++epoch) {
        std::iota(order.begin(), order.end(), int64_t{0});
        for (int64_t i = n - 1; i > 0; --i)
            std::swap(order[static_cast<size_t>(i)], order[shuffle.next_below(static_cast<uint64_t>(i + 1))]);
        classifier.train();
        double loss_sum = 0;
        int64_t steps = 0;
        // The last partial batch is dropped: a batch of one would break batch norm.
        for (int64_t start = 0; start + request.batch <= n; start += request.batch) {
            const Batch b = gather(train, order, start, request.batch);
            const Tensor log_p = log_softmax(classifier(b.x), 1);
            const Tensor loss = -sum(mul(one_hot(b.labels, shape.classes), log_p)) /
                                static_cast<float>(request.batch);
            adam.zero_grad();
            autograd::backward(loss);
            adam.step();
            loss_sum += loss.data()[0];
            ++steps;
        }
        if (progress) {
            std::ostringstream line;
            line << "epoch " << epoch << "/" << request.epochs << ": train loss "
                 << io::format_double(steps ? loss_sum / static_cast<double>(steps) : 0.0) << ", "
                 << io::format_double(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count())
                 << " s";
            progress(line.str());
        }
    }
    TrainClassifierResult result;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.test_accuracy = accuracy(classifier, test);
    write_tensor_file(request.out, TensorFile{classifier_metadata(shape), classifier.state_dict()});
    result.sha256 = io::file_sha256_hex(request.out);
    result.record_path = (fs::path(request.out).replace_extension(".txt")).string();
    std::ostringstream record;
    record << "# The reference classifier of the image metrics (gantry/eval/classifier.hpp).\n"
           << "# The image_metrics plugin refuses weights whose SHA-256 is not the one below.\n"
           << "sha256: " << result.sha256 << "\n"
           << "command: " << request.command << "\n"
           << (data.description.empty() ? std::string() : "data: " + data.description + "\n")
           << (shape == ClassifierShape{} ? std::string()
                                          : "input: (" + std::to_string(shape.channels) + ", " +
                                                std::to_string(shape.height) + ", " + std::to_string(shape.width) +
                                                ")\nclasses: " + std::to_string(shape.classes) + "\n")
           << "seed: " << request.seed << "\n"
           << "epochs: " << request.epochs << "\n"
           << "batch: " << request.batch << "\n"
           << "lr: " << io::format_double(request.lr) << "\n"
           << "threads: " << num_threads() << "\n"
           << "train_samples: " << n << "\n"
           << "test_samples: " << test.x.size(0) << "\n"
           << "test_accuracy: " << io::format_double(result.test_accuracy) << "\n"
           << "train_seconds: " << io::format_double(result.seconds) << "\n";
    io::atomic_write(result.record_path, record.str());
    return result;
}

}  // namespace gantry::eval
