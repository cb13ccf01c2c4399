// SPDX-License-Identifier: Apache-2.0
// `gantry bench WORKLOAD`: full GAN training iterations of the workloads that
// shared/perf/torch_gan_bench.py runs in PyTorch (same layers, batch, data, loss, optimizer, and the
// same FLOP count), so the two can be compared side by side. One JSON line of medians.
//
// One iteration, as in pytorch/examples dcgan: D on a real batch and on G(z) detached, one Adam
// step for D; then D(G(z)) with D frozen, one Adam step for G (G(z) is computed once).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "command.hpp"
#include "gantry/autograd.hpp"
#include "gantry/datasets/idx_file.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/adam.hpp"
#include "gantry/threads.hpp"

namespace gantry::cli {

namespace {

using Clock = std::chrono::steady_clock;
using nn::Module;
using nn::Sequential;

struct Workload {
    std::string name;
    int64_t batch = 0;
    Shape noise_shape;
    double lr = 0;
    std::shared_ptr<Sequential> G, D;
    std::vector<double> g_layer_flop, d_layer_flop;  ///< forward FLOPs of each Linear/Conv layer
    std::function<Tensor()> sample_real;
};

// ---- layers, recording their forward FLOPs as torch_gan_bench.py counts them -------------------

class Builder {
public:
    Builder(Rng& rng, std::vector<double>& flops) : rng_(rng), flops_(flops) {}

    std::shared_ptr<Module> linear(int64_t batch, int64_t in, int64_t out) {
        flops_.push_back(2.0 * batch * in * out);
        return std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = in, .out_features = out}, rng_);
    }
    /// Conv2d(in, out, k, s, p), no bias, on (batch, in, h, h) -> (batch, out, ho, ho).
    std::shared_ptr<Module> conv(int64_t batch, int64_t in, int64_t out, int64_t k, int64_t s,
                                 int64_t p, int64_t& h) {
        const int64_t ho = (h + 2 * p - k) / s + 1;
        flops_.push_back(2.0 * batch * in * out * ho * ho * k * k);
        h = ho;
        return std::make_shared<nn::Conv2d>(
            nn::Conv2dOptions{.in_channels = in, .out_channels = out, .kernel_size = k,
                              .stride = s, .padding = p, .bias = false}, rng_);
    }
    /// ConvTranspose2d(in, out, k, s, p), no bias; FLOPs of the mirror direct convolution.
    std::shared_ptr<Module> deconv(int64_t batch, int64_t in, int64_t out, int64_t k, int64_t s,
                                   int64_t p, int64_t& h) {
        const int64_t ho = (h - 1) * s - 2 * p + k;
        flops_.push_back(2.0 * batch * in * out * h * h * k * k);
        h = ho;
        return std::make_shared<nn::ConvTranspose2d>(
            nn::ConvTranspose2dOptions{.in_channels = in, .out_channels = out, .kernel_size = k,
                                       .stride = s, .padding = p, .bias = false}, rng_);
    }
    static std::shared_ptr<Module> bn(int64_t c) {
        return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = c});
    }
    static std::shared_ptr<Module> relu() { return std::make_shared<nn::ReLU>(); }
    static std::shared_ptr<Module> lrelu() {
        return std::make_shared<nn::LeakyReLU>(nn::LeakyReLUOptions{.negative_slope = 0.2f});
    }

private:
    Rng& rng_;
    std::vector<double>& flops_;
};

Workload mlp2d(Rng& rng) {
    Workload w{.name = "mlp2d", .batch = 512, .noise_shape = Shape{512, 256}, .lr = 1e-4};
    w.G = std::make_shared<Sequential>();
    w.D = std::make_shared<Sequential>();
    Builder g(rng, w.g_layer_flop), d(rng, w.d_layer_flop);
    const std::vector<int64_t> gs = {256, 128, 128, 128, 2}, ds = {2, 128, 128, 128, 1};
    for (size_t i = 0; i + 1 < gs.size(); ++i) {
        w.G->push_back(g.linear(w.batch, gs[i], gs[i + 1]));
        if (i + 2 < gs.size()) w.G->push_back(Builder::relu());
        w.D->push_back(d.linear(w.batch, ds[i], ds[i + 1]));
        if (i + 2 < ds.size()) w.D->push_back(Builder::relu());
    }
    // 8-Gaussian ring, radius 2, std 0.02.
    auto data_rng = std::make_shared<Rng>(1);
    w.sample_real = [data_rng, batch = w.batch] {
        Tensor x = data_rng->normal({batch, 2}, 0.f, 0.02f);
        constexpr double kTwoPi = 6.283185307179586;
        for (int64_t i = 0; i < batch; ++i) {
            const double angle = kTwoPi * static_cast<double>(data_rng->next_below(8)) / 8.0;
            x.data()[2 * i] += static_cast<float>(2.0 * std::cos(angle));
            x.data()[2 * i + 1] += static_cast<float>(2.0 * std::sin(angle));
        }
        return x;
    };
    return w;
}

/// Batches drawn in a shuffled order from a fixed pool of images, like ImageBatches in the script.
std::function<Tensor()> image_batches(Tensor pool, int64_t batch) {
    auto rng = std::make_shared<Rng>(2);
    auto order = std::make_shared<std::vector<int64_t>>();
    auto pos = std::make_shared<size_t>(0);
    return [=] {
        const int64_t n = pool.size(0);
        const int64_t per = pool.numel() / n;
        if (order->empty() || *pos + static_cast<size_t>(batch) > order->size()) {
            order->resize(static_cast<size_t>(n));
            std::iota(order->begin(), order->end(), 0);
            for (size_t i = order->size() - 1; i > 0; --i)
                std::swap((*order)[i], (*order)[rng->next_below(i + 1)]);
            *pos = 0;
        }
        std::vector<int64_t> dims = pool.shape().dims();
        dims[0] = batch;
        Tensor x = Tensor::empty(Shape(dims));
        for (int64_t b = 0; b < batch; ++b)
            std::copy_n(pool.data() + (*order)[*pos + static_cast<size_t>(b)] * per, per,
                        x.data() + b * per);
        *pos += static_cast<size_t>(batch);
        return x;
    };
}

Workload dcgan28(Rng& rng, const std::string& fmnist_dir) {
    Workload w{.name = "dcgan28", .batch = 64, .noise_shape = Shape{64, 100, 1, 1}, .lr = 2e-4};
    Builder g(rng, w.g_layer_flop), d(rng, w.d_layer_flop);
    int64_t h = 1;
    w.G = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        g.deconv(64, 100, 256, 4, 1, 0, h), Builder::bn(256), Builder::relu(),
        g.deconv(64, 256, 128, 3, 2, 1, h), Builder::bn(128), Builder::relu(),
        g.deconv(64, 128, 64, 4, 2, 1, h), Builder::bn(64), Builder::relu(),
        g.deconv(64, 64, 1, 4, 2, 1, h), std::make_shared<nn::Tanh>()});
    h = 28;
    // No final Sigmoid: the loss takes logits (BCE on sigmoid, computed stably).
    w.D = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        d.conv(64, 1, 64, 4, 2, 1, h), Builder::lrelu(),
        d.conv(64, 64, 128, 4, 2, 1, h), Builder::bn(128), Builder::lrelu(),
        d.conv(64, 128, 256, 4, 2, 1, h), Builder::bn(256), Builder::lrelu(),
        d.conv(64, 256, 1, 3, 1, 0, h)});
    const datasets::IdxArray images = datasets::read_idx(fmnist_dir + "/train-images-idx3-ubyte.gz");
    Tensor pool = Tensor::empty({images.dims[0], 1, images.dims[1], images.dims[2]});
    for (size_t i = 0; i < images.values.size(); ++i)
        pool.data()[i] = static_cast<float>(images.values[i]) / 127.5f - 1.f;
    w.sample_real = image_batches(pool, w.batch);
    return w;
}

Workload dcgan64(Rng& rng) {
    Workload w{.name = "dcgan64", .batch = 64, .noise_shape = Shape{64, 100, 1, 1}, .lr = 2e-4};
    Builder g(rng, w.g_layer_flop), d(rng, w.d_layer_flop);
    int64_t h = 1;
    w.G = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        g.deconv(64, 100, 512, 4, 1, 0, h), Builder::bn(512), Builder::relu(),
        g.deconv(64, 512, 256, 4, 2, 1, h), Builder::bn(256), Builder::relu(),
        g.deconv(64, 256, 128, 4, 2, 1, h), Builder::bn(128), Builder::relu(),
        g.deconv(64, 128, 64, 4, 2, 1, h), Builder::bn(64), Builder::relu(),
        g.deconv(64, 64, 3, 4, 2, 1, h), std::make_shared<nn::Tanh>()});
    h = 64;
    w.D = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        d.conv(64, 3, 64, 4, 2, 1, h), Builder::lrelu(),
        d.conv(64, 64, 128, 4, 2, 1, h), Builder::bn(128), Builder::lrelu(),
        d.conv(64, 128, 256, 4, 2, 1, h), Builder::bn(256), Builder::lrelu(),
        d.conv(64, 256, 512, 4, 2, 1, h), Builder::bn(512), Builder::lrelu(),
        d.conv(64, 512, 1, 4, 1, 0, h)});
    Rng pool_rng(3);
    w.sample_real = image_batches(pool_rng.uniform({8 * w.batch, 3, 64, 64}, -1.f, 1.f), w.batch);
    return w;
}

/// FLOPs per iteration exactly as torch_gan_bench.py's iteration_flops() counts them (its loop
/// also computes D's weight gradients in the G step; Gantry skips that work, D being frozen).
double iteration_flop(const Workload& w) {
    const double g = std::accumulate(w.g_layer_flop.begin(), w.g_layer_flop.end(), 0.0);
    const double d = std::accumulate(w.d_layer_flop.begin(), w.d_layer_flop.end(), 0.0);
    return g + g + (g - w.g_layer_flop[0]) + 3 * d + 3 * d + (3 * d - 2 * w.d_layer_flop[0]);
}

/// Binary cross-entropy of sigmoid(logits) against an all-`target` label: softplus(-l) for 1,
/// softplus(l) for 0 (the stable form of BCE on a sigmoid).
Tensor bce_with_logits(const Tensor& logits, bool target) {
    return mean(softplus(target ? -logits : logits));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int run_bench(const std::string& name, int threads, int iters, int warmup,
              const std::string& fmnist_dir) {
    set_num_threads(threads);
    Rng init_rng(0);
    Workload w;
    if (name == "mlp2d") w = mlp2d(init_rng);
    else if (name == "dcgan28") w = dcgan28(init_rng, fmnist_dir);
    else if (name == "dcgan64") w = dcgan64(init_rng);
    else throw ConfigError("gantry bench: unknown workload '" + name +
                           "'; expected mlp2d, dcgan28 or dcgan64");
    if (iters <= 0) iters = name == "dcgan64" ? 10 : 50;
    if (warmup < 0) warmup = name == "dcgan64" ? 2 : 10;

    const optim::AdamOptions adam{.lr = w.lr, .betas = {0.5, 0.999}};
    optim::Adam opt_g(w.G->parameters(), adam), opt_d(w.D->parameters(), adam);
    Rng noise_rng(4);
    auto iteration = [&] {
        // D step: real batch and a detached fake batch, one Adam step.
        const Tensor real = w.sample_real();
        const Tensor fake = (*w.G)(noise_rng.normal(w.noise_shape));
        opt_d.zero_grad();
        const Tensor d_loss = bce_with_logits((*w.D)(real), true) +
                              bce_with_logits((*w.D)(fake.detach()), false);
        autograd::backward(d_loss);
        opt_d.step();
        // G step: D frozen, so D's weights get no gradient and cost no weight-gradient work.
        w.D->requires_grad_(false);
        opt_g.zero_grad();
        const Tensor g_loss = bce_with_logits((*w.D)(fake), true);
        autograd::backward(g_loss);
        opt_g.step();
        w.D->requires_grad_(true);
        GANTRY_CHECK(std::isfinite(d_loss.item()) && std::isfinite(g_loss.item()),
                     "gantry bench: non-finite loss");
    };
    for (int i = 0; i < warmup; ++i) iteration();
    std::vector<double> seconds;
    for (int i = 0; i < iters; ++i) {
        const auto t0 = Clock::now();
        iteration();
        seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    const double med = median(seconds);
    const double lo = *std::min_element(seconds.begin(), seconds.end());
    const double hi = *std::max_element(seconds.begin(), seconds.end());
    const double flop = iteration_flop(w);
    std::printf("{\"workload\": \"%s\", \"threads\": %d, \"batch\": %ld, \"iters\": %d, "
                "\"it_per_s_median\": %.4f, \"it_per_s_min\": %.4f, \"it_per_s_max\": %.4f, "
                "\"ms_median\": %.4f, \"gflop_per_iter\": %.4f, \"gflops_achieved_median\": %.3f, "
                "\"cpu_isa\": \"%s\"}\n",
                w.name.c_str(), threads, static_cast<long>(w.batch), iters, 1.0 / med, 1.0 / hi,
                1.0 / lo, med * 1e3, flop * 1e-9, flop / med * 1e-9, cpu_isa().c_str());
    return 0;
}

}  // namespace

GANTRY_COMMAND("bench", "time full GAN training iterations of a named workload (one JSON line)",
               [](CLI::App& app) {
                   auto workload = std::make_shared<std::string>();
                   auto threads = std::make_shared<int>(0);
                   auto iters = std::make_shared<int>(0);
                   auto warmup = std::make_shared<int>(-1);
                   auto fmnist = std::make_shared<std::string>("/usr/share/datasets/fashion-mnist");
                   app.add_option("workload", *workload, "mlp2d, dcgan28 or dcgan64")->required();
                   app.add_option("--threads", *threads, "threads (default: all cores)");
                   app.add_option("--iters", *iters, "timed iterations (default 50; dcgan64: 10)");
                   app.add_option("--warmup", *warmup, "untimed iterations first (default 10; dcgan64: 2)");
                   app.add_option("--fmnist", *fmnist, "Fashion-MNIST directory (dcgan28)");
                   return [=] { return run_bench(*workload, *threads, *iters, *warmup, *fmnist); };
               });

}  // namespace gantry::cli
