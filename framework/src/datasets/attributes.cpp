// SPDX-License-Identifier: Apache-2.0
#include "gantry/datasets/attributes.hpp"

#include <algorithm>
#include <cmath>

#include "gantry/error.hpp"

namespace gantry::datasets {

namespace {
/// A pixel is ink above this byte value (the background is 0).
constexpr uint8_t kInk = 25;
}  // namespace

ItemMeasure measure_item(const uint8_t* image, int64_t h, int64_t w) {
    int64_t ink = 0, total = 0, x0 = w, x1 = -1, y0 = h, y1 = -1;
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
            const uint8_t v = image[y * w + x];
            if (v <= kInk) continue;
            ++ink;
            total += v;
            x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
        }
    if (ink == 0) return {};
    return {static_cast<double>(total) / static_cast<double>(ink) / 255.0, static_cast<double>(x1 - x0 + 1),
            static_cast<double>(y1 - y0 + 1)};
}

ItemMeasure measure_item(const float* image, int64_t h, int64_t w) {
    std::vector<uint8_t> bytes(static_cast<size_t>(h * w));
    for (int64_t i = 0; i < h * w; ++i) {
        // The inverse of the datasets' b / 127.5 - 1, rounded and clamped.
        const double b = std::round((static_cast<double>(image[i]) + 1.0) * 127.5);
        bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(std::clamp(b, 0.0, 255.0));
    }
    return measure_item(bytes.data(), h, w);
}

bool item_has_length(int64_t label) { return label == 1 || label == 3 || label == 4; }

std::vector<std::string> item_attribute_words(const ItemMeasure& m, int64_t label, const ItemThresholds& t) {
    std::vector<std::string> words;
    if (m.brightness <= t[0]) words.push_back("dark");
    if (m.brightness >= t[1]) words.push_back("light");
    if (item_has_length(label) && m.height <= t[4]) words.push_back("short");
    if (item_has_length(label) && m.height >= t[5]) words.push_back("long");
    if (m.width <= t[2]) words.push_back("narrow");
    if (m.width >= t[3]) words.push_back("wide");
    return words;
}

const std::vector<std::string>& all_attribute_words() {
    static const std::vector<std::string> words{"dark", "light", "short", "long", "narrow", "wide"};
    return words;
}

std::optional<std::vector<ItemThresholds>> find_item_thresholds(const DataInfo& info) {
    const auto it = info.metadata.find(kItemThresholds);
    if (it == info.metadata.end()) return std::nullopt;
    GANTRY_CHECK(!it->second.empty() && it->second.size() % 6 == 0, "dataset metadata: ", kItemThresholds,
                 " must hold 6 numbers per class, got ", it->second.size());
    std::vector<ItemThresholds> out(it->second.size() / 6);
    for (size_t c = 0; c < out.size(); ++c)
        for (size_t k = 0; k < 6; ++k) out[c][k] = it->second[c * 6 + k];
    return out;
}

}  // namespace gantry::datasets
