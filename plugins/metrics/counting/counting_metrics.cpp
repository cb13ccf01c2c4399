// SPDX-License-Identifier: Apache-2.0
// counting_metrics: do generated images hold as many objects as the data's? Objects are the
// connected components (8-neighbourhood) of the pixels above `threshold` (the channel mean, in the
// data's scale), ignoring components smaller than `min_area` pixels (specks). Over the generated
// images and as many real images (drawn from the dataset with the evaluation seed):
//   count_tv          total variation distance between the two count histograms, in [0, 1]
//                     (0: the same distribution; details.floor: the same number between two
//                     disjoint real samples of that size, the distance sampling alone gives);
//   count_impossible  share of generated images whose count never occurs in the data: probability
//                     0 under the dataset's declared distribution (DataInfo metadata
//                     "counting.distribution", the counting dataset's), else absent from the
//                     real sample;
//   count_mean        mean count of the generated images (details: real_mean).
// The histograms themselves are in the details (fake_hist, real_hist: "count:images ...").
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace {
using namespace gantry;

constexpr uint64_t kRealStream = uint64_t{0x636d} << 40;

const plugin::OptionSpec kOptions[] = {
    {"threshold", plugin::OptionType::number, "0", -1e6, 1e6, nullptr,
     "a pixel is part of an object above this value (the data's scale: 0 halves [-1, 1])"},
    {"min_area", plugin::OptionType::integer, "4", 1, 1e6, nullptr,
     "components with fewer pixels are specks, not objects"},
};

using Histogram = std::map<int64_t, int64_t>;

std::string text(const Histogram& h) {
    std::ostringstream s;
    for (const auto& [count, images] : h) s << (s.tellp() > 0 ? " " : "") << count << ":" << images;
    return s.str();
}

double total_variation(const Histogram& a, int64_t na, const Histogram& b, int64_t nb) {
    std::map<int64_t, double> diff;
    for (const auto& [k, v] : a) diff[k] += static_cast<double>(v) / static_cast<double>(na);
    for (const auto& [k, v] : b) diff[k] -= static_cast<double>(v) / static_cast<double>(nb);
    double tv = 0;
    for (const auto& [k, d] : diff) tv += std::abs(d);
    return 0.5 * tv;
}

class CountingMetrics final : public Metric {
public:
    CountingMetrics(const plugin::Options& o, const plugin::Context&)
        : threshold_(o.get_number("threshold")), min_area_(o.get_int("min_area")) {}

    std::vector<MetricValue> evaluate(const MetricContext& c,
                                      const std::vector<std::string>& wanted) override {
        GANTRY_CHECK_AS(ShapeError, c.fake.rank() == 4,
                        "counting metrics: samples must be images (N, C, H, W), got ", c.fake.shape());
        GANTRY_CHECK(c.dataset != nullptr, "counting metrics need the real dataset");
        const int64_t n = c.fake.size(0);
        GANTRY_CHECK(n > 0, "counting metrics: no generated images");
        const Histogram fake = histogram(c.fake);
        // Two disjoint real samples of n images each (fewer when the data is smaller): the first
        // is the reference, the second gives the floor.
        const int64_t size = c.data.size;
        const int64_t n_real = std::min(n, size / 2);
        GANTRY_CHECK(n_real > 0, "counting metrics: the dataset has fewer than 2 images");
        std::vector<int64_t> order(static_cast<size_t>(size));
        for (int64_t i = 0; i < size; ++i) order[static_cast<size_t>(i)] = i;
        Rng rng(c.seed, kRealStream);
        for (int64_t i = 0; i < 2 * n_real; ++i)  // partial Fisher-Yates: 2 n_real distinct indices
            std::swap(order[static_cast<size_t>(i)],
                      order[static_cast<size_t>(i + static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(size - i))))]);
        const std::vector<int64_t> first(order.begin(), order.begin() + n_real);
        const std::vector<int64_t> second(order.begin() + n_real, order.begin() + 2 * n_real);
        const Histogram real = histogram(c.dataset->get(first).x);
        const Histogram real2 = histogram(c.dataset->get(second).x);

        const auto declared = c.data.metadata.find("counting.distribution");
        auto possible = [&](int64_t k) {
            if (declared != c.data.metadata.end())
                return k >= 0 && k < static_cast<int64_t>(declared->second.size()) &&
                       declared->second[static_cast<size_t>(k)] > 0;
            return real.count(k) > 0;
        };
        int64_t impossible = 0;
        double fake_sum = 0, real_sum = 0;
        for (const auto& [k, v] : fake) {
            if (!possible(k)) impossible += v;
            fake_sum += static_cast<double>(k * v);
        }
        for (const auto& [k, v] : real) real_sum += static_cast<double>(k * v);

        const std::map<std::string, std::string> details{
            {"n_fake", std::to_string(n)},
            {"n_real", std::to_string(n_real)},
            {"threshold", std::to_string(threshold_)},
            {"min_area", std::to_string(min_area_)},
            {"fake_hist", text(fake)},
            {"real_hist", text(real)},
            {"real_mean", std::to_string(real_sum / static_cast<double>(n_real))},
            {"support", declared != c.data.metadata.end() ? "declared" : "real sample"},
            {"floor", std::to_string(total_variation(real, n_real, real2, n_real))}};
        std::vector<MetricValue> out;
        for (const std::string& name : wanted) {
            if (name == "count_tv") out.push_back({name, total_variation(fake, n, real, n_real), details});
            else if (name == "count_impossible")
                out.push_back({name, static_cast<double>(impossible) / static_cast<double>(n), details});
            else if (name == "count_mean") out.push_back({name, fake_sum / static_cast<double>(n), details});
        }
        return out;
    }

    /// Objects per image: connected components of the thresholded channel mean.
    Histogram histogram(const Tensor& images) const {
        const int64_t n = images.size(0), channels = images.size(1), h = images.size(2), w = images.size(3);
        Histogram out;
        std::vector<uint8_t> on(static_cast<size_t>(h * w));
        std::vector<int64_t> stack;
        for (int64_t i = 0; i < n; ++i) {
            const float* image = images.data() + i * channels * h * w;
            for (int64_t p = 0; p < h * w; ++p) {
                double sum = 0;
                for (int64_t ch = 0; ch < channels; ++ch) sum += image[ch * h * w + p];
                on[static_cast<size_t>(p)] = sum / static_cast<double>(channels) > threshold_;
            }
            int64_t objects = 0;
            for (int64_t start = 0; start < h * w; ++start) {
                if (!on[static_cast<size_t>(start)]) continue;
                on[static_cast<size_t>(start)] = 0;
                stack.assign(1, start);
                int64_t area = 0;
                while (!stack.empty()) {
                    const int64_t p = stack.back();
                    stack.pop_back();
                    ++area;
                    const int64_t y = p / w, x = p % w;
                    for (int64_t dy = -1; dy <= 1; ++dy)
                        for (int64_t dx = -1; dx <= 1; ++dx) {
                            const int64_t yy = y + dy, xx = x + dx;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w || !on[static_cast<size_t>(yy * w + xx)]) continue;
                            on[static_cast<size_t>(yy * w + xx)] = 0;
                            stack.push_back(yy * w + xx);
                        }
                }
                if (area >= min_area_) ++objects;
            }
            ++out[objects];
        }
        return out;
    }

private:
    double threshold_;
    int64_t min_area_;
};
}  // namespace

GANTRY_METRIC_PLUGIN("counting_metrics", "1.0.0",
                     "objects per generated image (connected components): count distribution vs the "
                     "data's (TV distance), share of impossible counts, mean count",
                     kOptions, "count_tv,count_impossible,count_mean", CountingMetrics)
