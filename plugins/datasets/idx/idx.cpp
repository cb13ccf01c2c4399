// SPDX-License-Identifier: Apache-2.0
// idx: images and labels in the IDX format of LeCun et al.'s MNIST (http://yann.lecun.com/exdb/mnist/),
// gzipped or plain — MNIST, Fashion-MNIST (Xiao et al. 2017, arXiv:1708.07747; Debian's
// dataset-fashion-mnist installs it in /usr/share/datasets/fashion-mnist), KMNIST, EMNIST.
// Images: an IDX file of unsigned bytes (N, H, W), served as (1, H, W) in [-1, 1] (v / 127.5 - 1).
// Labels: an IDX file of unsigned bytes (N); classes = max label + 1.
// The whole file is loaded at construction as bytes (Fashion-MNIST's training set: 47 MB).
#include <gantry/datasets/idx_file.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <system_error>

namespace {

using namespace gantry;
namespace fs = std::filesystem;

const double kNaN = std::nan("");

const plugin::OptionSpec kOptions[] = {
    {"root", plugin::OptionType::path, "/usr/share/datasets/fashion-mnist", kNaN, kNaN, nullptr,
     "directory of the MNIST-named files (relative: to the file that writes it)"},
    {"split", plugin::OptionType::string, "train", kNaN, kNaN, "train|test",
     "train: train-{images-idx3,labels-idx1}-ubyte[.gz]; test: t10k-..."},
    {"images", plugin::OptionType::path, "", kNaN, kNaN, nullptr,
     "an images file to read instead of root/split's"},
    {"labels", plugin::OptionType::path, "", kNaN, kNaN, nullptr,
     "a labels file to read instead of root/split's (with `images` and no `labels`: unlabelled)"},
    {"labelled", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
     "false: ignore the labels (unlabelled data, e.g. for pack > 1 or an unconditional mlp)"},
    {"limit", plugin::OptionType::integer, "0", 0, 1e9, nullptr,
     "use only the first N samples; 0 = all"},
};

/// `name` in `root`, preferring the .gz the distributions ship, else the plain file.
fs::path in_root(const fs::path& root, const std::string& name) {
    const fs::path gz = root / (name + ".gz");
    std::error_code ec;
    if (fs::exists(gz, ec) || !fs::exists(root / name, ec)) return gz;
    return root / name;
}

/// "path (size bytes)" for the identity: a replaced file changes it.
std::string file_identity(const fs::path& path) {
    std::error_code ec;
    const auto bytes = fs::file_size(path, ec);
    const fs::path canonical = fs::weakly_canonical(path, ec);
    std::ostringstream out;
    out << (canonical.empty() ? path : canonical).string() << "(" << (ec ? 0 : bytes) << ")";
    return out.str();
}

class Idx final : public Dataset {
public:
    // The paths are `path` options: the host hands them over absolute.
    Idx(const plugin::Options& o, const plugin::Context&) {
        const std::string split = o.get_string("split");
        const std::string prefix = split == "train" ? "train" : "t10k";
        const fs::path root = o.get_string("root");
        const bool explicit_images = !o.get_string("images").empty();
        const fs::path images_path = explicit_images
                                         ? fs::path(o.get_string("images"))
                                         : in_root(root, prefix + "-images-idx3-ubyte");
        fs::path labels_path;
        if (!o.get_string("labels").empty())
            labels_path = o.get_string("labels");
        else if (!explicit_images)
            labels_path = in_root(root, prefix + "-labels-idx1-ubyte");
        if (!o.get_bool("labelled")) labels_path.clear();

        std::error_code ec;
        GANTRY_CHECK_AS(DataError, fs::exists(images_path, ec), "idx: ", images_path.string(),
                        ": no such file; set data.root (or data.images) to MNIST-format files, or "
                        "install Debian's dataset-fashion-mnist for the default root");
        datasets::IdxArray images = datasets::read_idx(images_path.string());
        GANTRY_CHECK_AS(DataError, images.dims.size() == 3, "idx: ", images_path.string(),
                        ": expected images of rank 3 (N, H, W), got rank ", images.dims.size(),
                        "; is it a labels file?");
        const int64_t count = images.dims[0];
        const int64_t limit = o.get_int("limit");
        size_ = limit > 0 ? std::min(limit, count) : count;
        height_ = images.dims[1];
        width_ = images.dims[2];
        pixels_ = std::move(images.values);
        pixels_.resize(static_cast<size_t>(size_ * height_ * width_));
        pixels_.shrink_to_fit();

        if (!labels_path.empty()) {
            datasets::IdxArray labels = datasets::read_idx(labels_path.string());
            GANTRY_CHECK_AS(DataError, labels.dims.size() == 1, "idx: ", labels_path.string(),
                            ": expected labels of rank 1 (N), got rank ", labels.dims.size(),
                            "; is it an images file?");
            GANTRY_CHECK_AS(DataError, labels.dims[0] == count, "idx: ", labels_path.string(),
                            " holds ", labels.dims[0], " labels but ", images_path.string(),
                            " holds ", count, " images; are they from the same split?");
            labels_.assign(labels.values.begin(), labels.values.begin() + size_);
            classes_ = int64_t{*std::max_element(labels_.begin(), labels_.end())} + 1;
        }

        std::ostringstream id;
        id << "idx:" << file_identity(images_path) << ":"
           << (labels_path.empty() ? std::string("unlabelled") : file_identity(labels_path))
           << ":split=" << (explicit_images ? std::string("files") : split) << ":limit=" << size_;
        identity_ = id.str();
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
