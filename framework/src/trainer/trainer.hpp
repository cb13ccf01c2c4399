// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The alternating GAN schedule, one iteration at a time. The trainer owns nothing it does not
/// need to own: the caller builds G, D (and G's EMA copy), the loss, the data and the optimizers
/// (from plugins, or by hand in a test), and decides when to log, evaluate and checkpoint.
///
/// One iteration is one pass over `steps`, in order; `repeat: n` runs a step n times. A D step
/// draws a fresh real batch and fresh noise; a G step draws fresh noise. While D trains, G runs
/// with recording off (no graph for its weights); while G trains, D's weights are frozen (no
/// weight-gradient work). The loss builds scalar terms; only the trainer zeroes gradients, calls
/// backward and steps an optimizer: one step per network per scheduled step, penalties included.
///
/// Conditional data (the dataset declares a condition): every step, G's included, draws a fresh
/// real batch, since G answers that batch's conditions and its terms compare the answer with the
/// batch's targets. The condition is the networks' context in place of class ids. G's objective
/// is `adversarial_weight` times the loss's generator terms plus each weighted term; with the
/// weight at 0 D is never asked, so its steps are skipped (a reconstruction-only baseline).
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gantry/architecture.hpp"
#include "gantry/data.hpp"
#include "gantry/loss.hpp"
#include "gantry/random.hpp"
#include "gantry/serialize.hpp"
#include "gantry/precision.hpp"
#include "trainer/schedule.hpp"

namespace gantry {
namespace nn {
class Module;
}
namespace optim {
class Optimizer;
}
}  // namespace gantry

namespace gantry::train {

struct TrainerOptions {
    int64_t iterations = 1;
    int64_t batch = 64;
    std::vector<Step> steps = {{Role::discriminator, 1}, {Role::generator, 1}};
    int64_t latent = 64;
    /// PacGAN: D sees `pack` samples at once; batch must be a multiple of it.
    int64_t pack = 1;
    /// EMA of G's weights (0: off). Before ema_start the EMA copy simply follows G.
    double ema_decay = 0.0;
    int64_t ema_start = 0;
    /// The t-th averaging update (t counted from ema_start, saved in checkpoints) uses
    /// min(ema_decay, (1 + t) / (10 + t)) (TF's ExponentialMovingAverage with num_updates).
    bool ema_warmup = false;
    uint64_t seed = 0;
    LrSchedule generator_lr, discriminator_lr;
    /// The factor of the adversarial loss's generator terms (0: G ignores D).
    double adversarial_weight = 1.0;
    /// The arithmetic of convolutions and matmuls inside run_iteration(), penalties and backward
    /// passes included. Weights, optimizer state, losses and generate() stay fp32.
    Precision precision = Precision::fp32;
};

/// A further term of G's objective: a loss plugin whose terms are added with a weight.
struct WeightedLoss {
    Loss* loss = nullptr;
    double weight = 1.0;
};

/// The networks and objects one run trains.
struct TrainerParts {
    std::shared_ptr<nn::Module> generator, discriminator;
    /// A second generator of the same architecture for the EMA weights; null when EMA is off.
    std::shared_ptr<nn::Module> generator_ema;
    Loss* loss = nullptr;
    std::vector<WeightedLoss> terms;
    const Dataset* dataset = nullptr;
    std::unique_ptr<optim::Optimizer> generator_optimizer, discriminator_optimizer;
};

/// What one scheduled step did: its loss terms (mean over its repeats) and its gradient norm.
struct StepLog {
    Role network = Role::discriminator;
    std::map<std::string, double> losses;  ///< each term and "total"
    double grad_norm = 0.0;
};

class Trainer {
public:
    Trainer(TrainerOptions options, TrainerParts parts);
    ~Trainer();

    /// Runs the next iteration. Throws DivergenceError naming the iteration and step when a loss
    /// or a gradient is not finite; nothing is stepped in that case.
    std::vector<StepLog> run_iteration();

    /// Iterations completed (0 before the first; the number a checkpoint records).
    int64_t iteration() const { return iteration_; }
    const TrainerOptions& options() const { return options_; }

    /// The generator used for samples and evaluation: the EMA copy when EMA is on.
    nn::Module& sampling_generator();
    nn::Module& generator();
    nn::Module& discriminator();

    /// Samples from `noise` (N, latent) and G's context — class ids for a class-conditional
    /// generator, conditions (N, condition shape...) for conditional data — in eval mode and
    /// without recording; the networks return to training mode afterwards.
    Tensor generate(const Tensor& noise, const Tensor& context = {});

    /// True when the data declares a condition (G and D then take it as their context).
    bool conditional() const { return conditional_; }

    /// Throws DivergenceError when a weight of G, D or the EMA copy is not finite.
    void check_weights_finite() const;

    /// Everything needed to continue bit for bit: weights, buffers, EMA, optimizer states, RNG
    /// streams, the iteration and the data cursor.
    StateDict state() const;
    void load_state(const StateDict& state);

private:
    /// A real batch and, for conditional data, its conditions.
    struct RealBatch {
        Batch batch;
        Tensor condition;
    };

    StepLog discriminator_step(size_t step_index);
    StepLog generator_step(size_t step_index);
    /// The one update of a scheduled step: zero grads, backward, check the gradient norm, step.
    /// Returns the norm.
    double descend(const Tensor& total, optim::Optimizer& optimizer, size_t step_index,
                   const char* network);
    RealBatch next_real_batch();
    Tensor draw_fake_labels(int64_t n);
    /// D applied to x (N, ...) as the plugin built it: packed to (N / pack, pack * C, ...), and
    /// a condition packed with it.
    Tensor apply_discriminator(const Tensor& x, const Tensor& context);
    Tensor apply_generator(nn::Module& g, const Tensor& noise, const Tensor& context);
    void update_ema();
    void set_learning_rates();
    const std::vector<int64_t>& permutation(int64_t epoch);

    TrainerOptions options_;
    TrainerParts parts_;
    DataInfo data_;
    bool conditional_ = false;
    Shape condition_shape_;
    int64_t iteration_ = 0;
    int64_t cursor_ = 0;  ///< real samples drawn so far: epoch = cursor / size
    int64_t ema_updates_ = 0;  ///< averaging updates so far (t of the warm-up)
    Rng noise_rng_, loss_rng_;
    double base_lr_g_, base_lr_d_;
    int64_t permutation_epoch_ = -1;
    std::vector<int64_t> permutation_;
    std::set<std::string> ema_parameter_names_;
};

}  // namespace gantry::train
