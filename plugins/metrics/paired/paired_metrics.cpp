// SPDX-License-Identifier: Apache-2.0
// paired_metrics: how close G's answers are to their targets on paired data (issue 13), and the
// same for the dataset's classical baseline (Dataset::baseline: bicubic upsampling, the mean
// image in a hole). All on [0, 1] intensities ((x + 1) / 2 of the data's [-1, 1]):
//   psnr             mean over images of 10 log10(1 / MSE), each capped at 100 dB (identical: 100)
//   ssim             mean over images (and channels) of the mean SSIM map of Wang et al. 2004:
//                    Gaussian window 11x11, sigma 1.5, K1 0.01, K2 0.03, L 1, valid positions only
//   l1_hole          mean |fake - target| inside the rectangle DataInfo::metadata["paired.hole"]
//   classifier_accuracy  the reference classifier's accuracy on fake against the pairs' classes
//   sharpness        mean gradient magnitude (|dx| + |dy|) of fake over that of the targets
//   baseline_*       each of these for baseline(condition) in place of fake
// It reads MetricContext::fake, ::condition and ::target; docs/plugins.md has the details.
#include <gantry/plugin.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gantry/eval/classifier.hpp"
#include "gantry/eval/reference_classifier.hpp"
#include "gantry/io/numbers.hpp"

namespace {
using namespace gantry;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPsnrCap = 100.0;  // dB: the PSNR of identical images (MSE 0) and of MSE < 1e-10
constexpr int kWindow = 11;
constexpr double kSigma = 1.5;
constexpr double kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;  // (K1 L)^2, (K2 L)^2 with L = 1

const plugin::OptionSpec kOptions[] = {
    eval::kClassifierOption,  // classifier_accuracy
    eval::kClassifierSha256Option,
};

/// [-1, 1] -> [0, 1].
double unit(float v) { return (static_cast<double>(v) + 1.0) / 2.0; }

double psnr(const Tensor& a, const Tensor& b) {
    const int64_t n = a.size(0), per = a.numel() / n;
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
        double se = 0;
        for (int64_t k = 0; k < per; ++k) {
            const double d = unit(a.data()[i * per + k]) - unit(b.data()[i * per + k]);
            se += d * d;
        }
        const double mse = se / static_cast<double>(per);
        total += mse < 1e-10 ? kPsnrCap : std::min(kPsnrCap, -10.0 * std::log10(mse));
    }
    return total / static_cast<double>(n);
}

std::array<double, kWindow> gaussian_window() {
    std::array<double, kWindow> w{};
    double total = 0;
    for (int i = 0; i < kWindow; ++i) {
        const double t = i - (kWindow - 1) / 2.0;
        w[static_cast<size_t>(i)] = std::exp(-t * t / (2 * kSigma * kSigma));
        total += w[static_cast<size_t>(i)];
    }
    for (double& v : w) v /= total;
    return w;
}

/// The mean SSIM of two single-channel images (h, w) on [0, 1] over the valid window positions.
double ssim_plane(const float* a, const float* b, int64_t h, int64_t w) {
    static const std::array<double, kWindow> g = gaussian_window();
    const int64_t oh = h - kWindow + 1, ow = w - kWindow + 1;
    double total = 0;
    for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
            double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
            for (int dy = 0; dy < kWindow; ++dy)
                for (int dx = 0; dx < kWindow; ++dx) {
                    const double wgt = g[static_cast<size_t>(dy)] * g[static_cast<size_t>(dx)];
                    const double va = unit(a[(y + dy) * w + x + dx]), vb = unit(b[(y + dy) * w + x + dx]);
                    ma += wgt * va, mb += wgt * vb;
                    saa += wgt * va * va, sbb += wgt * vb * vb, sab += wgt * va * vb;
                }
            const double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
            total += ((2 * ma * mb + kC1) * (2 * cov + kC2)) / ((ma * ma + mb * mb + kC1) * (va + vb + kC2));
        }
    return total / static_cast<double>(oh * ow);
}

double ssim(const Tensor& a, const Tensor& b) {
    const int64_t n = a.size(0), c = a.size(1), h = a.size(2), w = a.size(3);
    double total = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t ch = 0; ch < c; ++ch) {
            const int64_t offset = (i * c + ch) * h * w;
            total += ssim_plane(a.data() + offset, b.data() + offset, h, w);
        }
    return total / static_cast<double>(n * c);
}

/// Mean |a - b| on [0, 1] inside the rectangle {y0, x0, h, w} of every image and channel.
double l1_in(const Tensor& a, const Tensor& b, const std::vector<double>& hole) {
    const int64_t n = a.size(0), c = a.size(1), h = a.size(2), w = a.size(3);
    const auto y0 = static_cast<int64_t>(hole[0]), x0 = static_cast<int64_t>(hole[1]);
    const auto hh = static_cast<int64_t>(hole[2]), hw = static_cast<int64_t>(hole[3]);
    double total = 0;
    for (int64_t p = 0; p < n * c; ++p)
        for (int64_t y = y0; y < y0 + hh; ++y)
            for (int64_t x = x0; x < x0 + hw; ++x) {
                const int64_t k = p * h * w + y * w + x;
                total += std::fabs(unit(a.data()[k]) - unit(b.data()[k]));
            }
    return total / static_cast<double>(n * c * hh * hw);
}

/// The mean gradient magnitude (|dx| + |dy| of neighbouring pixels, on [0, 1]) of every image.
double gradient_magnitude(const Tensor& a) {
    const int64_t n = a.size(0), c = a.size(1), h = a.size(2), w = a.size(3);
    double total = 0;
    for (int64_t p = 0; p < n * c; ++p) {
        const float* plane = a.data() + p * h * w;
        for (int64_t y = 0; y + 1 < h; ++y)
            for (int64_t x = 0; x + 1 < w; ++x) {
                const double v = unit(plane[y * w + x]);
                total += std::fabs(unit(plane[y * w + x + 1]) - v) + std::fabs(unit(plane[(y + 1) * w + x]) - v);
            }
    }
    return total / static_cast<double>(n * c * (h - 1) * (w - 1));
}

class PairedMetrics final : public Metric {
public:
    PairedMetrics(const plugin::Options& o, const plugin::Context&)
        : classifier_(o) {}

    std::vector<MetricValue> evaluate(const MetricContext& c, const std::vector<std::string>& wanted) override {
        GANTRY_CHECK_AS(ConfigError, c.condition.defined() && c.target.defined(),
                        "metric plugin 'paired_metrics' (", join(wanted),
                        "): the evaluation has no pairs (MetricContext::condition and ::target are undefined); "
                        "these metrics compare G's answers with their targets and need conditional data, "
                        "e.g. data: {plugin: paired}");
        GANTRY_CHECK_AS(ShapeError, c.fake.defined() && c.fake.shape() == c.target.shape() && c.fake.rank() == 4,
                        "metric plugin 'paired_metrics': expected fake and target images of one shape (N, C, H, W), "
                        "got ", c.fake.defined() ? c.fake.shape() : Shape{}, " and ", c.target.shape());
        GANTRY_CHECK_AS(ShapeError, c.condition.size(0) == c.fake.size(0), "metric plugin 'paired_metrics': ",
                        c.fake.size(0), " samples but ", c.condition.size(0), " conditions");
        auto want = [&](const std::string& name) { return std::find(wanted.begin(), wanted.end(), name) != wanted.end(); };
        const bool any_baseline = std::any_of(wanted.begin(), wanted.end(),
                                              [](const std::string& n) { return n.rfind("baseline_", 0) == 0; });
        Tensor baseline;
        if (any_baseline) {
            GANTRY_CHECK(c.dataset != nullptr, "metric plugin 'paired_metrics': the context has no dataset");
            baseline = c.dataset->baseline(c.condition);
            GANTRY_CHECK_AS(ConfigError, baseline.defined(), "metric plugin 'paired_metrics': the dataset gives no "
                            "classical baseline for its conditions (",
                            c.data.identity.empty() ? std::string("no identity") : c.data.identity,
                            "; the paired plugin's edges transform has none); drop the baseline_* metrics");
            GANTRY_CHECK_AS(ShapeError, baseline.shape() == c.target.shape(), "metric plugin 'paired_metrics': ",
                            "the dataset's baseline has shape ", baseline.shape(), ", the targets ", c.target.shape());
        }
        const std::string n = std::to_string(c.fake.size(0));
        std::vector<MetricValue> out;
        auto add = [&](const std::string& name, double value, std::map<std::string, std::string> details) {
            details["n"] = n;
            details["scale"] = "[0, 1]";
            out.push_back({name, value, std::move(details)});
        };
        for (const bool base : {false, true}) {
            if (base && !baseline.defined()) continue;
            const Tensor& x = base ? baseline : c.fake;
            const std::string prefix = base ? "baseline_" : "";
            if (want(prefix + "psnr")) add(prefix + "psnr", psnr(x, c.target), {{"cap_db", io::format_double(kPsnrCap)}});
            if (want(prefix + "ssim")) {
                GANTRY_CHECK_AS(ShapeError, c.target.size(2) >= kWindow && c.target.size(3) >= kWindow,
                                "metric plugin 'paired_metrics': ssim needs images of at least 11x11 (its Gaussian "
                                "window), got ", c.target.shape());
                add(prefix + "ssim", ssim(x, c.target), {{"window", "gaussian 11 sigma 1.5"}});
            }
            if (want(prefix + "l1_hole")) {
                const auto it = c.data.metadata.find("paired.hole");
                GANTRY_CHECK_AS(ConfigError, it != c.data.metadata.end() && it->second.size() == 4,
                                "metric plugin 'paired_metrics': ", prefix, "l1_hole needs a hole declared by the "
                                "data (metadata paired.hole = {y0, x0, h, w}: data: {plugin: paired, transform: mask})");
                const std::vector<double>& hole = it->second;
                GANTRY_CHECK_AS(DataError, hole[0] >= 0 && hole[1] >= 0 && hole[2] >= 1 && hole[3] >= 1 &&
                                               hole[0] + hole[2] <= static_cast<double>(c.target.size(2)) &&
                                               hole[1] + hole[3] <= static_cast<double>(c.target.size(3)),
                                "metric plugin 'paired_metrics': the data's paired.hole {", hole[0], ", ", hole[1], ", ",
                                hole[2], ", ", hole[3], "} is not inside the images ", c.target.shape());
                add(prefix + "l1_hole", l1_in(x, c.target, hole),
                    {{"hole", io::format_double(hole[0]) + "," + io::format_double(hole[1]) + "," +
                                  io::format_double(hole[2]) + "," + io::format_double(hole[3])}});
            }
            if (want(prefix + "sharpness")) {
                // Mathieu et al. 2016 (arXiv:1511.05440) measure sharpness by image gradients;
                // as a ratio to the targets' it reads directly: 1 as sharp as the truth, < 1
                // blurrier (the mean of an L2 prediction), > 1 noisier.
                const double truth = gradient_magnitude(c.target);
                GANTRY_CHECK_AS(DataError, truth > 0, "metric plugin 'paired_metrics': ", prefix,
                                "sharpness: the targets are flat (no gradient), so no ratio to them exists");
                add(prefix + "sharpness", gradient_magnitude(x) / truth,
                    {{"measure", "mean |dx|+|dy| / the targets'"}, {"target_gradient", io::format_double(truth)}});
            }
            if (want(prefix + "classifier_accuracy")) add(prefix + "classifier_accuracy", accuracy(c, x), {{"classifier_sha256", classifier_.sha256()}});
        }
        return out;
    }

private:
    static std::string join(const std::vector<std::string>& names) {
        std::string s;
        for (const std::string& name : names) s += (s.empty() ? "" : ", ") + name;
        return s;
    }

    double accuracy(const MetricContext& c, const Tensor& x) {
        GANTRY_CHECK_AS(ConfigError, c.fake_labels.defined() && c.fake_labels.numel() == x.size(0),
                        "metric plugin 'paired_metrics': classifier_accuracy needs the pairs' classes "
                        "(MetricContext::fake_labels); the data has no labels");
        GANTRY_CHECK_AS(ShapeError, x.rank() == 4 && x.size(1) == 1 && x.size(2) == 28 && x.size(3) == 28,
                        "metric plugin 'paired_metrics': classifier_accuracy: the reference classifier takes 28x28 "
                        "grey images (N, 1, 28, 28), got ", x.shape());
        std::vector<int64_t> labels(static_cast<size_t>(x.size(0)));
        for (size_t i = 0; i < labels.size(); ++i) labels[i] = std::lround(c.fake_labels.data()[i]);
        return eval::classifier_accuracy(classifier_.get(), x, labels);
    }

    eval::ReferenceClassifier classifier_;
};
}  // namespace

GANTRY_METRIC_PLUGIN("paired_metrics", "1.0.0",
                     "psnr, ssim, l1 in the hole, sharpness and classifier accuracy of G's answers against their targets, "
                     "and of the dataset's classical baseline (baseline_*)",
                     kOptions,
                     "psnr,ssim,l1_hole,classifier_accuracy,baseline_psnr,baseline_ssim,baseline_l1_hole,"
                     "baseline_classifier_accuracy,sharpness,baseline_sharpness",
                     PairedMetrics)
