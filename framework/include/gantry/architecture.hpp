// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The architecture plugin interface: builds the generator or the discriminator.
#include <memory>

#include "gantry/data.hpp"
#include "gantry/plugin/object.hpp"
#include "gantry/random.hpp"

namespace gantry {

namespace nn {
class Module;
}

enum class Role { generator, discriminator };

/// "generator" or "discriminator".
const char* to_string(Role role);

struct NetworkSpec {
    Role role = Role::generator;
    DataInfo data;
    /// The noise dimension: the generator maps (N, latent) to (N, sample_shape...).
    int64_t latent = 0;
    /// PacGAN packing (discriminator): D sees `pack` samples joined along the feature axis, so
    /// its input is (N / pack, pack * C, ...) — or (N / pack, pack * F) for points.
    int64_t pack = 1;
    /// Draws every initial weight.
    Rng* init_rng = nullptr;
};

/// A generator's module maps forward(z) (or forward(z, labels) when the data has classes) to
/// samples; a discriminator's maps forward(x[, labels]) to logits of shape (N) or (N, 1).
class Architecture : public plugin::Object {
public:
    virtual std::shared_ptr<nn::Module> build(const NetworkSpec& spec) = 0;
};

}  // namespace gantry
