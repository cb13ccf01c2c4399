// SPDX-License-Identifier: Apache-2.0
#include "gantry/datasets/mixture.hpp"

#include "gantry/error.hpp"

namespace gantry::datasets {

void set_mixture(DataInfo& info, const Mixture& mixture) {
    std::vector<double>& means = info.metadata[kMixtureMeans];
    means.clear();
    for (const auto& [x, y] : mixture.means) {
        means.push_back(x);
        means.push_back(y);
    }
    info.metadata[kMixtureStd] = {mixture.sigma};
}

std::optional<Mixture> find_mixture(const DataInfo& info) {
    const auto means = info.metadata.find(kMixtureMeans);
    const auto sigma = info.metadata.find(kMixtureStd);
    if (means == info.metadata.end() && sigma == info.metadata.end()) return std::nullopt;
    GANTRY_CHECK(means != info.metadata.end() && sigma != info.metadata.end(),
                 "dataset metadata: ", kMixtureMeans, " and ", kMixtureStd,
                 " go together, got only ", means != info.metadata.end() ? kMixtureMeans : kMixtureStd);
    const std::vector<double>& xy = means->second;
    GANTRY_CHECK(!xy.empty() && xy.size() % 2 == 0, "dataset metadata: ", kMixtureMeans,
                 " must hold (x, y) pairs, got ", xy.size(), " numbers");
    GANTRY_CHECK(sigma->second.size() == 1 && sigma->second[0] > 0, "dataset metadata: ", kMixtureStd,
                 " must be one positive number, got ", sigma->second.size(), " numbers",
                 sigma->second.size() == 1 ? " (" + std::to_string(sigma->second[0]) + ")" : "");
    Mixture mixture;
    for (size_t i = 0; i < xy.size(); i += 2) mixture.means.push_back({xy[i], xy[i + 1]});
    mixture.sigma = sigma->second[0];
    return mixture;
}

}  // namespace gantry::datasets
