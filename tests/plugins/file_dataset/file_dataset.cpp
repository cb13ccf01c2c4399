// SPDX-License-Identifier: Apache-2.0
// A dataset read from one file through the framework's readers: `idx: FILE` (read_idx) or
// `png: FILE` (read_png). The bad-input catalogue (tests/reliability) feeds it corrupt files and
// expects `gantry run` to stop with exit 4 and the reader's message. Samples are the file's
// values flattened into 2-D points, so the rest of a tiny experiment can train on them.
#include <algorithm>

#include "gantry/datasets/idx_file.hpp"
#include "gantry/error.hpp"
#include "gantry/io/png.hpp"
#include "gantry/plugin.hpp"

namespace {

const gantry::plugin::OptionSpec kOptions[] = {
    {"idx", gantry::plugin::OptionType::path, "\"\"", 0, 0, nullptr, "an IDX file to read"},
    {"png", gantry::plugin::OptionType::path, "\"\"", 0, 0, nullptr, "a PNG file to read"},
};

class FileDataset : public gantry::Dataset {
public:
    FileDataset(const gantry::plugin::Options& options, const gantry::plugin::Context&) {
        if (!options.get_string("idx").empty()) {
            for (const uint8_t v : gantry::datasets::read_idx(options.get_string("idx")).values)
                values_.push_back(v / 255.0f);
        } else if (!options.get_string("png").empty()) {
            const gantry::Tensor t = gantry::io::read_png(options.get_string("png"));
            values_.assign(t.data(), t.data() + t.numel());
        } else {
            throw gantry::ConfigError("file_dataset: give `idx: FILE` or `png: FILE`");
        }
        if (values_.size() < 2) throw gantry::DataError("file_dataset: fewer than 2 values");
    }

    gantry::DataInfo info() const override {
        gantry::DataInfo info;
        info.sample_shape = gantry::Shape{2};
        info.size = static_cast<int64_t>(values_.size() / 2);
        info.identity = "file_dataset";
        return info;
    }
    gantry::Batch get(const std::vector<int64_t>& indices) const override {
        gantry::Tensor out = gantry::Tensor::zeros({static_cast<int64_t>(indices.size()), 2});
        for (size_t i = 0; i < indices.size(); ++i)
            for (int64_t c = 0; c < 2; ++c) out.data()[i * 2 + c] = values_[static_cast<size_t>(indices[i] * 2 + c)];
        return {out, {}};
    }

private:
    std::vector<float> values_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "file_dataset", "0.1.0", "values of one IDX or PNG file, for the catalogue",
              kOptions, FileDataset)
