// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The layers of gantry::nn, after torch::nn's modules, each with an Options struct filled with
/// C++20 designated initializers and checked once by validate() (gantry::Error with the bad
/// value), which every constructor calls.
///
/// Initialisation is deterministic: a layer with random initial values takes an `Rng&` in its
/// constructor and draws from it in a documented order (weight, then bias), so a network built
/// from `Rng rng(seed)` is identical on every run, machine and thread count. The defaults are
/// PyTorch's: kaiming_uniform_(a = sqrt(5)) for weights, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
/// and the same bound for biases. reset_parameters(rng) draws them again; nn::init functions
/// may overwrite them afterwards (an architecture's own scheme, e.g. DCGAN's N(0, 0.02)).
///
/// Example:
/// ```
/// Rng rng(42);
/// auto net = std::make_shared<nn::Sequential>();
/// net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 2, .out_features = 64}, rng));
/// net->push_back(std::make_shared<nn::LeakyReLU>(nn::LeakyReLUOptions{.negative_slope = 0.2f}));
/// net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 64, .out_features = 1}, rng));
/// Tensor score = (*net)(x);   // x (N, 2) -> (N, 1)
/// ```
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "gantry/random.hpp"

namespace gantry::nn {

/// A pair of sizes (height, width) that one integer also fills, like PyTorch's
/// ExpandingArray<2>: `.kernel_size = 4` means 4 x 4, `.kernel_size = {3, 5}` means 3 x 5.
struct Size2 {
    Size2(int64_t both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor): the point
    Size2(int64_t height, int64_t width) : h(height), w(width) {}
    std::array<int64_t, 2> array() const { return {h, w}; }
    bool operator==(const Size2&) const = default;
    /// Height (first) and width (second).
    int64_t h;
    int64_t w;
};

// ---- weighted layers ---------------------------------------------------------------------------

/// A layer whose computation is determined by one `weight` (and an optional `bias`), with the
/// weight as an explicit argument, so that wrappers that re-parametrise the weight
/// (SpectralNorm, weight standardisation) can compute a new weight and apply the layer with it.
class WeightedModule : public Module {
public:
    using Module::Module;
    using Module::forward;

    /// The layer applied with `weight` (same shape as this->weight) instead of its own.
    virtual Tensor forward_with_weight(const Tensor& x, const Tensor& weight) = 0;
    /// forward_with_weight(x, weight).
    Tensor forward(const Tensor& x) override { return forward_with_weight(x, weight); }
    /// The axis of `weight` that indexes output features: 0 for Linear and Conv2d, 1 for
    /// ConvTranspose2d (whose weight is (Cin, Cout, kH, kW)). SpectralNorm uses it as PyTorch's
    /// `dim`.
    virtual int output_axis() const { return 0; }
    /// Draws the default initial values again from `rng` (weight, then bias).
    virtual void reset_parameters(Rng& rng) = 0;

    /// The learned weight (a registered parameter).
    Tensor weight;
    /// The learned bias; undefined when the options say bias = false.
    Tensor bias;
};

struct LinearOptions {
    /// Features of each input sample (F_in).
    int64_t in_features = 0;
    /// Features of each output sample (F_out).
    int64_t out_features = 0;
    /// Whether to learn an additive bias.
    bool bias = true;
    /// Throws gantry::Error naming the first bad value.
    void validate() const;
};

/// y = x W^T + b: x (N, F_in) -> (N, F_out); weight (F_out, F_in), bias (F_out).
///
/// Example:
/// ```
/// nn::Linear fc(nn::LinearOptions{.in_features = 128, .out_features = 1, .bias = false}, rng);
/// ```
class Linear : public WeightedModule {
public:
    /// Validates `options`, then draws weight and bias from `rng`.
    Linear(const LinearOptions& options, Rng& rng);
    using WeightedModule::forward;
    Tensor forward_with_weight(const Tensor& x, const Tensor& weight) override;
    void reset_parameters(Rng& rng) override;
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const LinearOptions options;
};

struct Conv2dOptions {
    /// Input channels (Cin).
    int64_t in_channels = 0;
    /// Output channels (Cout).
    int64_t out_channels = 0;
    /// Kernel height and width.
    Size2 kernel_size = 1;
    /// Step of the kernel over the input.
    Size2 stride = 1;
    /// Zeros added on each side of the input.
    Size2 padding = 0;
    /// Spacing between kernel taps.
    Size2 dilation = 1;
    /// Whether to learn an additive per-channel bias.
    bool bias = true;
    /// Throws gantry::Error naming the first bad value.
    void validate() const;
};

/// 2-D convolution: x (N, Cin, H, W) -> (N, Cout, Ho, Wo) with
/// Ho = (H + 2 padding - dilation (k - 1) - 1) / stride + 1; weight (Cout, Cin, kH, kW).
///
/// Example (a DCGAN discriminator block, 64 -> 32 pixels):
/// ```
/// nn::Conv2d conv(nn::Conv2dOptions{.in_channels = 3, .out_channels = 64, .kernel_size = 4,
///                                   .stride = 2, .padding = 1, .bias = false}, rng);
/// ```
class Conv2d : public WeightedModule {
public:
    /// Validates `options`, then draws weight and bias from `rng`.
    Conv2d(const Conv2dOptions& options, Rng& rng);
    using WeightedModule::forward;
    Tensor forward_with_weight(const Tensor& x, const Tensor& weight) override;
    void reset_parameters(Rng& rng) override;
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const Conv2dOptions options;
};

struct ConvTranspose2dOptions {
    /// Input channels (Cin).
    int64_t in_channels = 0;
    /// Output channels (Cout).
    int64_t out_channels = 0;
    /// Kernel height and width.
    Size2 kernel_size = 1;
    /// Step of the kernel over the input.
    Size2 stride = 1;
    /// dilation * (kernel_size - 1) - padding zeros are added on each side of the input.
    Size2 padding = 0;
    /// Extra size added on one side of the output (must be smaller than stride or dilation):
    /// it picks among the input sizes a strided convolution maps to the same output size.
    Size2 output_padding = 0;
    /// Spacing between kernel taps.
    Size2 dilation = 1;
    /// Whether to learn an additive per-channel bias.
    bool bias = true;
    /// Throws gantry::Error naming the first bad value.
    void validate() const;
};

/// Transposed 2-D convolution (the gradient of Conv2d w.r.t. its input, used to upsample):
/// x (N, Cin, H, W) -> (N, Cout, (H - 1) stride - 2 padding + dilation (k - 1) +
/// output_padding + 1, ...); weight (Cin, Cout, kH, kW) as in PyTorch.
/// Its default initialisation follows PyTorch's, including the fan-in quirk:
/// fan_in = Cout * kH * kW (see init::calculate_fan_in_and_fan_out).
///
/// Example (a DCGAN generator block, 4 -> 8 pixels):
/// ```
/// nn::ConvTranspose2d up(nn::ConvTranspose2dOptions{.in_channels = 512, .out_channels = 256,
///                        .kernel_size = 4, .stride = 2, .padding = 1, .bias = false}, rng);
/// ```
class ConvTranspose2d : public WeightedModule {
public:
    /// Validates `options`, then draws weight and bias from `rng`.
    ConvTranspose2d(const ConvTranspose2dOptions& options, Rng& rng);
    using WeightedModule::forward;
    Tensor forward_with_weight(const Tensor& x, const Tensor& weight) override;
    void reset_parameters(Rng& rng) override;
    int output_axis() const override { return 1; }
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const ConvTranspose2dOptions options;
};

// ---- normalisation -----------------------------------------------------------------------------

struct BatchNormOptions {
    /// Channels (C) of the input (N, C[, H, W]).
    int64_t num_features = 0;
    /// Added to the variance for numerical stability.
    float eps = 1e-5f;
    /// running = (1 - momentum) running + momentum batch (PyTorch's convention), in [0, 1].
    float momentum = 0.1f;
    /// Whether to learn a per-channel scale (ones) and shift (zeros).
    bool affine = true;
    /// Whether to keep running_mean / running_var buffers for eval mode. Without them the batch
    /// statistics are used in eval mode too.
    bool track_running_stats = true;
    /// Throws gantry::Error naming the first bad value.
    void validate() const;
};

/// Batch normalisation (Ioffe & Szegedy 2015) over the batch (and spatial) axes, per channel:
/// batch statistics in training (updating the running ones), running statistics in eval mode.
/// Parameters weight (C), bias (C) when affine; buffers running_mean (C), running_var (C) when
/// track_running_stats. PyTorch's num_batches_tracked is not kept: it only matters for
/// momentum = None (a cumulative average), which is not offered. Use BatchNorm1d / BatchNorm2d;
/// this base lets the runtime find every batch-norm layer of a network with one dynamic_cast.
///
/// Example (refusing batch norm in a critic with a gradient penalty):
/// ```
/// for (auto& [name, m] : critic.named_modules())
///     if (dynamic_cast<nn::BatchNorm*>(m.get())) throw Error(name + ": batch norm in the critic");
/// ```
class BatchNorm : public Module {
public:
    /// `expected_rank`: 2 for BatchNorm1d, 4 for BatchNorm2d; `name` for messages and printing.
    BatchNorm(const BatchNormOptions& options, int expected_rank, std::string name);
    using Module::forward;
    Tensor forward(const Tensor& x) override;
    /// Running statistics back to mean 0, variance 1; weight to ones, bias to zeros.
    void reset_parameters();
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const BatchNormOptions options;
    /// Learned scale and shift (undefined unless affine).
    Tensor weight, bias;
    /// Running statistics (undefined unless track_running_stats).
    Tensor running_mean, running_var;

private:
    int expected_rank_;
};

/// BatchNorm over x (N, C): one mean and variance per feature.
///
/// Example:
/// ```
/// nn::BatchNorm1d bn(nn::BatchNormOptions{.num_features = 256});
/// ```
class BatchNorm1d : public BatchNorm {
public:
    explicit BatchNorm1d(const BatchNormOptions& options) : BatchNorm(options, 2, "BatchNorm1d") {}
};

/// BatchNorm over x (N, C, H, W): one mean and variance per channel over N, H and W.
///
/// Example:
/// ```
/// nn::BatchNorm2d bn(nn::BatchNormOptions{.num_features = 64, .momentum = 0.1f});
/// ```
class BatchNorm2d : public BatchNorm {
public:
    explicit BatchNorm2d(const BatchNormOptions& options) : BatchNorm(options, 4, "BatchNorm2d") {}
};

struct LayerNormOptions {
    /// The shape of one sample, e.g. {C, H, W} or {F}; statistics are taken over all of it.
    std::vector<int64_t> normalized_shape;
    /// Added to the variance for numerical stability.
    float eps = 1e-5f;
    /// Whether to learn an element-wise scale (ones) and shift (zeros) of `normalized_shape`.
    bool elementwise_affine = true;
    /// Throws gantry::Error naming the first bad value.
    void validate() const;
};

/// Layer normalisation (Ba et al. 2016) of each sample over all its axes. Unlike PyTorch, the
/// normalised shape must be the whole sample (the layer_norm op normalises every axis but the
/// first), which is what GAN critics use (WGAN-GP's replacement for BatchNorm).
///
/// Example:
/// ```
/// nn::LayerNorm ln(nn::LayerNormOptions{.normalized_shape = {128, 8, 8}});
/// ```
class LayerNorm : public Module {
public:
    /// Validates `options`; weight starts at ones, bias at zeros.
    explicit LayerNorm(const LayerNormOptions& options);
    using Module::forward;
    /// x (N, normalized_shape...) -> same shape.
    Tensor forward(const Tensor& x) override;
    /// Weight back to ones, bias to zeros.
    void reset_parameters();
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const LayerNormOptions options;
    /// Learned scale and shift of `normalized_shape` (undefined unless elementwise_affine).
    Tensor weight, bias;
};

// ---- activations and shape layers ----------------------------------------------------------

/// max(x, 0).
///
/// Example:
/// ```
/// auto act = std::make_shared<nn::ReLU>();
/// ```
class ReLU : public Module {
public:
    ReLU() : Module("ReLU") {}
    using Module::forward;
    Tensor forward(const Tensor& x) override;
};

struct LeakyReLUOptions {
    /// The slope for x < 0 (0.2 in DCGAN's discriminator).
    float negative_slope = 0.01f;
    /// Throws gantry::Error for a slope that is negative or not finite.
    void validate() const;
};

/// x for x > 0, negative_slope * x otherwise.
///
/// Example:
/// ```
/// nn::LeakyReLU act(nn::LeakyReLUOptions{.negative_slope = 0.2f});
/// ```
class LeakyReLU : public Module {
public:
    /// Validates `options`.
    explicit LeakyReLU(const LeakyReLUOptions& options = {});
    using Module::forward;
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const LeakyReLUOptions options;
};

/// tanh(x) (a generator's last layer, images in [-1, 1]).
///
/// Example:
/// ```
/// g.push_back(std::make_shared<nn::Tanh>());
/// ```
class Tanh : public Module {
public:
    Tanh() : Module("Tanh") {}
    using Module::forward;
    Tensor forward(const Tensor& x) override;
};

/// 1 / (1 + exp(-x)). (A discriminator trained with a logit loss needs none.)
///
/// Example:
/// ```
/// Tensor probability = nn::Sigmoid()(logits);
/// ```
class Sigmoid : public Module {
public:
    Sigmoid() : Module("Sigmoid") {}
    using Module::forward;
    Tensor forward(const Tensor& x) override;
};

/// Collapses axes start_axis.. into one: (N, C, H, W) -> (N, C*H*W) by default.
///
/// Example:
/// ```
/// nn::Flatten flatten;   // before a critic's last Linear
/// ```
class Flatten : public Module {
public:
    /// Throws gantry::Error for an axis outside [0, 4).
    explicit Flatten(int start_axis = 1);
    using Module::forward;
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;
    /// The first axis collapsed.
    const int start_axis;
};

/// Gives each sample the shape `sample_shape`: (N, ...) -> (N, sample_shape...), keeping N
/// (PyTorch's Unflatten(1, shape) on a flat input). One entry may be -1 (inferred).
///
/// Example (a generator's projected noise to feature maps):
/// ```
/// nn::Reshape to_maps({512, 4, 4});   // (N, 8192) -> (N, 512, 4, 4)
/// ```
class Reshape : public Module {
public:
    /// Throws gantry::Error for an empty or too long shape, or more than one -1.
    explicit Reshape(std::vector<int64_t> sample_shape);
    using Module::forward;
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;
    /// The shape of one output sample.
    const std::vector<int64_t> sample_shape;
};

struct DropoutOptions {
    /// Probability of zeroing an element, in [0, 1).
    float p = 0.5f;
    /// Seed of the module's own Rng (stream 0): masks are reproducible from it.
    uint64_t seed = 0;
    /// Throws gantry::Error for p outside [0, 1).
    void validate() const;
};

/// Zeroes each element with probability p and scales the rest by 1 / (1 - p) in training;
/// identity in eval mode. The masks come from the module's own Philox stream (seed from the
/// options); how far it has advanced is the buffer `rng_counter` (4 values, each 16 bits of the
/// 64-bit block counter, so every value is an exact, finite float), so state_dict() and
/// checkpoints carry it and a resumed run draws the masks the uninterrupted one would.
///
/// Example:
/// ```
/// nn::Dropout drop(nn::DropoutOptions{.p = 0.3f, .seed = 7});
/// ```
class Dropout : public Module {
public:
    /// Validates `options` and seeds `rng` from them.
    explicit Dropout(const DropoutOptions& options = {});
    using Module::forward;
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const DropoutOptions options;
    /// The position of the mask stream, (4): the counter's 16-bit pieces, lowest first.
    Tensor rng_counter;
};

/// Maxout (Goodfellow et al. 2013): the max over groups of `pieces` consecutive channels,
/// (N, C*pieces, ...) -> (N, C, ...).
///
/// Example:
/// ```
/// nn::Maxout maxout(5);   // (N, 1200) -> (N, 240), the original GAN discriminator
/// ```
class Maxout : public Module {
public:
    /// Throws gantry::Error unless pieces > 0.
    explicit Maxout(int64_t pieces);
    using Module::forward;
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;
    /// Channels per group.
    const int64_t pieces;
};

struct EmbeddingOptions {
    /// Number of rows (classes).
    int64_t num_embeddings = 0;
    /// Width of each row.
    int64_t embedding_dim = 0;
    /// Throws gantry::Error naming the first bad value.
    void validate() const;
};

/// A learned table: labels (N) of class indices (stored as floats) -> rows (N, embedding_dim).
/// weight (num_embeddings, embedding_dim) starts N(0, 1), as in PyTorch.
///
/// Example (a conditional generator's class input):
/// ```
/// nn::Embedding embed(nn::EmbeddingOptions{.num_embeddings = 10, .embedding_dim = 128}, rng);
/// Tensor z_and_class = concat({z, embed(labels)}, 1);
/// ```
class Embedding : public Module {
public:
    /// Validates `options`, then draws the table from `rng`.
    Embedding(const EmbeddingOptions& options, Rng& rng);
    using Module::forward;
    /// labels (N) -> (N, embedding_dim).
    Tensor forward(const Tensor& labels) override;
    /// Draws the table again from N(0, 1).
    void reset_parameters(Rng& rng);
    std::string extra_repr() const override;
    /// The options the layer was built with.
    const EmbeddingOptions options;
    /// The table (a registered parameter).
    Tensor weight;
};

// ---- containers --------------------------------------------------------------------------------

/// Applies its modules in order; they are registered as "0", "1", ... so their parameters are
/// named "0.weight", "2.bias", ... as in PyTorch. forward(x, labels) is the base one (it throws
/// if labels are given): a class-conditional network is written as its own module.
///
/// Example:
/// ```
/// nn::Sequential g{std::make_shared<nn::Linear>(nn::LinearOptions{100, 256}, rng),
///                  std::make_shared<nn::ReLU>(),
///                  std::make_shared<nn::Linear>(nn::LinearOptions{256, 784}, rng),
///                  std::make_shared<nn::Tanh>()};
/// ```
class Sequential : public Module {
public:
    Sequential() : Module("Sequential") {}
    /// push_back of each module in turn.
    Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
    /// Appends `module` under the next index name.
    void push_back(std::shared_ptr<Module> module);
    using Module::forward;
    Tensor forward(const Tensor& x) override;
    /// Number of modules.
    size_t size() const { return modules_.size(); }
    /// Module `index` (throws gantry::Error past the end).
    std::shared_ptr<Module> operator[](size_t index) const;
    /// Module `index` cast to M (throws gantry::Error if it is not an M).
    template <typename M>
    std::shared_ptr<M> at(size_t index) const {
        auto typed = std::dynamic_pointer_cast<M>((*this)[index]);
        GANTRY_CHECK(typed != nullptr, "Sequential::at: module ", index, " is a ",
                     (*this)[index]->name(), ", not the type asked for");
        return typed;
    }

private:
    std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace gantry::nn
