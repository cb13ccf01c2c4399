// SPDX-License-Identifier: Apache-2.0
// gaussian_mixture: the 2-D mode-collapse benchmarks (Metz et al. 2017; VEEGAN; PacGAN).
// ring: k modes at angle 2*pi*i/k (not linspace(0, 2*pi, k), which puts two modes on one point),
//       radius r. grid: n x n modes at spacing s, centred on 0 ({-4, -2, 0, 2, 4} for 5 x 5).
// Sample i is a pure function of (seed, i): mode and noise both come from the Philox stream i.
#include <gantry/datasets/mixture.hpp>
#include <gantry/plugin.hpp>

#include <cmath>
#include <sstream>

namespace {

using namespace gantry;

const double kNaN = std::nan("");
constexpr uint64_t kStreamBase = uint64_t{0x6d69} << 40;  // apart from the trainer's streams

const plugin::OptionSpec kOptions[] = {
    {"layout", plugin::OptionType::string, "ring", kNaN, kNaN, "ring|grid", "where the modes are"},
    {"modes", plugin::OptionType::integer, "8", 1, 4096, nullptr, "ring: number of modes"},
    {"radius", plugin::OptionType::number, "1", 0, 1e6, nullptr, "ring: radius"},
    {"grid_size", plugin::OptionType::integer, "5", 1, 64, nullptr, "grid: modes per side"},
    {"spacing", plugin::OptionType::number, "2", 0, 1e6, nullptr, "grid: distance between modes"},
    // The default stays 0 (the text every configuration hash was taken over); what it means is
    // reported as option.std, and the resolved experiment notes it ("std: 0.0  # in force: 0.01").
    {"std", plugin::OptionType::number, "0", 0, 1e6, nullptr,
     "standard deviation of each mode; 0 (the default) is the PacGAN protocol's for the layout: ring 0.01, "
     "grid 0.05 (the resolved experiment notes the value in force)"},
    {"size", plugin::OptionType::integer, "100000", 1, 1e9, nullptr, "samples in one epoch"},
};

class GaussianMixture final : public Dataset {
public:
    GaussianMixture(const plugin::Options& o, const plugin::Context& context)
        : seed_(context.seed), size_(o.get_int("size")) {
        const std::string layout = o.get_string("layout");
        constexpr double kTwoPi = 6.283185307179586;
        if (layout == "ring") {
            const int64_t k = o.get_int("modes");
            const double r = o.get_number("radius");
            for (int64_t i = 0; i < k; ++i) {
                const double a = kTwoPi * static_cast<double>(i) / static_cast<double>(k);
                modes_.push_back({static_cast<float>(r * std::cos(a)), static_cast<float>(r * std::sin(a))});
            }
        } else {
            const int64_t n = o.get_int("grid_size");
            const double s = o.get_number("spacing");
            const double offset = 0.5 * static_cast<double>(n - 1) * s;
            for (int64_t i = 0; i < n; ++i)
                for (int64_t j = 0; j < n; ++j)
                    modes_.push_back({static_cast<float>(static_cast<double>(i) * s - offset),
                                      static_cast<float>(static_cast<double>(j) * s - offset)});
        }
        const double std = o.get_number("std");
        std_in_force_ = std > 0 ? std : (layout == "ring" ? 0.01 : 0.05);
        std_ = static_cast<float>(std_in_force_);
        std::ostringstream id;
        id << "gaussian_mixture:" << layout << ":" << modes_.size() << ":" << std_ << ":" << seed_;
        identity_ = id.str();
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{2};
        info.size = size_;
        // The float means and std the samples are drawn from, exactly (a float is a double).
        datasets::Mixture mixture;
        for (const auto& mode : modes_) mixture.means.push_back({mode[0], mode[1]});
        mixture.sigma = std_;
        datasets::set_mixture(info, mixture);
        info.metadata["option.std"] = {std_in_force_};  // the option's value in force (train/in_force.hpp)
        info.identity = identity_;
        return info;
    }

    Batch get(const std::vector<int64_t>& indices) const override {
        Batch batch;
        batch.x = Tensor::empty({static_cast<int64_t>(indices.size()), 2});
        float* out = batch.x.data();
        for (size_t i = 0; i < indices.size(); ++i) {
            GANTRY_CHECK(indices[i] >= 0 && indices[i] < size_, "gaussian_mixture: index ",
                         indices[i], " is outside [0, ", size_, ")");
            Rng rng(seed_, kStreamBase + static_cast<uint64_t>(indices[i]));
            const auto& mode = modes_[rng.next_below(modes_.size())];
            Tensor noise = rng.normal({2}, 0.f, std_);
            out[2 * i] = mode[0] + noise.data()[0];
            out[2 * i + 1] = mode[1] + noise.data()[1];
        }
        return batch;
    }

private:
    uint64_t seed_;
    int64_t size_;
    std::vector<std::vector<float>> modes_;
    float std_;
    double std_in_force_;
    std::string identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "gaussian_mixture", "1.0.0",
              "2-D Gaussian mixtures: ring and grid (the PacGAN/VEEGAN mode-collapse benchmarks)",
              kOptions, GaussianMixture)
