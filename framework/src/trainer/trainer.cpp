// SPDX-License-Identifier: Apache-2.0
#include "trainer/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "gantry/autograd.hpp"
#include "gantry/datasets/condition.hpp"
#include "gantry/error.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/optimizer.hpp"
#include "trainer/poison.hpp"

namespace gantry::train {

namespace {
// Independent streams of the run's seed, one per purpose: adding draws to one never shifts another.
constexpr uint64_t kNoiseStream = 1;
constexpr uint64_t kLossStream = 2;
constexpr uint64_t kShuffleStreamBase = uint64_t{1} << 32;  // + epoch

/// Restores D's requires_grad even when the G step throws.
class FrozenGuard {
public:
    explicit FrozenGuard(nn::Module& m) : module_(m) { module_.requires_grad_(false); }
    ~FrozenGuard() { module_.requires_grad_(true); }
    FrozenGuard(const FrozenGuard&) = delete;
    FrozenGuard& operator=(const FrozenGuard&) = delete;

private:
    nn::Module& module_;
};

double grad_norm(const std::vector<Tensor>& params) {
    double total = 0.0;
    for (const Tensor& p : params) {
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        const float* v = g.data();
        for (int64_t i = 0, n = g.numel(); i < n; ++i) total += static_cast<double>(v[i]) * v[i];
    }
    return std::sqrt(total);
}

/// Throws DivergenceError naming the iteration and step when a freshly stepped weight is not
/// finite: caught in the step that produced it, before any checkpoint could keep it.
void check_stepped_weights(const std::vector<Tensor>& params, int64_t iteration,
                           size_t step_index, const char* network) {
    for (size_t p = 0; p < params.size(); ++p) {
        const float* v = params[p].data();
        for (int64_t i = 0, n = params[p].numel(); i < n; ++i)
            GANTRY_CHECK_AS(DivergenceError, std::isfinite(v[i]), "training diverged at iteration ",
                            iteration + 1, ", step ", step_index + 1, " (train: ", network,
                            "): parameter ", p, " holds ", v[i], " at flat index ", i,
                            " after the optimizer step");
    }
}

}  // namespace

Trainer::Trainer(TrainerOptions options, TrainerParts parts)
    : options_(std::move(options)),
      parts_(std::move(parts)),
      noise_rng_(options_.seed, kNoiseStream),
      loss_rng_(options_.seed, kLossStream) {
    GANTRY_CHECK(parts_.generator && parts_.discriminator && parts_.loss && parts_.dataset &&
                     parts_.generator_optimizer && parts_.discriminator_optimizer,
                 "Trainer: generator, discriminator, loss, dataset and both optimizers are required");
    GANTRY_CHECK(options_.iterations >= 1 && options_.batch >= 1 && options_.latent >= 1,
                 "Trainer: iterations, batch and latent must be >= 1");
    GANTRY_CHECK(options_.pack >= 1 && options_.batch % options_.pack == 0, "Trainer: batch ",
                 options_.batch, " must be a multiple of discriminator.pack ", options_.pack);
    bool trains_d = false, trains_g = false;
    for (const Step& s : options_.steps) {
        GANTRY_CHECK(s.repeat >= 1, "Trainer: a step's repeat must be >= 1, got ", s.repeat);
        (s.network == Role::discriminator ? trains_d : trains_g) = true;
    }
    GANTRY_CHECK(trains_d && trains_g, "Trainer: the schedule must train both networks");
    data_ = parts_.dataset->info();
    GANTRY_CHECK(data_.size >= 1, "Trainer: the dataset is empty");
    if (const std::optional<Shape> shape = datasets::find_condition_shape(data_)) {
        conditional_ = true;
        condition_shape_ = *shape;
    }
    // A condition is packed with its sample; class ids have no channel axis to pack along.
    GANTRY_CHECK(conditional_ || data_.classes == 0 || options_.pack == 1,
                 "Trainer: packing (discriminator.pack > 1) is not supported with class labels");
    GANTRY_CHECK(options_.adversarial_weight >= 0 && std::isfinite(options_.adversarial_weight),
                 "Trainer: the adversarial weight must be finite and >= 0, got ",
                 options_.adversarial_weight);
    for (const WeightedLoss& term : parts_.terms)
        GANTRY_CHECK(term.loss && term.weight >= 0 && std::isfinite(term.weight),
                     "Trainer: a term needs a loss and a finite weight >= 0");
    base_lr_g_ = parts_.generator_optimizer->lr();
    base_lr_d_ = parts_.discriminator_optimizer->lr();
    if (parts_.generator_ema) {
        parts_.generator_ema->load_state_dict(parts_.generator->state_dict());
        parts_.generator_ema->requires_grad_(false);
        parts_.generator_ema->eval();
        for (const auto& [name, p] : parts_.generator->named_parameters())
            ema_parameter_names_.insert(name);
    }
}

Trainer::~Trainer() = default;

nn::Module& Trainer::generator() { return *parts_.generator; }
nn::Module& Trainer::discriminator() { return *parts_.discriminator; }
nn::Module& Trainer::sampling_generator() {
    return parts_.generator_ema ? *parts_.generator_ema : *parts_.generator;
}

const std::vector<int64_t>& Trainer::permutation(int64_t epoch) {
    if (epoch != permutation_epoch_) {
        // A pure function of (seed, epoch): a resumed run needs only the cursor.
        permutation_.resize(static_cast<size_t>(data_.size));
        std::iota(permutation_.begin(), permutation_.end(), 0);
        Rng rng(options_.seed, kShuffleStreamBase + static_cast<uint64_t>(epoch));
        for (size_t i = permutation_.size() - 1; i > 0; --i)
            std::swap(permutation_[i], permutation_[rng.next_below(i + 1)]);
        permutation_epoch_ = epoch;
    }
    return permutation_;
}

Trainer::RealBatch Trainer::next_real_batch() {
    std::vector<int64_t> indices(static_cast<size_t>(options_.batch));
    for (int64_t k = 0; k < options_.batch; ++k) {
        const int64_t position = cursor_ + k;
        indices[static_cast<size_t>(k)] =
            permutation(position / data_.size)[static_cast<size_t>(position % data_.size)];
    }
    cursor_ += options_.batch;
    RealBatch real{parts_.dataset->get(indices), {}};
    if (conditional_) {
        real.condition = parts_.dataset->condition(indices);
        std::vector<int64_t> expected{options_.batch};
        for (int64_t d : condition_shape_.dims()) expected.push_back(d);
        GANTRY_CHECK_AS(DataError, real.condition.defined() && real.condition.shape() == Shape(expected),
                        "the dataset declares conditions of shape ", condition_shape_,
                        " but returned ", real.condition.defined() ? real.condition.shape().str() : "none",
                        " for a batch of ", options_.batch);
    }
    return real;
}

Tensor Trainer::draw_fake_labels(int64_t n) {
    if (data_.classes == 0) return {};
    Tensor labels = Tensor::empty({n});
    for (int64_t i = 0; i < n; ++i)
        labels.data()[i] = static_cast<float>(noise_rng_.next_below(static_cast<uint64_t>(data_.classes)));
    return labels;
}

Tensor Trainer::apply_generator(nn::Module& g, const Tensor& noise, const Tensor& context) {
    return context.defined() ? g(noise, context) : g(noise);
}

namespace {
/// x (N, C, ...) as D's input (N / pack, pack * C, ...): a view, since samples are contiguous.
Tensor pack_view(const Tensor& x, int64_t pack) {
    if (pack == 1) return x;
    std::vector<int64_t> dims = x.shape().dims();
    GANTRY_CHECK_AS(ShapeError, dims[0] % pack == 0, "discriminator: batch ", dims[0],
                    " is not a multiple of pack ", pack);
    dims[0] /= pack;
    dims[1] *= pack;
    return reshape(x, dims);
}

/// D's logits (M) for an input already in D's (packed) layout.
Tensor logits_of(nn::Module& discriminator, const Tensor& input, const Tensor& labels) {
    return reshape(labels.defined() ? discriminator(input, labels) : discriminator(input), {-1});
}
}  // namespace

Tensor Trainer::apply_discriminator(const Tensor& x, const Tensor& context) {
    return logits_of(*parts_.discriminator, pack_view(x, options_.pack),
                     conditional_ ? pack_view(context, options_.pack) : context);
}

void Trainer::set_learning_rates() {
    parts_.generator_optimizer->set_lr(
        options_.generator_lr.at(base_lr_g_, iteration_, options_.iterations));
    parts_.discriminator_optimizer->set_lr(
        options_.discriminator_lr.at(base_lr_d_, iteration_, options_.iterations));
}

namespace {
/// The sum of the terms, and their values for the log. Throws DivergenceError on a non-finite one.
Tensor total_of(const LossTerms& terms, StepLog& log, int64_t iteration, size_t step_index,
                const char* network) {
    GANTRY_CHECK(!terms.empty(), "the loss returned no terms for the ", network, " step");
    Tensor total;
    double total_value = 0;
    for (const auto& [name, term] : terms) {
        GANTRY_CHECK_AS(ShapeError, term.defined() && term.numel() == 1, "loss term '", name,
                        "' of the ", network, " step must be a scalar, got ",
                        term.defined() ? term.shape().str() : std::string("undefined"));
        double v = term.item();
        if (const auto poison = detail::poison_at(detail::PoisonPlace::loss, iteration, step_index)) v = *poison;
        GANTRY_CHECK_AS(DivergenceError, std::isfinite(v), "training diverged at iteration ",
                        iteration + 1, ", step ", step_index + 1, " (train: ", network,
                        "): loss term '", name, "' is ", v);
        log.losses[name] += v;
        total_value += v;
        total = total.defined() ? total + term : term;
    }
    log.losses["total"] += total_value;
    return total;
}
/// Appends each term's own terms, scaled by its weight (a weight of 1 is not multiplied in).
template <typename TermsOf>
void add_weighted_terms(LossTerms& out, const std::vector<WeightedLoss>& terms, TermsOf terms_of) {
    for (const WeightedLoss& term : terms)
        for (auto& [name, value] : terms_of(*term.loss))
            out.emplace_back(name, term.weight == 1.0 ? value : value * static_cast<float>(term.weight));
}
}  // namespace

double Trainer::descend(const Tensor& total, optim::Optimizer& optimizer, size_t step_index,
                        const char* network) {
    optimizer.zero_grad();
    autograd::backward(total);
    if (const auto poison = detail::poison_at(detail::PoisonPlace::grad, iteration_, step_index))
        for (const Tensor& p : optimizer.params())
            if (p.grad().defined()) {
                Tensor g = p.grad();
                g.data()[0] = *poison;
                break;
            }
    const double norm = grad_norm(optimizer.params());
    GANTRY_CHECK_AS(DivergenceError, std::isfinite(norm), "training diverged at iteration ",
                    iteration_ + 1, ", step ", step_index + 1, " (train: ", network,
                    "): the gradient norm is ", norm);
    optimizer.step();
    if (const auto poison = detail::poison_at(detail::PoisonPlace::weight, iteration_, step_index)) {
        Tensor p = optimizer.params().front();
        p.data()[p.numel() - 1] = *poison;
    }
    return norm;
}

StepLog Trainer::discriminator_step(size_t step_index) {
    StepLog log{Role::discriminator, {}, 0.0};
    const RealBatch real = next_real_batch();
    // Conditional data: the fake answers the real batch's conditions, so both share them.
    const Tensor real_context = conditional_ ? real.condition : real.batch.labels;
    const Tensor fake_context = conditional_ ? real.condition : draw_fake_labels(options_.batch);
    Tensor fake;
    {
        // G is not trained here: no graph for its weights.
        autograd::NoGradGuard no_grad;
        fake = apply_generator(*parts_.generator, noise_rng_.normal({options_.batch, options_.latent}),
                               fake_context);
    }
    // With packing D is a function of packs, so the loss sees packs as its samples: a penalty's
    // per-sample input gradient (WGAN-GP's norm, R1's squared norm) and its interpolation are
    // then taken on D's actual input. Handing the loss single points split each pack's gradient
    // across its points (WGAN-GP pushed every point's share to norm 1, the pack's to sqrt(pack)).
    // Class ids and packing never meet (checked in the constructor); a condition is packed like x.
    DiscriminatorStep step;
    step.real = pack_view(real.batch.x, options_.pack);
    step.real_labels = conditional_ ? pack_view(real_context, options_.pack) : real_context;
    step.fake = pack_view(fake, options_.pack);
    step.fake_labels = conditional_ ? step.real_labels : fake_context;
    if (conditional_) step.condition = step.real_labels;
    step.discriminator = [this](const Tensor& x, const Tensor& l) {
        return logits_of(*parts_.discriminator, x, l);
    };
    step.rng = &loss_rng_;
    step.iteration = iteration_;
    LossTerms terms = parts_.loss->discriminator_loss(step);
    add_weighted_terms(terms, parts_.terms, [&](Loss& loss) { return loss.discriminator_loss(step); });
    const Tensor total = total_of(terms, log, iteration_, step_index, "discriminator");
    log.grad_norm = descend(total, *parts_.discriminator_optimizer, step_index, "discriminator");
    parts_.loss->constrain_discriminator(*parts_.discriminator);
    check_stepped_weights(parts_.discriminator_optimizer->params(), iteration_, step_index,
                          "discriminator");
    return log;
}

StepLog Trainer::generator_step(size_t step_index) {
    StepLog log{Role::generator, {}, 0.0};
    GeneratorStep step;
    if (conditional_) {
        const RealBatch real = next_real_batch();
        step.condition = real.condition;
        step.real = real.batch.x;
    }
    const Tensor context = conditional_ ? step.condition : draw_fake_labels(options_.batch);
    const Tensor noise = noise_rng_.normal({options_.batch, options_.latent});
    FrozenGuard frozen(*parts_.discriminator);
    const Tensor fake = apply_generator(*parts_.generator, noise, context);
    const bool adversarial = options_.adversarial_weight > 0;
    if (adversarial) step.d_fake = apply_discriminator(fake, context);
    step.fake = fake;
    step.fake_labels = context;
    step.discriminator = [this](const Tensor& x, const Tensor& l) { return apply_discriminator(x, l); };
    step.rng = &loss_rng_;
    step.iteration = iteration_;
    // Noise from the loss's own stream: a loss that never calls it leaves every draw as it was.
    if (conditional_)
        step.generator = [this](const Tensor& c) {
            return apply_generator(*parts_.generator, loss_rng_.normal({c.size(0), options_.latent}), c);
        };
    LossTerms terms;
    if (adversarial) {
        terms = parts_.loss->generator_loss(step);
        // x * 1 is exact, but skipping it keeps the graph of every unweighted run as it was.
        if (options_.adversarial_weight != 1.0)
            for (auto& [name, term] : terms) term = term * static_cast<float>(options_.adversarial_weight);
    }
    add_weighted_terms(terms, parts_.terms, [&](Loss& loss) { return loss.generator_loss(step); });
    const Tensor total = total_of(terms, log, iteration_, step_index, "generator");
    log.grad_norm = descend(total, *parts_.generator_optimizer, step_index, "generator");
    check_stepped_weights(parts_.generator_optimizer->params(), iteration_, step_index, "generator");
    update_ema();
    return log;
}

void Trainer::update_ema() {
    if (!parts_.generator_ema) return;
    const auto live = parts_.generator->state_dict();
    const auto ema = parts_.generator_ema->state_dict();
    const bool follow = iteration_ < options_.ema_start;
    // The warm-up decay is computed in double and rounded once, like the plain decay.
    const double t = static_cast<double>(ema_updates_);
    const float decay = static_cast<float>(
        options_.ema_warmup && !follow ? std::min(options_.ema_decay, (1.0 + t) / (10.0 + t)) : options_.ema_decay);
    if (!follow) ++ema_updates_;
    for (const auto& [name, value] : live) {
        Tensor target = ema.at(name);
        const float* src = value.data();
        float* dst = target.data();
        // Buffers (BatchNorm statistics) are copied; weights are averaged.
        if (follow || !ema_parameter_names_.count(name)) {
            std::copy_n(src, value.numel(), dst);
        } else {
            for (int64_t i = 0, n = value.numel(); i < n; ++i) dst[i] = decay * dst[i] + (1.f - decay) * src[i];
        }
    }
}

std::vector<StepLog> Trainer::run_iteration() {
    GANTRY_CHECK(iteration_ < options_.iterations, "Trainer: all ", options_.iterations,
                 " iterations have run");
    set_learning_rates();
    // Every op of the steps (forward, losses, backward, penalties) runs under it; the optimizers'
    // updates and the EMA are element-wise f32 loops that ignore it.
    const PrecisionScope in_precision(options_.precision);
    std::vector<StepLog> logs;
    for (size_t s = 0; s < options_.steps.size(); ++s) {
        const Step& step = options_.steps[s];
        // Nothing reads D when G ignores it: a reconstruction-only model trains G alone.
        if (step.network == Role::discriminator && options_.adversarial_weight == 0) continue;
        StepLog merged{step.network, {}, 0.0};
        for (int64_t r = 0; r < step.repeat; ++r) {
            const StepLog one = step.network == Role::discriminator ? discriminator_step(s)
                                                                    : generator_step(s);
            for (const auto& [k, v] : one.losses) merged.losses[k] += v / static_cast<double>(step.repeat);
            merged.grad_norm += one.grad_norm / static_cast<double>(step.repeat);
        }
        logs.push_back(std::move(merged));
    }
    ++iteration_;
    return logs;
}

Tensor Trainer::generate(const Tensor& noise, const Tensor& context) {
    autograd::NoGradGuard no_grad;
    nn::Module& g = sampling_generator();
    const bool was_training = g.is_training();
    g.eval();
    Tensor out;
    try {
        out = apply_generator(g, noise, context);
    } catch (...) {
        g.train(was_training);
        throw;
    }
    g.train(was_training);
    return out;
}

void Trainer::check_weights_finite() const {
    auto check = [](const nn::Module& m, const char* which) {
        for (const auto& [name, t] : m.state_dict()) {
            const float* v = t.data();
            for (int64_t i = 0, n = t.numel(); i < n; ++i)
                GANTRY_CHECK_AS(DivergenceError, std::isfinite(v[i]), "training diverged: ", which,
                                " weight '", name, "' holds ", v[i], " at flat index ", i);
        }
    };
    check(*parts_.generator, "generator");
    check(*parts_.discriminator, "discriminator");
    if (parts_.generator_ema) check(*parts_.generator_ema, "generator EMA");
}

StateDict Trainer::state() const {
    StateDict state;
    auto add = [&](const std::string& prefix, const StateDict& part) {
        for (const auto& [k, v] : part) state[prefix + k] = v.clone();
    };
    add("generator.", parts_.generator->state_dict());
    add("discriminator.", parts_.discriminator->state_dict());
    if (parts_.generator_ema) add("generator_ema.", parts_.generator_ema->state_dict());
    add("optimizer.generator.", parts_.generator_optimizer->state_dict());
    add("optimizer.discriminator.", parts_.discriminator_optimizer->state_dict());
    put_rng_state(state, "rng.noise.", noise_rng_.state());
    put_rng_state(state, "rng.loss.", loss_rng_.state());
    put_u64(state, "trainer.iteration", static_cast<uint64_t>(iteration_));
    put_u64(state, "trainer.cursor", static_cast<uint64_t>(cursor_));
    // Only with the warm-up: the checkpoints of every other run keep their bytes.
    if (parts_.generator_ema && options_.ema_warmup)
        put_u64(state, "trainer.ema_updates", static_cast<uint64_t>(ema_updates_));
    return state;
}

void Trainer::load_state(const StateDict& state) {
    auto part = [&](const std::string& prefix) {
        StateDict out;
        for (const auto& [k, v] : state)
            if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = v;
        return out;
    };
    parts_.generator->load_state_dict(part("generator."));
    parts_.discriminator->load_state_dict(part("discriminator."));
    if (parts_.generator_ema) parts_.generator_ema->load_state_dict(part("generator_ema."));
    parts_.generator_optimizer->load_state_dict(part("optimizer.generator."));
    parts_.discriminator_optimizer->load_state_dict(part("optimizer.discriminator."));
    noise_rng_.set_state(get_rng_state(state, "rng.noise.", "checkpoint"));
    loss_rng_.set_state(get_rng_state(state, "rng.loss.", "checkpoint"));
    iteration_ = static_cast<int64_t>(get_u64(state, "trainer.iteration", "checkpoint"));
    cursor_ = static_cast<int64_t>(get_u64(state, "trainer.cursor", "checkpoint"));
    if (parts_.generator_ema && options_.ema_warmup)
        ema_updates_ = static_cast<int64_t>(get_u64(state, "trainer.ema_updates", "checkpoint"));
}

}  // namespace gantry::train
