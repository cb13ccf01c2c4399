// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The IDX source of a dataset plugin: the options every IDX-reading plugin shares (root, split,
/// images, labels) and the loader behind them, so that `idx`, `paired` and `moving_fashion`
/// resolve, check and identify their files one way. (eval/idx_images.hpp reads the reference
/// split of the image metrics, from a directory rather than from plugin options.)
#include <gantry/plugin/options.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gantry::datasets {

/// `a` then `b`: a plugin's table is the shared rows followed by its own.
template <size_t N, size_t M>
constexpr std::array<plugin::OptionSpec, N + M> join_options(const std::array<plugin::OptionSpec, N>& a,
                                                             const std::array<plugin::OptionSpec, M>& b) {
    std::array<plugin::OptionSpec, N + M> out{};
    for (size_t i = 0; i < N; ++i) out[i] = a[i];
    for (size_t i = 0; i < M; ++i) out[N + i] = b[i];
    return out;
}

/// The option rows naming the images, in the order the plugins declare them (a resolved
/// experiment lists options in declaration order, so the order is part of every hash).
inline constexpr std::array<plugin::OptionSpec, 3> kIdxImagesOptions{{
    {"root", plugin::OptionType::path, "/usr/share/datasets/fashion-mnist",
     std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(), nullptr,
     "directory of the MNIST-named files (relative: to the file that writes it)"},
    {"split", plugin::OptionType::string, "train", std::numeric_limits<double>::quiet_NaN(),
     std::numeric_limits<double>::quiet_NaN(), "train|test",
     "train: train-{images-idx3,labels-idx1}-ubyte[.gz]; test: t10k-..."},
    {"images", plugin::OptionType::path, "", std::numeric_limits<double>::quiet_NaN(),
     std::numeric_limits<double>::quiet_NaN(), nullptr,
     "an images file to read instead of root/split's"},
}};

/// The images rows and the labels row: the source of labelled data.
inline constexpr auto kIdxSourceOptions = join_options(
    kIdxImagesOptions,
    std::array<plugin::OptionSpec, 1>{{
        {"labels", plugin::OptionType::path, "", std::numeric_limits<double>::quiet_NaN(),
         std::numeric_limits<double>::quiet_NaN(), nullptr,
         "a labels file to read instead of root/split's (with `images` and no `labels`: unlabelled)"},
    }});

/// Unsigned-byte images (N, H, W) and their labels, as read from the files the options name.
struct IdxSource {
    int64_t count = 0;  ///< images read (after `limit`)
    int64_t height = 0;
    int64_t width = 0;
    int64_t classes = 0;           ///< max label + 1; 0 when unlabelled
    std::vector<uint8_t> pixels;   ///< count * height * width, row-major
    std::vector<uint8_t> labels;   ///< count entries, or empty when unlabelled
    std::string images_path;       ///< for messages
    /// "images-file(bytes):labels-file(bytes)|unlabelled:split=train|files:limit=N": a replaced
    /// or truncated file changes it, and with it the checkpoints' data identity.
    std::string identity;
};

/// How to read: the name used in messages ("paired: ..."), and what to keep.
struct IdxSourceRead {
    std::string plugin;     ///< the reading plugin's name, first word of every message
    bool labelled = true;   ///< false: ignore the labels (unlabelled data; no `labels` option needed)
    int64_t limit = 0;      ///< keep the first `limit` images; 0 = all
};

/// Reads the images (and labels) named by the kIdxSourceOptions rows of `options`: root/split's
/// MNIST-named files (the .gz preferred), or the explicit `images`/`labels` files. Throws
/// DataError naming the file for a missing file, a rank or count that does not fit, with the
/// likely cause.
IdxSource read_idx_source(const plugin::Options& options, const IdxSourceRead& how);

/// The images file of `split` in `root` ("train" or "test"): what read_idx_source reads by default
/// (e.g. the training split's images, to compute a statistic the test split must not see).
std::string idx_images_file(const std::string& root, const std::string& split);

}  // namespace gantry::datasets
