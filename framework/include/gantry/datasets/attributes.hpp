// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The attributes the `captioned` dataset measures on a Fashion-MNIST item and names in its
/// captions (issue 14, text to image), shared by the dataset (which writes the words) and the
/// text metrics (which measure generated images the same way and check the words).
///
/// Per image: brightness (the mean of the ink pixels, bytes > 25, in [0, 1]), width and height
/// (the ink's bounding box). Per class, the training split's tertiles of each split it into low
/// (dark / narrow / short), middle (not mentioned) and high (light / wide / long); length is
/// named for trousers, dresses and coats only. The tertiles travel in DataInfo::metadata
/// "captioned.thresholds": per class {b1, b2, w1, w2, h1, h2}.
///
/// Example:
/// ```
/// const auto t = gantry::datasets::find_item_thresholds(info);              // in a metric
/// const auto m = gantry::datasets::measure_item(bytes, 28, 28);
/// gantry::datasets::item_attribute_words(m, label, (*t)[label]);          // {"dark", "wide"}
/// ```
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gantry/data.hpp"

namespace gantry::datasets {

/// DataInfo::metadata key: per class, the tertiles {b1, b2, w1, w2, h1, h2}.
inline constexpr const char* kItemThresholds = "captioned.thresholds";

/// What a caption can say about an image, measured on its pixels.
struct ItemMeasure {
    double brightness = 0;  ///< mean of the ink pixels, [0, 1]
    double width = 0;       ///< columns of the ink's bounding box
    double height = 0;      ///< rows of the ink's bounding box
};

/// The measure of one grey image of h x w bytes (all zero for an image without ink).
ItemMeasure measure_item(const uint8_t* image, int64_t h, int64_t w);

/// A [-1, 1] image (the data's scale, h x w floats) as the bytes it came from, then measured.
ItemMeasure measure_item(const float* image, int64_t h, int64_t w);

using ItemThresholds = std::array<double, 6>;

/// True for the classes whose length a caption names (trousers 1, dress 3, coat 4).
bool item_has_length(int64_t label);

/// The attribute words of a measure for an item of class `label` with its class's tertiles, in
/// the order captions use them: dark (brightness <= b1), light (>= b2), short (height <= h1),
/// long (>= h2; length classes only), narrow (width <= w1), wide (>= w2). A value in the middle
/// third gives no word; where two tertiles are equal a value at both gives both words.
std::vector<std::string> item_attribute_words(const ItemMeasure& m, int64_t label, const ItemThresholds& t);

/// The attribute words a caption can use, in that order.
const std::vector<std::string>& all_attribute_words();

/// The per-class tertiles in the metadata, or nullopt when the data has none. Throws Error when
/// the list is not 6 numbers per class.
std::optional<std::vector<ItemThresholds>> find_item_thresholds(const DataInfo& info);

}  // namespace gantry::datasets
