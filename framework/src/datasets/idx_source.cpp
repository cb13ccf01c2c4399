// SPDX-License-Identifier: Apache-2.0
#include "gantry/datasets/idx_source.hpp"

#include "gantry/datasets/idx_file.hpp"
#include "gantry/error.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <system_error>

namespace gantry::datasets {
namespace {

namespace fs = std::filesystem;

/// `name` in `root`, preferring the .gz the distributions ship, else the plain file.
fs::path in_root(const fs::path& root, const std::string& name) {
    const fs::path gz = root / (name + ".gz");
    std::error_code ec;
    if (fs::exists(gz, ec) || !fs::exists(root / name, ec)) return gz;
    return root / name;
}

/// "path(size bytes)": a replaced or truncated file changes it.
std::string file_identity(const fs::path& path) {
    std::error_code ec;
    const auto bytes = fs::file_size(path, ec);
    const fs::path canonical = fs::weakly_canonical(path, ec);
    std::ostringstream out;
    out << (canonical.empty() ? path : canonical).string() << "(" << (ec ? 0 : bytes) << ")";
    return out.str();
}

const char* file_prefix(const std::string& split) { return split == "train" ? "train" : "t10k"; }

}  // namespace

std::string idx_images_file(const std::string& root, const std::string& split) {
    return in_root(root, std::string(file_prefix(split)) + "-images-idx3-ubyte").string();
}

IdxSource read_idx_source(const plugin::Options& options, const IdxSourceRead& how) {
    const std::string& who = how.plugin;
    const std::string split = options.get_string("split");
    const fs::path root = options.get_string("root");
    const bool explicit_images = !options.get_string("images").empty();
    const fs::path images_path =
        explicit_images ? fs::path(options.get_string("images")) : fs::path(idx_images_file(root, split));
    fs::path labels_path;
    if (how.labelled) {
        if (!options.get_string("labels").empty())
            labels_path = options.get_string("labels");
        else if (!explicit_images)
            labels_path = in_root(root, std::string(file_prefix(split)) + "-labels-idx1-ubyte");
    }

    std::error_code ec;
    GANTRY_CHECK_AS(DataError, fs::exists(images_path, ec), who, ": ", images_path.string(),
                    ": no such file; set data.root (or data.images) to MNIST-format files, or "
                    "install Debian's dataset-fashion-mnist for the default root");
    IdxArray images = read_idx(images_path.string());
    GANTRY_CHECK_AS(DataError, images.dims.size() == 3, who, ": ", images_path.string(),
                    ": expected images of rank 3 (N, H, W), got rank ", images.dims.size(),
                    "; is it a labels file?");

    IdxSource out;
    const int64_t count = images.dims[0];
    out.count = how.limit > 0 ? std::min(how.limit, count) : count;
    out.height = images.dims[1];
    out.width = images.dims[2];
    out.images_path = images_path.string();
    out.pixels = std::move(images.values);
    out.pixels.resize(static_cast<size_t>(out.count * out.height * out.width));
    out.pixels.shrink_to_fit();

    if (!labels_path.empty()) {
        IdxArray labels = read_idx(labels_path.string());
        GANTRY_CHECK_AS(DataError, labels.dims.size() == 1, who, ": ", labels_path.string(),
                        ": expected labels of rank 1 (N), got rank ", labels.dims.size(),
                        "; is it an images file?");
        GANTRY_CHECK_AS(DataError, labels.dims[0] == count, who, ": the labels file ", labels_path.string(),
                        " holds ", labels.dims[0], " labels but the images file ", images_path.string(),
                        " holds ", count, " images; are they from the same split?");
        out.labels.assign(labels.values.begin(), labels.values.begin() + out.count);
        if (!out.labels.empty())
            out.classes = int64_t{*std::max_element(out.labels.begin(), out.labels.end())} + 1;
    }

    std::ostringstream id;
    id << file_identity(images_path) << ":"
       << (labels_path.empty() ? std::string("unlabelled") : file_identity(labels_path))
       << ":split=" << (explicit_images ? std::string("files") : split) << ":limit=" << out.count;
    out.identity = id.str();
    return out;
}

}  // namespace gantry::datasets
