// SPDX-License-Identifier: Apache-2.0
// synthetic_images: square images of uniform noise in [-1, 1], with no file behind them. A
// stand-in dataset of any image shape for timing (`gantry bench dcgan64` trains on 512 of them,
// as shared/perf/torch_gan_bench.py's dcgan64 does on torch.rand(512, 3, 64, 64) * 2 - 1) and for
// tests. Sample i is a pure function of (seed, i), drawn from its own Philox stream when asked
// for: nothing is held in memory, and a batch costs one uniform draw per pixel.
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace {

using namespace gantry;

const double kNaN = std::nan("");
constexpr uint64_t kStreamBase = uint64_t{0x7379} << 40;  // apart from the trainer's streams

const plugin::OptionSpec kOptions[] = {
    {"size", plugin::OptionType::integer, "64", 1, 4096, nullptr, "side of the square images"},
    {"channels", plugin::OptionType::integer, "3", 1, 64, nullptr, "channels of each image"},
    {"samples", plugin::OptionType::integer, "512", 1, 1e9, nullptr, "images in one epoch"},
};

class SyntheticImages final : public Dataset {
public:
    SyntheticImages(const plugin::Options& o, const plugin::Context& context)
        : seed_(context.seed),
          shape_{o.get_int("channels"), o.get_int("size"), o.get_int("size")},
          samples_(o.get_int("samples")) {
        std::ostringstream id;
        id << "synthetic_images:" << shape_[0] << "x" << shape_[1] << "x" << shape_[2] << ":"
           << samples_ << ":" << seed_;
        identity_ = id.str();
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = shape_;
        info.size = samples_;
        info.images = true;
        info.identity = identity_;
        return info;
    }

    Batch get(const std::vector<int64_t>& indices) const override {
        const int64_t per = shape_.numel();
        std::vector<int64_t> dims = {static_cast<int64_t>(indices.size())};
        for (int64_t d : shape_.dims()) dims.push_back(d);
        Batch batch;
        batch.x = Tensor::empty(Shape(dims));
        for (size_t i = 0; i < indices.size(); ++i) {
            GANTRY_CHECK(indices[i] >= 0 && indices[i] < samples_, "synthetic_images: index ",
                         indices[i], " is outside [0, ", samples_, ")");
            Rng rng(seed_, kStreamBase + static_cast<uint64_t>(indices[i]));
            const Tensor image = rng.uniform(shape_, -1.f, 1.f);
            std::copy_n(image.data(), per, batch.x.data() + static_cast<int64_t>(i) * per);
        }
        return batch;
    }

private:
    uint64_t seed_;
    Shape shape_;
    int64_t samples_;
    std::string identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "synthetic_images", "1.0.0",
              "square images of uniform noise in [-1, 1], no files (for benchmarks and tests)",
              kOptions, SyntheticImages)
