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
    /// API 2.1: the per-sample shape of the data's condition (gantry/datasets/condition.hpp);
    /// rank 0 when the data has none. An architecture that cannot take this condition (or needs
    /// one and gets none) throws from build() with a message naming the shape it expected.
    Shape condition;
};

/// A generator's module maps forward(z, context) to samples, a discriminator's maps
/// forward(x, context) to logits of shape (N), (N, 1) or (N, patches...) — a PatchGAN's map,
/// which the losses average. The context is the data's condition when it has one
/// (spec.condition: (N, condition shape...), packed like x for a packing D), else the class ids
/// (N) when the data has classes; without either the module is called as forward(z) / forward(x).
/// Class ids of conditional data are not passed: they stay with the metrics.
class Architecture : public plugin::Object {
public:
    virtual std::shared_ptr<nn::Module> build(const NetworkSpec& spec) = 0;
};

}  // namespace gantry
