// SPDX-License-Identifier: Apache-2.0
// moving_fashion: next-frame prediction data (issue 14; Lotter, Kreiman, Cox 2015,
// arXiv:1511.06380; Mathieu, Couprie, LeCun 2016, arXiv:1511.05440). Moving MNIST's recipe
// (Srivastava et al. 2015, arXiv:1502.04681) with Fashion-MNIST items: `items` 28x28 images of the
// split move on a black `canvas` x `canvas` frame at `speed` pixels per frame in a random
// direction, bouncing off the walls; where items overlap the brighter pixel wins. Every sequence
// is a function of (seed, split, sequence number) alone, so the data is the same for every
// training seed and any sample can be drawn without the ones before it.
//
// The condition is the previous `context` frames stacked as channels, the sample the frame that
// follows (datasets/sequence.hpp has the layout); baseline(condition) is the last frame copied,
// the classical "nothing moves" prediction every learned model must beat.
//
// With `folder`, the sequences are a user's PNG frames instead: one sub-directory per sequence,
// frames sorted by file name, every frame of one size and channel count; each sequence gives its
// first `length` frames.
#include <gantry/datasets/condition.hpp>
#include <gantry/datasets/idx_source.hpp>
#include <gantry/datasets/sequence.hpp>
#include <gantry/io/png.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numbers>
#include <sstream>
#include <system_error>

namespace {

using namespace gantry;
namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kItemSide = 28;

constexpr auto kOptions = datasets::join_options(
    datasets::kIdxImagesOptions,
    std::array<plugin::OptionSpec, 8>{{
        {"folder", plugin::OptionType::path, "", kNaN, kNaN, nullptr,
         "a directory of sequences to read instead of generating them: one sub-directory of PNG "
         "frames (sorted by name) per sequence"},
        {"sequences", plugin::OptionType::integer, "10000", 1, 1e7, nullptr,
         "generated sequences (each gives `length` - `context` samples)"},
        {"length", plugin::OptionType::integer, "10", 2, 1000, nullptr,
         "frames per sequence: `context` to condition on, then the frames to predict"},
        {"context", plugin::OptionType::integer, "2", 1, 16, nullptr,
         "previous frames in a condition (its channels)"},
        {"canvas", plugin::OptionType::integer, "48", 28, 256, nullptr, "side of a generated frame"},
        {"items", plugin::OptionType::integer, "1", 1, 4, nullptr, "moving items per generated sequence"},
        {"speed", plugin::OptionType::number, "3", 0, 64, nullptr, "pixels per frame an item moves"},
        {"seed", plugin::OptionType::integer, "0", 0, 9.007199254740992e15, nullptr,
         "the generated sequences' seed (the same data for every training seed)"},
    }});

/// One item's path: its image and its top-left corner in every frame.
struct Track {
    int64_t item = 0;
    std::vector<int32_t> x, y;
};

/// Moves one coordinate by `v` within [0, max], reflecting off both walls.
void bounce(double& p, double& v, double max) {
    p += v;
    // A speed above the free span could cross it more than once: reflect until inside.
    while (p < 0 || p > max) {
        if (p < 0) p = -p;
        if (p > max) p = 2 * max - p;
        v = -v;
    }
}

class MovingFashion final : public Dataset {
public:
    // The paths are `path` options: the host hands them over absolute.
    MovingFashion(const plugin::Options& o, const plugin::Context&) {
        length_ = o.get_int("length");
        context_ = o.get_int("context");
        GANTRY_CHECK_AS(ConfigError, context_ < length_, "moving_fashion: data.context (", context_,
                        ") must be less than data.length (", length_,
                        "): a sequence needs a frame to predict after its context");
        steps_ = length_ - context_;
        std::ostringstream id;
        if (!o.get_string("folder").empty()) {
            read_folder(o.get_string("folder"));
            id << "moving_fashion:folder=" << folder_identity_;
        } else {
            generate(o);
            id << "moving_fashion:" << source_identity_ << ":sequences=" << sequences_ << ":canvas=" << height_
               << ":items=" << o.get_int("items") << ":speed=" << o.get_number("speed") << ":seed=" << o.get_int("seed");
        }
        id << ":length=" << length_ << ":context=" << context_;
        identity_ = id.str();
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{channels_, height_, width_};
        info.size = sequences_ * steps_;
        info.images = true;
        info.identity = identity_;
        datasets::set_condition_shape(info, Shape{context_ * channels_, height_, width_});
        datasets::set_sequence_layout(info, {.context = context_, .steps = steps_});
        return info;
    }

    Batch get(const std::vector<int64_t>& indices) const override {
        const int64_t n = static_cast<int64_t>(indices.size());
        const int64_t per = frame_size();
        Batch batch;
        batch.x = Tensor::empty({n, channels_, height_, width_});
        for (int64_t i = 0; i < n; ++i) {
            const auto [sequence, step] = locate(indices[static_cast<size_t>(i)]);
            render(sequence, step + context_, batch.x.data() + i * per);
        }
        return batch;
    }

    Tensor condition(const std::vector<int64_t>& indices) const override {
        const int64_t n = static_cast<int64_t>(indices.size());
        const int64_t per = frame_size();
        Tensor out = Tensor::empty({n, context_ * channels_, height_, width_});
        for (int64_t i = 0; i < n; ++i) {
            const auto [sequence, step] = locate(indices[static_cast<size_t>(i)]);
            for (int64_t f = 0; f < context_; ++f) render(sequence, step + f, out.data() + (i * context_ + f) * per);
        }
        return out;
    }

    /// Copy the last frame: the prediction of a world where nothing moves.
    Tensor baseline(const Tensor& condition) const override {
        GANTRY_CHECK_AS(ShapeError,
                        condition.rank() == 4 && condition.size(1) == context_ * channels_ &&
                            condition.size(2) == height_ && condition.size(3) == width_,
                        "moving_fashion: baseline: expected conditions (N, ", context_ * channels_, ", ", height_,
                        ", ", width_, "), got ", condition.shape());
        const int64_t n = condition.size(0);
        const int64_t per = frame_size();
        Tensor out = Tensor::empty({n, channels_, height_, width_});
        for (int64_t i = 0; i < n; ++i) {
            const float* last = condition.data() + (i * context_ + context_ - 1) * per;
            std::copy(last, last + per, out.data() + i * per);
        }
        return out;
    }

private:
    int64_t frame_size() const { return channels_ * height_ * width_; }

    std::pair<int64_t, int64_t> locate(int64_t index) const {
        GANTRY_CHECK(index >= 0 && index < sequences_ * steps_, "moving_fashion: index ", index, " is outside [0, ",
                     sequences_ * steps_, ")");
        return {index / steps_, index % steps_};
    }

    /// Frame `t` of sequence `s`, in [-1, 1].
    void render(int64_t s, int64_t t, float* dst) const {
        const int64_t per = frame_size();
        if (!frames_.empty()) {
            const uint8_t* src = frames_.data() + (s * length_ + t) * per;
            for (int64_t k = 0; k < per; ++k) dst[k] = static_cast<float>(src[k]) / 127.5f - 1.f;
            return;
        }
        std::vector<uint8_t> canvas(static_cast<size_t>(per), 0);
        for (const Track& track : tracks_[static_cast<size_t>(s)]) {
            const uint8_t* item = items_.data() + track.item * kItemSide * kItemSide;
            const int64_t x0 = track.x[static_cast<size_t>(t)], y0 = track.y[static_cast<size_t>(t)];
            for (int64_t y = 0; y < kItemSide; ++y)
                for (int64_t x = 0; x < kItemSide; ++x) {
                    uint8_t& pixel = canvas[static_cast<size_t>((y0 + y) * width_ + x0 + x)];
                    pixel = std::max(pixel, item[y * kItemSide + x]);
                }
        }
        for (int64_t k = 0; k < per; ++k) dst[k] = static_cast<float>(canvas[static_cast<size_t>(k)]) / 127.5f - 1.f;
    }

    void generate(const plugin::Options& o) {
        datasets::IdxSource source = datasets::read_idx_source(o, {.plugin = "moving_fashion", .labelled = false});
        GANTRY_CHECK_AS(DataError, source.height == kItemSide && source.width == kItemSide, "moving_fashion: ",
                        source.images_path, " holds ", source.height, "x", source.width, " images; the items must be ",
                        kItemSide, "x", kItemSide, " (MNIST-format), or give a `folder` of frames");
        GANTRY_CHECK_AS(DataError, source.count > 0, "moving_fashion: ", source.images_path, " holds no images");
        items_ = std::move(source.pixels);
        source_identity_ = source.identity;
        channels_ = 1;
        height_ = width_ = o.get_int("canvas");
        sequences_ = o.get_int("sequences");
        const int64_t items = o.get_int("items");
        const double speed = o.get_number("speed");
        const double span = static_cast<double>(height_ - kItemSide);
        // One Philox stream per sequence; the test split's streams are disjoint from the train's.
        const uint64_t split_streams = o.get_string("split") == "test" ? uint64_t{1} << 40 : 0;
        tracks_.resize(static_cast<size_t>(sequences_));
        for (int64_t s = 0; s < sequences_; ++s) {
            Rng rng(static_cast<uint64_t>(o.get_int("seed")), split_streams + static_cast<uint64_t>(s));
            for (int64_t j = 0; j < items; ++j) {
                Track track;
                track.item = static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(source.count)));
                double x = rng.next_double() * span, y = rng.next_double() * span;
                const double angle = rng.next_double() * 2 * std::numbers::pi;
                double vx = speed * std::cos(angle), vy = speed * std::sin(angle);
                for (int64_t t = 0; t < length_; ++t) {
                    track.x.push_back(static_cast<int32_t>(std::lround(x)));
                    track.y.push_back(static_cast<int32_t>(std::lround(y)));
                    bounce(x, vx, span);
                    bounce(y, vy, span);
                }
                tracks_[static_cast<size_t>(s)].push_back(std::move(track));
            }
        }
    }

    static bool is_png(const fs::path& p) {
        std::string ext = p.extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
        return ext == ".png";
    }

    void read_folder(const fs::path& root) {
        std::error_code ec;
        GANTRY_CHECK_AS(DataError, fs::is_directory(root, ec), "moving_fashion: data.folder ", root.string(),
                        " is not a directory");
        std::vector<fs::path> sequences;
        for (const auto& entry : fs::directory_iterator(root, ec))
            if (entry.is_directory()) sequences.push_back(entry.path());
        GANTRY_CHECK_AS(DataError, !ec, "moving_fashion: cannot list ", root.string(), ": ", ec.message());
        GANTRY_CHECK_AS(DataError, !sequences.empty(), "moving_fashion: ", root.string(),
                        " holds no sequence: expected one sub-directory of PNG frames per sequence");
        std::sort(sequences.begin(), sequences.end());
        std::string first_frame;
        for (const fs::path& dir : sequences) {
            std::vector<fs::path> frames;
            for (const auto& entry : fs::directory_iterator(dir, ec))
                if (entry.is_regular_file() && is_png(entry.path())) frames.push_back(entry.path());
            std::sort(frames.begin(), frames.end());
            GANTRY_CHECK_AS(DataError, static_cast<int64_t>(frames.size()) >= length_, "moving_fashion: ",
                            dir.string(), " holds ", frames.size(), " PNG frames; every sequence needs data.length = ",
                            length_, " (lower data.length, or remove the short sequence)");
            for (int64_t t = 0; t < length_; ++t) {
                const fs::path& file = frames[static_cast<size_t>(t)];
                io::Image image = io::read_png_image(file);
                if (first_frame.empty()) {
                    first_frame = file.string();
                    channels_ = image.channels;
                    height_ = image.height;
                    width_ = image.width;
                }
                GANTRY_CHECK_AS(DataError,
                                image.channels == channels_ && image.height == height_ && image.width == width_,
                                "moving_fashion: ", file.string(), " is ", image.width, "x", image.height, " with ",
                                image.channels, " channel(s), but ", first_frame, " is ", width_, "x", height_, " with ",
                                channels_, " channel(s); every frame must have one size");
                const std::vector<uint8_t> planar = io::planar_pixels(image);
                frames_.insert(frames_.end(), planar.begin(), planar.end());
            }
        }
        sequences_ = static_cast<int64_t>(sequences.size());
        std::ostringstream id;
        id << fs::weakly_canonical(root, ec).string() << "(" << sequences_ << " sequences of " << width_ << "x"
           << height_ << "x" << channels_ << ")";
        folder_identity_ = id.str();
    }

    int64_t length_ = 0, context_ = 0, steps_ = 0;
    int64_t sequences_ = 0, channels_ = 1, height_ = 0, width_ = 0;
    std::vector<uint8_t> items_;              // generated: the split's 28x28 items
    std::vector<std::vector<Track>> tracks_;  // generated: per sequence, per item
    std::vector<uint8_t> frames_;             // folder: sequence x length x (C, H, W) bytes
    std::string source_identity_, folder_identity_, identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "moving_fashion", "1.0.0",
              "next-frame prediction: Fashion-MNIST items moving and bouncing on a canvas (Moving MNIST's "
              "recipe), or a folder of PNG frame sequences; the condition is the previous frames",
              kOptions, MovingFashion)
