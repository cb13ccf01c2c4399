// SPDX-License-Identifier: Apache-2.0
#include "gantry/eval/idx_images.hpp"

#include <algorithm>
#include <filesystem>

#include "gantry/datasets/idx_file.hpp"
#include "gantry/error.hpp"

namespace gantry::eval {

namespace fs = std::filesystem;

Batch read_idx_images(const std::string& images_path, const std::string& labels_path, int64_t limit) {
    const datasets::IdxArray images = datasets::read_idx(images_path);
    const datasets::IdxArray labels = datasets::read_idx(labels_path);
    GANTRY_CHECK_AS(DataError, images.dims.size() == 3, images_path,
                    ": expected images (N, H, W), got ", images.dims.size(), " dimensions");
    GANTRY_CHECK_AS(DataError, labels.dims.size() == 1 && labels.dims[0] == images.dims[0], labels_path,
                    ": expected ", images.dims[0], " labels (one per image of ", images_path, ")");
    const int64_t n = limit > 0 ? std::min(limit, images.dims[0]) : images.dims[0];
    const int64_t h = images.dims[1], w = images.dims[2];
    Batch batch{Tensor::empty({n, 1, h, w}), Tensor::empty({n})};
    float* x = batch.x.data();
    for (int64_t i = 0; i < n * h * w; ++i) x[i] = static_cast<float>(images.values[static_cast<size_t>(i)]) / 127.5f - 1.f;
    for (int64_t i = 0; i < n; ++i) batch.labels.data()[i] = static_cast<float>(labels.values[static_cast<size_t>(i)]);
    return batch;
}


std::string idx_path(const std::string& dir, const std::string& split, const std::string& what) {
    const std::string base = split + "-" + what + (what == "images" ? "-idx3-ubyte" : "-idx1-ubyte");
    for (const std::string& name : {base + ".gz", base})
        if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
    throw DataError(dir + ": neither " + base + ".gz nor " + base +
                    " exists; install Debian's dataset-fashion-mnist or point to a folder of IDX files");
}

}  // namespace gantry::eval
