// SPDX-License-Identifier: Apache-2.0
// paired: (condition, target) pairs for image-to-image models (issue 13: SRGAN, Ledig et al. 2017,
// arXiv:1609.04802; pix2pix, Isola et al. 2017, arXiv:1611.07004), made from MNIST-format (IDX)
// images — Fashion-MNIST by default, read like the `idx` plugin. The target x is the image in
// [-1, 1]; the labels its class; the condition is made from the image by `transform`:
//   downsample  area downsampling by `factor` (the mean of each factor x factor block): (1, H/f, W/f)
//   edges       a Sobel edge map thresholded to a line drawing, black lines (-1) on white (+1)
//   mask        the image with a centred `hole` x `hole` square set to 0, plus a second channel
//               that is 1 inside the hole and 0 outside: (2, H, W)
// baseline(condition): bicubic upsampling (Keys 1981, a = -0.5) for downsample, the training mean
// image in the hole for mask, none (undefined) for edges. docs/plugins.md has the details.
#include <gantry/datasets/condition.hpp>
#include <gantry/datasets/idx_file.hpp>
#include <gantry/datasets/idx_source.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>

namespace {

using namespace gantry;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr auto kOptions = datasets::join_options(
    datasets::kIdxSourceOptions,
    std::array<plugin::OptionSpec, 5>{{
        {"limit", plugin::OptionType::integer, "0", 0, 1e9, nullptr,
         "use only the first N samples; 0 = all"},
        {"transform", plugin::OptionType::string, "downsample", kNaN, kNaN, "downsample|edges|mask",
         "how the condition is made from the image: low resolution, a line drawing, a hidden square"},
        {"factor", plugin::OptionType::integer, "4", 2, 14, nullptr,
         "downsample: the side of the averaged blocks (2: 28 -> 14, 4: 28 -> 7); must divide the image side"},
        {"threshold", plugin::OptionType::number, "0.25", 0.001, 1.5, nullptr,
         "edges: a pixel is a line where the Sobel magnitude / 4 on [0, 1] intensities exceeds this"},
        {"hole", plugin::OptionType::integer, "12", 1, 4096, nullptr, "mask: side of the hidden centred square"},
    }});

enum class Transform { downsample, edges, mask };

/// The bicubic convolution kernel of Keys 1981 with a = -0.5 (MATLAB's imresize, PIL).
double cubic(double t) {
    constexpr double a = -0.5;
    t = std::fabs(t);
    if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
    if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
    return 0;
}

class Paired final : public Dataset {
public:
    // The paths are `path` options: the host hands them over absolute.
    Paired(const plugin::Options& o, const plugin::Context&) {
        datasets::IdxSource images =
            datasets::read_idx_source(o, {.plugin = "paired", .limit = o.get_int("limit")});
        size_ = images.count;
        height_ = images.height;
        width_ = images.width;
        classes_ = images.classes;
        labels_ = std::move(images.labels);
        const std::string transform = o.get_string("transform");
        transform_ = transform == "downsample" ? Transform::downsample
                     : transform == "edges"    ? Transform::edges
                                               : Transform::mask;
        factor_ = o.get_int("factor");
        threshold_ = static_cast<float>(o.get_number("threshold"));
        hole_ = o.get_int("hole");
        std::ostringstream params;
        switch (transform_) {
            case Transform::downsample:
                GANTRY_CHECK_AS(ConfigError, height_ % factor_ == 0 && width_ % factor_ == 0,
                                "paired: data.factor ", factor_, " does not divide the images' size ", height_,
                                "x", width_, " (", images.images_path, "); for 28x28 use 2, 4, 7 or 14");
                params << "downsample:" << factor_;
                break;
            case Transform::edges:
                params << "edges:" << threshold_;
                break;
            case Transform::mask:
                GANTRY_CHECK_AS(ConfigError, hole_ <= height_ && hole_ <= width_, "paired: data.hole ", hole_,
                                " is larger than the images (", height_, "x", width_, ", ",
                                images.images_path, ")");
                hole_y0_ = (height_ - hole_) / 2;
                hole_x0_ = (width_ - hole_) / 2;
                params << "mask:" << hole_;
                // The fill of the baseline: the mean image of the training split (the whole file,
                // whatever the limit), so that the test split's baseline never sees test images;
                // with explicit files, the mean of the images file itself.
                mean_image_ = mean_of(mean_source(o, images));
                break;
        }

        pixels_ = std::move(images.pixels);
        identity_ = "paired:" + images.identity + ":" + params.str();
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{1, height_, width_};
        info.size = size_;
        info.classes = classes_;
        info.images = true;
        info.identity = identity_;
        datasets::set_condition_shape(info, condition_shape());
        if (transform_ == Transform::mask)
            info.metadata["paired.hole"] = {static_cast<double>(hole_y0_), static_cast<double>(hole_x0_),
                                            static_cast<double>(hole_), static_cast<double>(hole_)};
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
            const uint8_t* src = image(indices[static_cast<size_t>(i)]);
            for (int64_t k = 0; k < per; ++k) x[i * per + k] = to_unit(src[k]);
            if (!labels_.empty())
                batch.labels.data()[i] = static_cast<float>(labels_[static_cast<size_t>(indices[static_cast<size_t>(i)])]);
        }
        return batch;
    }

    Tensor condition(const std::vector<int64_t>& indices) const override {
        const Shape shape = condition_shape();
        const int64_t n = static_cast<int64_t>(indices.size());
        Tensor out = Tensor::empty({n, shape[0], shape[1], shape[2]});
        const int64_t per = shape.numel();
        for (int64_t i = 0; i < n; ++i) {
            const uint8_t* src = image(indices[static_cast<size_t>(i)]);
            float* dst = out.data() + i * per;
            switch (transform_) {
                case Transform::downsample: downsample(src, dst); break;
                case Transform::edges: edges(src, dst); break;
                case Transform::mask: mask(src, dst); break;
            }
        }
        return out;
    }

    Tensor baseline(const Tensor& condition) const override {
        if (transform_ == Transform::edges) return {};  // a line drawing has no classical inverse
        const Shape shape = condition_shape();
        GANTRY_CHECK_AS(ShapeError,
                        condition.rank() == 4 && condition.size(1) == shape[0] && condition.size(2) == shape[1] &&
                            condition.size(3) == shape[2],
                        "paired: baseline: expected conditions (N, ", shape[0], ", ", shape[1], ", ", shape[2],
                        "), got ", condition.shape());
        const int64_t n = condition.size(0);
        const int64_t per = height_ * width_;
        Tensor out = Tensor::empty({n, 1, height_, width_});
        for (int64_t i = 0; i < n; ++i) {
            const float* c = condition.data() + i * shape.numel();
            float* dst = out.data() + i * per;
            if (transform_ == Transform::downsample) {
                upsample_bicubic(c, dst);
            } else {
                // The masked image where the mask channel is 0, the mean image where it is 1.
                for (int64_t k = 0; k < per; ++k) {
                    const float m = c[per + k];
                    dst[k] = (1.f - m) * c[k] + m * mean_image_[static_cast<size_t>(k)];
                }
            }
        }
        return out;
    }

private:
    static float to_unit(uint8_t v) { return static_cast<float>(v) / 127.5f - 1.f; }

    const uint8_t* image(int64_t index) const {
        GANTRY_CHECK(index >= 0 && index < size_, "paired: index ", index, " is outside [0, ", size_, ")");
        return pixels_.data() + index * height_ * width_;
    }

    Shape condition_shape() const {
        switch (transform_) {
            case Transform::downsample: return Shape{1, height_ / factor_, width_ / factor_};
            case Transform::edges: return Shape{1, height_, width_};
            case Transform::mask: break;
        }
        return Shape{2, height_, width_};
    }

    /// The images whose mean fills the hole: the whole training split (whatever the limit), so that
    /// the test split's baseline never sees test images; with explicit files, the images file.
    datasets::IdxArray mean_source(const plugin::Options& o, const datasets::IdxSource& read) const {
        const std::string path = o.get_string("images").empty()
                                     ? datasets::idx_images_file(o.get_string("root"), "train")
                                     : read.images_path;
        datasets::IdxArray all = datasets::read_idx(path);
        GANTRY_CHECK_AS(DataError, all.dims.size() == 3 && all.dims[1] == height_ && all.dims[2] == width_,
                        "paired: the images of the hole's mean fill, ", path, ", are not ", height_, "x",
                        width_, " images like ", read.images_path);
        return all;
    }

    /// The mean of every image of `images`, in [-1, 1].
    std::vector<float> mean_of(const datasets::IdxArray& images) const {
        const int64_t per = height_ * width_;
        const int64_t count = images.dims[0];
        std::vector<double> sum(static_cast<size_t>(per), 0.0);
        for (int64_t i = 0; i < count; ++i)
            for (int64_t k = 0; k < per; ++k) sum[static_cast<size_t>(k)] += images.values[static_cast<size_t>(i * per + k)];
        std::vector<float> mean(static_cast<size_t>(per));
        for (int64_t k = 0; k < per; ++k)
            mean[static_cast<size_t>(k)] = static_cast<float>(sum[static_cast<size_t>(k)] / static_cast<double>(count) / 127.5 - 1.0);
        return mean;
    }

    void downsample(const uint8_t* src, float* dst) const {
        const int64_t h = height_ / factor_, w = width_ / factor_;
        for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x) {
                int64_t total = 0;
                for (int64_t dy = 0; dy < factor_; ++dy)
                    for (int64_t dx = 0; dx < factor_; ++dx) total += src[(y * factor_ + dy) * width_ + x * factor_ + dx];
                dst[y * w + x] = static_cast<float>(static_cast<double>(total) / static_cast<double>(factor_ * factor_) / 127.5 - 1.0);
            }
    }

    void edges(const uint8_t* src, float* dst) const {
        // Sobel on [0, 1] intensities with the border replicated; |grad| / 4 is 1 across a full
        // 0 -> 1 step edge.
        auto at = [&](int64_t y, int64_t x) {
            y = std::clamp<int64_t>(y, 0, height_ - 1);
            x = std::clamp<int64_t>(x, 0, width_ - 1);
            return static_cast<double>(src[y * width_ + x]) / 255.0;
        };
        for (int64_t y = 0; y < height_; ++y)
            for (int64_t x = 0; x < width_; ++x) {
                const double gx = (at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1)) -
                                  (at(y - 1, x - 1) + 2 * at(y, x - 1) + at(y + 1, x - 1));
                const double gy = (at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1)) -
                                  (at(y - 1, x - 1) + 2 * at(y - 1, x) + at(y - 1, x + 1));
                const double magnitude = std::sqrt(gx * gx + gy * gy) / 4.0;
                dst[y * width_ + x] = magnitude > threshold_ ? -1.f : 1.f;  // black line on white
            }
    }

    void mask(const uint8_t* src, float* dst) const {
        const int64_t per = height_ * width_;
        for (int64_t y = 0; y < height_; ++y)
            for (int64_t x = 0; x < width_; ++x) {
                const bool hidden = y >= hole_y0_ && y < hole_y0_ + hole_ && x >= hole_x0_ && x < hole_x0_ + hole_;
                dst[y * width_ + x] = hidden ? 0.f : to_unit(src[y * width_ + x]);
                dst[per + y * width_ + x] = hidden ? 1.f : 0.f;
            }
    }

    /// Bicubic upsampling by factor_, pixel centres aligned (source coordinate (d + 0.5) / f - 0.5),
    /// the border replicated, the result clamped to [-1, 1].
    void upsample_bicubic(const float* src, float* dst) const {
        const int64_t h = height_ / factor_, w = width_ / factor_;
        // Separable: the 4 taps and weights of each output row and column.
        auto taps = [&](int64_t out, int64_t in_size, std::array<int64_t, 4>& index, std::array<double, 4>& weight) {
            const double s = (static_cast<double>(out) + 0.5) / static_cast<double>(factor_) - 0.5;
            const auto base = static_cast<int64_t>(std::floor(s)) - 1;
            double total = 0;
            for (int k = 0; k < 4; ++k) {
                index[static_cast<size_t>(k)] = std::clamp<int64_t>(base + k, 0, in_size - 1);
                weight[static_cast<size_t>(k)] = cubic(s - static_cast<double>(base + k));
                total += weight[static_cast<size_t>(k)];
            }
            for (double& v : weight) v /= total;
        };
        std::vector<double> rows(static_cast<size_t>(height_ * w));  // vertical pass: (H, w)
        for (int64_t y = 0; y < height_; ++y) {
            std::array<int64_t, 4> iy{};
            std::array<double, 4> wy{};
            taps(y, h, iy, wy);
            for (int64_t x = 0; x < w; ++x) {
                double v = 0;
                for (size_t k = 0; k < 4; ++k) v += wy[k] * src[iy[k] * w + x];
                rows[static_cast<size_t>(y * w + x)] = v;
            }
        }
        for (int64_t x = 0; x < width_; ++x) {
            std::array<int64_t, 4> ix{};
            std::array<double, 4> wx{};
            taps(x, w, ix, wx);
            for (int64_t y = 0; y < height_; ++y) {
                double v = 0;
                for (size_t k = 0; k < 4; ++k) v += wx[k] * rows[static_cast<size_t>(y * w + ix[k])];
                dst[y * width_ + x] = static_cast<float>(std::clamp(v, -1.0, 1.0));
            }
        }
    }

    Transform transform_ = Transform::downsample;
    int64_t size_ = 0;
    int64_t height_ = 0;
    int64_t width_ = 0;
    int64_t classes_ = 0;
    int64_t factor_ = 4;
    float threshold_ = 0.25f;
    int64_t hole_ = 12;
    int64_t hole_y0_ = 0;
    int64_t hole_x0_ = 0;
    std::vector<float> mean_image_;
    std::vector<uint8_t> pixels_;
    std::vector<uint8_t> labels_;
    std::string identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "paired", "1.0.0",
              "(condition, target) pairs from IDX images: downsample (super-resolution), edges (sketch to "
              "image), mask (inpainting); Fashion-MNIST by default",
              kOptions, Paired)
