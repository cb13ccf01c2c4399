// SPDX-License-Identifier: Apache-2.0
#pragma once
/// A labelled set of IDX images (MNIST / Fashion-MNIST) as tensors in the model's scale, for the
/// reference classifier's training and the image metrics' reference split.
#include <cstdint>
#include <string>

#include "gantry/data.hpp"

namespace gantry::eval {

/// x (N, 1, H, W) with pixel p mapped to p / 127.5 - 1 (so [-1, 1]), labels (N) as floats, from
/// an IDX image file and its label file (gzipped or plain). `limit` > 0 keeps the first `limit`
/// samples. Throws DataError naming the files when their counts differ.
Batch read_idx_images(const std::string& images_path, const std::string& labels_path, int64_t limit = 0);

/// The IDX file of `split` ("train" or "t10k") and `what` ("images" or "labels") in `dir`,
/// gzipped or plain, whichever exists. Throws DataError naming both candidates when neither does.
std::string idx_path(const std::string& dir, const std::string& split, const std::string& what);

}  // namespace gantry::eval
