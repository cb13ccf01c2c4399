// SPDX-License-Identifier: Apache-2.0
#include "gantry/nn/layers.hpp"

#include <cmath>
#include <sstream>

#include "gantry/nn/init.hpp"

namespace gantry::nn {

namespace {

std::string size2(const Size2& s) {
    std::ostringstream out;
    if (s.h == s.w)
        out << s.h;
    else
        out << "(" << s.h << ", " << s.w << ")";
    return out.str();
}

std::string shape_list(const std::vector<int64_t>& dims) {
    std::ostringstream out;
    out << "(";
    for (size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
    out << ")";
    return out.str();
}

const char* boolean(bool b) { return b ? "true" : "false"; }

void check_positive(const char* where, const char* what, int64_t value) {
    GANTRY_CHECK(value > 0, where, ": ", what, " must be positive, got ", value);
}

void check_positive(const char* where, const char* what, const Size2& value) {
    GANTRY_CHECK(value.h > 0 && value.w > 0, where, ": ", what, " must be positive, got ",
                 size2(value));
}

void check_non_negative(const char* where, const char* what, const Size2& value) {
    GANTRY_CHECK(value.h >= 0 && value.w >= 0, where, ": ", what, " must be non-negative, got ",
                 size2(value));
}

void check_input(const Module& m, const Tensor& x, int rank, int64_t features,
                 const char* layout) {
    GANTRY_CHECK_AS(ShapeError, x.defined(), m.name(), ": the input is undefined");
    GANTRY_CHECK_AS(ShapeError, x.rank() == rank && x.size(1) == features, m.name(),
                    ": expected input ", layout, " with ", features, " at axis 1, got ",
                    x.shape());
}

void check_weight(const WeightedModule& m, const Tensor& w) {
    GANTRY_CHECK_AS(ShapeError, w.defined() && w.shape() == m.weight.shape(), m.name(),
                    ": forward_with_weight expected a weight of shape ", m.weight.shape(), ", got ",
                    w.defined() ? w.shape().str() : std::string("undefined"));
}

// PyTorch's default for Linear and _ConvNd: kaiming_uniform_(a = sqrt(5)) on the weight, which
// is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
void default_init(Tensor& weight, Tensor& bias, Rng& rng) {
    init::kaiming_uniform_(weight, rng, std::sqrt(5.0));
    if (bias.defined()) {
        const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
        const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
        init::uniform_(bias, rng, -bound, bound);
    }
}

Conv2dParams conv_params(const Size2& stride, const Size2& padding, const Size2& dilation) {
    Conv2dParams params;
    params.stride = stride.array();
    params.padding = padding.array();
    params.dilation = dilation.array();
    return params;
}

}  // namespace

// ---- Linear ------------------------------------------------------------------------------------

void LinearOptions::validate() const {
    check_positive("LinearOptions", "in_features", in_features);
    check_positive("LinearOptions", "out_features", out_features);
}

Linear::Linear(const LinearOptions& opts, Rng& rng) : WeightedModule("Linear"), options(opts) {
    options.validate();
    weight = register_parameter("weight", Tensor::empty({options.out_features, options.in_features}));
    if (options.bias) bias = register_parameter("bias", Tensor::empty({options.out_features}));
    reset_parameters(rng);
}

void Linear::reset_parameters(Rng& rng) { default_init(weight, bias, rng); }

Tensor Linear::forward_with_weight(const Tensor& x, const Tensor& w) {
    check_input(*this, x, 2, options.in_features, "(N, in_features)");
    check_weight(*this, w);
    return linear(x, w, bias);
}

std::string Linear::extra_repr() const {
    return "in_features=" + std::to_string(options.in_features) +
           ", out_features=" + std::to_string(options.out_features) +
           ", bias=" + boolean(options.bias);
}

// ---- Conv2d ------------------------------------------------------------------------------------

void Conv2dOptions::validate() const {
    check_positive("Conv2dOptions", "in_channels", in_channels);
    check_positive("Conv2dOptions", "out_channels", out_channels);
    check_positive("Conv2dOptions", "kernel_size", kernel_size);
    check_positive("Conv2dOptions", "stride", stride);
    check_non_negative("Conv2dOptions", "padding", padding);
    check_positive("Conv2dOptions", "dilation", dilation);
}

Conv2d::Conv2d(const Conv2dOptions& opts, Rng& rng) : WeightedModule("Conv2d"), options(opts) {
    options.validate();
    weight = register_parameter("weight", Tensor::empty({options.out_channels, options.in_channels,
                                                         options.kernel_size.h,
                                                         options.kernel_size.w}));
    if (options.bias) bias = register_parameter("bias", Tensor::empty({options.out_channels}));
    reset_parameters(rng);
}

void Conv2d::reset_parameters(Rng& rng) { default_init(weight, bias, rng); }

Tensor Conv2d::forward_with_weight(const Tensor& x, const Tensor& w) {
    check_input(*this, x, 4, options.in_channels, "(N, in_channels, H, W)");
    check_weight(*this, w);
    return conv2d(x, w, bias, conv_params(options.stride, options.padding, options.dilation));
}

std::string Conv2d::extra_repr() const {
    std::string out = std::to_string(options.in_channels) + ", " +
                      std::to_string(options.out_channels) +
                      ", kernel_size=" + size2(options.kernel_size) +
                      ", stride=" + size2(options.stride);
    if (options.padding != Size2(0)) out += ", padding=" + size2(options.padding);
    if (options.dilation != Size2(1)) out += ", dilation=" + size2(options.dilation);
    if (!options.bias) out += ", bias=false";
    return out;
}

// ---- ConvTranspose2d ---------------------------------------------------------------------------

void ConvTranspose2dOptions::validate() const {
    const char* where = "ConvTranspose2dOptions";
    check_positive(where, "in_channels", in_channels);
    check_positive(where, "out_channels", out_channels);
    check_positive(where, "kernel_size", kernel_size);
    check_positive(where, "stride", stride);
    check_non_negative(where, "padding", padding);
    check_non_negative(where, "output_padding", output_padding);
    check_positive(where, "dilation", dilation);
    // Otherwise the extra rows would be outside every kernel's reach (PyTorch's rule).
    GANTRY_CHECK(
        (output_padding.h < stride.h || output_padding.h < dilation.h) &&
            (output_padding.w < stride.w || output_padding.w < dilation.w),
        where, ": output_padding must be smaller than stride or dilation, got output_padding=",
        size2(output_padding), ", stride=", size2(stride), ", dilation=", size2(dilation));
}

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& opts, Rng& rng)
    : WeightedModule("ConvTranspose2d"), options(opts) {
    options.validate();
    weight = register_parameter("weight", Tensor::empty({options.in_channels, options.out_channels,
                                                         options.kernel_size.h,
                                                         options.kernel_size.w}));
    if (options.bias) bias = register_parameter("bias", Tensor::empty({options.out_channels}));
    reset_parameters(rng);
}

void ConvTranspose2d::reset_parameters(Rng& rng) { default_init(weight, bias, rng); }

Tensor ConvTranspose2d::forward_with_weight(const Tensor& x, const Tensor& w) {
    check_input(*this, x, 4, options.in_channels, "(N, in_channels, H, W)");
    check_weight(*this, w);
    return conv_transpose2d(x, w, bias,
                            conv_params(options.stride, options.padding, options.dilation),
                            options.output_padding.array());
}

std::string ConvTranspose2d::extra_repr() const {
    std::string out = std::to_string(options.in_channels) + ", " +
                      std::to_string(options.out_channels) +
                      ", kernel_size=" + size2(options.kernel_size) +
                      ", stride=" + size2(options.stride);
    if (options.padding != Size2(0)) out += ", padding=" + size2(options.padding);
    if (options.output_padding != Size2(0))
        out += ", output_padding=" + size2(options.output_padding);
    if (options.dilation != Size2(1)) out += ", dilation=" + size2(options.dilation);
    if (!options.bias) out += ", bias=false";
    return out;
}

// ---- BatchNorm ---------------------------------------------------------------------------------

void BatchNormOptions::validate() const {
    check_positive("BatchNormOptions", "num_features", num_features);
    GANTRY_CHECK(eps > 0.f, "BatchNormOptions: eps must be positive, got ", eps);
    GANTRY_CHECK(momentum >= 0.f && momentum <= 1.f,
                 "BatchNormOptions: momentum must be in [0, 1], got ", momentum);
}

BatchNorm::BatchNorm(const BatchNormOptions& opts, int expected_rank, std::string name)
    : Module(std::move(name)), options(opts), expected_rank_(expected_rank) {
    options.validate();
    const Shape channels{options.num_features};
    if (options.affine) {
        weight = register_parameter("weight", Tensor::ones(channels));
        bias = register_parameter("bias", Tensor::zeros(channels));
    }
    if (options.track_running_stats) {
        running_mean = register_buffer("running_mean", Tensor::zeros(channels));
        running_var = register_buffer("running_var", Tensor::ones(channels));
    }
}

void BatchNorm::reset_parameters() {
    if (weight.defined()) init::ones_(weight);
    if (bias.defined()) init::zeros_(bias);
    if (running_mean.defined()) init::zeros_(running_mean);
    if (running_var.defined()) init::ones_(running_var);
}

Tensor BatchNorm::forward(const Tensor& x) {
    check_input(*this, x, expected_rank_, options.num_features,
                expected_rank_ == 2 ? "(N, C)" : "(N, C, H, W)");
    // Without running statistics there is nothing else to normalise with in eval mode.
    const bool use_batch_stats = is_training() || !options.track_running_stats;
    return batch_norm(x, weight, bias, running_mean, running_var, use_batch_stats,
                      options.momentum, options.eps);
}

std::string BatchNorm::extra_repr() const {
    std::ostringstream out;
    out << options.num_features << ", eps=" << options.eps << ", momentum=" << options.momentum
        << ", affine=" << boolean(options.affine)
        << ", track_running_stats=" << boolean(options.track_running_stats);
    return out.str();
}

// ---- LayerNorm ---------------------------------------------------------------------------------

void LayerNormOptions::validate() const {
    GANTRY_CHECK(!normalized_shape.empty() &&
                     static_cast<int>(normalized_shape.size()) < Shape::kMaxRank,
                 "LayerNormOptions: normalized_shape must have 1 to ", Shape::kMaxRank - 1,
                 " axes, got ", shape_list(normalized_shape));
    for (int64_t d : normalized_shape)
        GANTRY_CHECK(d > 0, "LayerNormOptions: normalized_shape must be positive, got ",
                     shape_list(normalized_shape));
    GANTRY_CHECK(eps > 0.f, "LayerNormOptions: eps must be positive, got ", eps);
}

LayerNorm::LayerNorm(const LayerNormOptions& opts) : Module("LayerNorm"), options(opts) {
    options.validate();
    if (options.elementwise_affine) {
        const Shape sample(options.normalized_shape);
        weight = register_parameter("weight", Tensor::ones(sample));
        bias = register_parameter("bias", Tensor::zeros(sample));
    }
}

void LayerNorm::reset_parameters() {
    if (weight.defined()) init::ones_(weight);
    if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& x) {
    GANTRY_CHECK_AS(ShapeError, x.defined(), "LayerNorm: the input is undefined");
    const std::vector<int64_t>& dims = x.shape().dims();
    const bool matches = dims.size() == options.normalized_shape.size() + 1 &&
                         std::equal(options.normalized_shape.begin(),
                                    options.normalized_shape.end(), dims.begin() + 1);
    GANTRY_CHECK_AS(ShapeError, matches, "LayerNorm: expected input (N, ",
                    shape_list(options.normalized_shape).substr(1), ", got ", x.shape());
    return layer_norm(x, weight, bias, options.eps);
}

std::string LayerNorm::extra_repr() const {
    std::ostringstream out;
    out << shape_list(options.normalized_shape) << ", eps=" << options.eps
        << ", elementwise_affine=" << boolean(options.elementwise_affine);
    return out.str();
}

// ---- activations and shape layers --------------------------------------------------------------

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

void LeakyReLUOptions::validate() const {
    GANTRY_CHECK(std::isfinite(negative_slope) && negative_slope >= 0.f,
                 "LeakyReLUOptions: negative_slope must be finite and non-negative, got ",
                 negative_slope);
}

LeakyReLU::LeakyReLU(const LeakyReLUOptions& opts) : Module("LeakyReLU"), options(opts) {
    options.validate();
}

Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, options.negative_slope); }

std::string LeakyReLU::extra_repr() const {
    std::ostringstream out;
    out << "negative_slope=" << options.negative_slope;
    return out.str();
}

Tensor Tanh::forward(const Tensor& x) { return tanh(x); }

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

Flatten::Flatten(int start) : Module("Flatten"), start_axis(start) {
    GANTRY_CHECK(start_axis >= 0 && start_axis < Shape::kMaxRank,
                 "Flatten: start_axis must be in [0, ", Shape::kMaxRank, "), got ", start_axis);
}

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_axis); }

std::string Flatten::extra_repr() const { return "start_axis=" + std::to_string(start_axis); }

Reshape::Reshape(std::vector<int64_t> shape) : Module("Reshape"), sample_shape(std::move(shape)) {
    GANTRY_CHECK(!sample_shape.empty() && static_cast<int>(sample_shape.size()) < Shape::kMaxRank,
                 "Reshape: sample_shape must have 1 to ", Shape::kMaxRank - 1, " axes, got ",
                 shape_list(sample_shape));
    int inferred = 0;
    for (int64_t d : sample_shape) {
        GANTRY_CHECK(d > 0 || d == -1, "Reshape: sample_shape entries must be positive or -1, got ",
                     shape_list(sample_shape));
        inferred += d == -1;
    }
    GANTRY_CHECK(inferred <= 1, "Reshape: at most one -1 in sample_shape, got ",
                 shape_list(sample_shape));
}

Tensor Reshape::forward(const Tensor& x) {
    GANTRY_CHECK_AS(ShapeError, x.defined() && x.rank() >= 1, "Reshape: expected a batch (N, ...)");
    std::vector<int64_t> shape{x.size(0)};
    shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
    return reshape(x, shape);
}

std::string Reshape::extra_repr() const { return shape_list(sample_shape); }

void DropoutOptions::validate() const {
    // p = 1 would divide by zero in the 1 / (1 - p) scaling.
    GANTRY_CHECK(p >= 0.f && p < 1.f, "DropoutOptions: p must be in [0, 1), got ", p);
}

Dropout::Dropout(const DropoutOptions& opts) : Module("Dropout"), options(opts) {
    options.validate();
    rng_counter = register_buffer("rng_counter", Tensor::zeros({4}));
}

Tensor Dropout::forward(const Tensor& x) {
    if (!is_training() || options.p == 0.f) {
        Rng unused;
        return dropout(x, options.p, false, unused);
    }
    // The buffer is the stream's state: it is what load_state_dict() restores.
    float* pieces = rng_counter.data();
    uint64_t counter = 0;
    for (int i = 0; i < 4; ++i) counter |= static_cast<uint64_t>(pieces[i]) << (16 * i);
    Rng rng(options.seed);
    rng.set_state({options.seed, 0, counter});
    Tensor y = dropout(x, options.p, true, rng);
    counter = rng.state().counter;
    for (int i = 0; i < 4; ++i) pieces[i] = static_cast<float>((counter >> (16 * i)) & 0xFFFF);
    return y;
}

std::string Dropout::extra_repr() const {
    std::ostringstream out;
    out << "p=" << options.p;
    return out.str();
}

Maxout::Maxout(int64_t n) : Module("Maxout"), pieces(n) {
    check_positive("Maxout", "pieces", pieces);
}

Tensor Maxout::forward(const Tensor& x) {
    GANTRY_CHECK_AS(ShapeError, x.defined() && x.rank() >= 2 && x.size(1) % pieces == 0,
                    "Maxout: expected input (N, C * ", pieces, ", ...), got ",
                    x.defined() ? x.shape().str() : std::string("undefined"));
    return maxout(x, pieces);
}

std::string Maxout::extra_repr() const { return "pieces=" + std::to_string(pieces); }

void EmbeddingOptions::validate() const {
    check_positive("EmbeddingOptions", "num_embeddings", num_embeddings);
    check_positive("EmbeddingOptions", "embedding_dim", embedding_dim);
}

Embedding::Embedding(const EmbeddingOptions& opts, Rng& rng) : Module("Embedding"), options(opts) {
    options.validate();
    weight = register_parameter("weight", Tensor::empty({options.num_embeddings, options.embedding_dim}));
    reset_parameters(rng);
}

void Embedding::reset_parameters(Rng& rng) { init::normal_(weight, rng, 0.0, 1.0); }

Tensor Embedding::forward(const Tensor& labels) {
    GANTRY_CHECK_AS(ShapeError, labels.defined() && labels.rank() == 1,
                    "Embedding: expected labels (N), got ",
                    labels.defined() ? labels.shape().str() : std::string("undefined"));
    return embedding(labels, weight);
}

std::string Embedding::extra_repr() const {
    return std::to_string(options.num_embeddings) + ", " + std::to_string(options.embedding_dim);
}

// ---- Sequential --------------------------------------------------------------------------------

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules)
    : Module("Sequential") {
    for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
    register_module(std::to_string(modules_.size()), module);
    modules_.push_back(std::move(module));
}

Tensor Sequential::forward(const Tensor& x) {
    Tensor out = x;
    for (const auto& m : modules_) out = m->forward(out);
    return out;
}

std::shared_ptr<Module> Sequential::operator[](size_t index) const {
    GANTRY_CHECK(index < modules_.size(), "Sequential: index ", index, " is out of range for ",
                 modules_.size(), " modules");
    return modules_[index];
}

}  // namespace gantry::nn
