// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Two checkpoints compared tensor by tensor, bit for bit (their metadata records wall time and
/// may differ): what every "resumes bit for bit" test asks.
#include <cstring>
#include <filesystem>
#include <string>

#include "io/checkpoint.hpp"

namespace gantry::testing {

/// The first difference between the tensors of two checkpoints, or empty when they are equal.
inline std::string checkpoint_difference(const std::filesystem::path& a, const std::filesystem::path& b) {
    const io::CheckpointData x = io::read_checkpoint(a);
    const io::CheckpointData y = io::read_checkpoint(b);
    for (const auto& [name, t] : x.tensors) {
        auto it = y.tensors.find(name);
        if (it == y.tensors.end()) return "'" + name + "' only in " + a.string();
        if (!(t.shape() == it->second.shape())) return "'" + name + "' has another shape";
        if (std::memcmp(t.data(), it->second.data(), static_cast<size_t>(t.numel()) * sizeof(float)) != 0) {
            for (int64_t i = 0; i < t.numel(); ++i)
                if (std::memcmp(t.data() + i, it->second.data() + i, sizeof(float)) != 0)
                    return "'" + name + "' differs at flat index " + std::to_string(i) + ": " +
                           std::to_string(t.data()[i]) + " vs " + std::to_string(it->second.data()[i]);
        }
    }
    for (const auto& [name, t] : y.tensors)
        if (!x.tensors.count(name)) return "'" + name + "' only in " + b.string();
    return {};
}

}  // namespace gantry::testing
