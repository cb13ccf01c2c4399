// SPDX-License-Identifier: Apache-2.0
// Mode-collapse metrics of the 2-D mixtures, as PacGAN (Lin et al. 2018, arXiv:1712.04086,
// fjxmlzn/PacGAN extensions.py) and VEEGAN (Srivastava et al. 2017) define them:
//   high_quality  % of samples within 3 sigma (Euclidean) of their nearest mode;
//   modes         modes that are the nearest mode of at least one high-quality sample;
//   kl_modes      reverse KL(q || uniform) of the histogram q of high-quality samples over the
//                 modes (0 when they are spread evenly; log(k) when all sit on one mode).
#include <gantry/datasets/mixture.hpp>
#include <gantry/plugin.hpp>

#include <cmath>
#include <limits>

namespace {
using namespace gantry;

const plugin::OptionSpec kOptions[] = {
    {"threshold", plugin::OptionType::number, "3", 0, 1e6, nullptr,
     "a sample is high-quality within this many standard deviations of its nearest mode"},
};

class MixtureMetrics final : public Metric {
public:
    MixtureMetrics(const plugin::Options& o, const plugin::Context&)
        : threshold_(o.get_number("threshold")) {}

    std::vector<MetricValue> evaluate(const MetricContext& c,
                                      const std::vector<std::string>& wanted) override {
        const std::optional<datasets::Mixture> mixture = datasets::find_mixture(c.data);
        GANTRY_CHECK_AS(DataError, mixture.has_value(),
                        "mixture metrics need a dataset with known modes (gaussian_mixture; "
                        "DataInfo.metadata \"", datasets::kMixtureMeans, "\" and \"",
                        datasets::kMixtureStd, "\")");
        const auto& modes = mixture->means;
        GANTRY_CHECK_AS(ShapeError, c.fake.rank() == 2 && c.fake.size(1) == 2,
                        "mixture metrics: samples must be (N, 2), got ", c.fake.shape());
        const int64_t n = c.fake.size(0);
        const double radius = threshold_ * mixture->sigma;
        std::vector<int64_t> hits(modes.size(), 0);
        int64_t good = 0;
        for (int64_t i = 0; i < n; ++i) {
            const double x = c.fake.data()[2 * i], y = c.fake.data()[2 * i + 1];
            size_t nearest = 0;
            double best = std::numeric_limits<double>::infinity();
            for (size_t k = 0; k < modes.size(); ++k) {
                const double d = std::hypot(x - modes[k][0], y - modes[k][1]);
                if (d < best) best = d, nearest = k;
            }
            if (best <= radius) ++good, ++hits[nearest];
        }
        int64_t captured = 0;
        double kl = 0;
        for (int64_t h : hits) {
            if (h == 0) continue;
            ++captured;
            const double q = static_cast<double>(h) / static_cast<double>(good);
            kl += q * std::log(q * static_cast<double>(modes.size()));
        }
        const std::map<std::string, std::string> details{
            {"n_fake", std::to_string(n)}, {"modes_total", std::to_string(modes.size())},
            {"threshold_sigmas", std::to_string(threshold_)}};
        std::vector<MetricValue> out;
        for (const std::string& name : wanted) {
            if (name == "modes") out.push_back({name, static_cast<double>(captured), details});
            else if (name == "high_quality")
                out.push_back({name, n ? 100.0 * static_cast<double>(good) / static_cast<double>(n) : 0.0, details});
            // With no high-quality sample the histogram is undefined: report the worst case.
            else if (name == "kl_modes")
                out.push_back({name, good ? kl : std::log(static_cast<double>(modes.size())), details});
        }
        return out;
    }

private:
    double threshold_;
};
}  // namespace

GANTRY_METRIC_PLUGIN("mixture_metrics", "1.0.0",
                     "modes captured, % high-quality samples and reverse KL on 2-D mixtures (PacGAN)",
                     kOptions, "modes,high_quality,kl_modes", MixtureMetrics)
