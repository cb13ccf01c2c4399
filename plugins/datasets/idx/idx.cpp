// SPDX-License-Identifier: Apache-2.0
// idx: images and labels in the IDX format of LeCun et al.'s MNIST (http://yann.lecun.com/exdb/mnist/),
// gzipped or plain — MNIST, Fashion-MNIST (Xiao et al. 2017, arXiv:1708.07747; Debian's
// dataset-fashion-mnist installs it in /usr/share/datasets/fashion-mnist), KMNIST, EMNIST.
// Images: an IDX file of unsigned bytes (N, H, W), served as (1, H, W) in [-1, 1] (v / 127.5 - 1).
// Labels: an IDX file of unsigned bytes (N); classes = max label + 1.
// The whole file is loaded at construction as bytes (Fashion-MNIST's training set: 47 MB).
#include <gantry/datasets/idx_source.hpp>
#include <gantry/plugin.hpp>

#include <cmath>
#include <limits>

namespace {

using namespace gantry;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr auto kOptions = datasets::join_options(
    datasets::kIdxSourceOptions,
    std::array<plugin::OptionSpec, 2>{{
        {"labelled", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
         "false: ignore the labels (unlabelled data, e.g. for pack > 1 or an unconditional mlp)"},
        {"limit", plugin::OptionType::integer, "0", 0, 1e9, nullptr,
         "use only the first N samples; 0 = all"},
    }});

class Idx final : public Dataset {
public:
    // The paths are `path` options: the host hands them over absolute.
    Idx(const plugin::Options& o, const plugin::Context&) {
        datasets::IdxSource images = datasets::read_idx_source(
            o, {.plugin = "idx", .labelled = o.get_bool("labelled"), .limit = o.get_int("limit")});
        size_ = images.count;
        height_ = images.height;
        width_ = images.width;
        classes_ = images.classes;
        pixels_ = std::move(images.pixels);
        labels_ = std::move(images.labels);
        identity_ = "idx:" + images.identity;
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{1, height_, width_};
        info.size = size_;
        info.classes = classes_;
        info.images = true;
        info.identity = identity_;
        return info;
    }

    Batch get(const std::vector<int64_t>& indices) const override {
        const int64_t n = static_cast<int64_t>(indices.size());
        const int64_t per = height_ * width_;
        Batch batch;
        batch.x = Tensor::empty({n, 1, height_, width_});
        if (!labels_.empty()) batch.labels = Tensor::empty({n});
        float* x = batch.x.data();
        for (int64_t i = 0; i < n; ++i) {
            const int64_t index = indices[static_cast<size_t>(i)];
            GANTRY_CHECK(index >= 0 && index < size_, "idx: index ", index, " is outside [0, ",
                         size_, ")");
            const uint8_t* src = pixels_.data() + index * per;
            for (int64_t k = 0; k < per; ++k) x[i * per + k] = static_cast<float>(src[k]) / 127.5f - 1.f;
            if (!labels_.empty()) batch.labels.data()[i] = static_cast<float>(labels_[static_cast<size_t>(index)]);
        }
        return batch;
    }

private:
    int64_t size_ = 0;
    int64_t height_ = 0;
    int64_t width_ = 0;
    int64_t classes_ = 0;
    std::vector<uint8_t> pixels_;
    std::vector<uint8_t> labels_;
    std::string identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "idx", "1.0.0",
              "MNIST-format (IDX) images and labels, .gz or plain; Fashion-MNIST by default",
              kOptions, Idx)
