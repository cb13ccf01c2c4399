// SPDX-License-Identifier: Apache-2.0
// The dcgan architecture plugin, loaded from build/plugins through plugin::Host as a run loads it.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/architecture.hpp"
#include "gantry/autograd.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "gantry/precision.hpp"
#include "gantry/threads.hpp"
#include "plugin/host.hpp"

#include "support/builtin_plugins.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

DataInfo images(int64_t channels, int64_t side, int64_t classes = 0) {
    DataInfo info;
    info.sample_shape = Shape{channels, side, side};
    info.size = 100;
    info.classes = classes;
    info.images = true;
    return info;
}

std::shared_ptr<nn::Module> build(Role role, const DataInfo& data, const Set& set = {},
                                  int64_t latent = 8, int64_t pack = 1, uint64_t seed = 1) {
    plugin::Options o = plugin_options(plugin::Kind::architecture, "dcgan", {{"width", int64_t{8}}});
    for (const auto& [k, v] : set) o.set(k, v);
    auto arch = builtin_host().create_architecture("dcgan", o, plugin::Context{});
    Rng rng(seed, 3);
    return arch->build(NetworkSpec{role, data, latent, pack, &rng, Shape{}});
}

Tensor labels_of(std::vector<float> values) {
    Tensor t = Tensor::empty({static_cast<int64_t>(values.size())});
    for (size_t i = 0; i < values.size(); ++i) t.data()[i] = values[i];
    return t;
}

/// Shapes of the 4-D weights (convolutions) and the sizes of the 1-D norm weights, in order.
struct LayerShapes {
    std::vector<Shape> convs;
    std::vector<int64_t> norms;
};

LayerShapes layer_shapes(const nn::Module& net) {
    LayerShapes s;
    for (const auto& [name, p] : net.named_parameters()) {
        if (p.rank() == 4) s.convs.push_back(p.shape());
        else if (name.size() > 7 && name.substr(name.size() - 7) == ".weight") s.norms.push_back(p.size(0));
    }
    return s;
}

std::shared_ptr<nn::Module> child(const nn::Module& m, const std::string& name) {
    for (const auto& [n, c] : m.named_children())
        if (n == name) return c;
    FAIL("no child " << name);
    return nullptr;
}

}  // namespace

TEST_CASE("dcgan: G and D shapes for 16 28 32 and 64 pixels with 1 or 3 channels",
          "[plugins_builtin][arch][dcgan]") {
    Rng rng(5, 5);
    for (int64_t side : {16, 28, 32, 64}) {
        for (int64_t channels : {1, 3}) {
            INFO(channels << " x " << side << " x " << side);
            const DataInfo data = images(channels, side);
            auto g = build(Role::generator, data);
            const Tensor fake = (*g)(rng.normal({4, 8}));
            CHECK(fake.shape() == Shape{4, channels, side, side});
            for (float v : fake.to_vector()) REQUIRE(std::fabs(v) <= 1.f);
            // The noise may also come as (N, latent, 1, 1), as in PyTorch's DCGAN.
            CHECK((*g)(rng.normal({4, 8, 1, 1})).shape() == Shape{4, channels, side, side});
            auto d = build(Role::discriminator, data);
            CHECK((*d)(fake).shape() == Shape{4});
            // PacGAN: pack 2 doubles D's input channels.
            auto packed = build(Role::discriminator, data, {}, 8, 2);
            CHECK((*packed)(rng.normal({3, 2 * channels, side, side})).shape() == Shape{3});
            CHECK_THROWS((*packed)(fake));
        }
    }
}

TEST_CASE("dcgan: other sizes and non-images are refused with the supported sizes",
          "[plugins_builtin][arch][dcgan]") {
    for (int64_t side : {4, 7, 12, 20, 48, 256}) {
        INFO(side);
        CHECK_THROWS_WITH(build(Role::generator, images(1, side)),
                          Catch::Contains("is not supported; expected 4 * 2^k"));
    }
    for (int64_t side : {8, 14, 56, 112, 128}) {
        INFO(side);
        CHECK((*build(Role::generator, images(1, side)))(Tensor::zeros({2, 8})).shape() == Shape{2, 1, side, side});
    }
    DataInfo wide = images(3, 32);
    wide.sample_shape = Shape{3, 32, 64};
    CHECK_THROWS_WITH(build(Role::discriminator, wide), Catch::Contains("square images"));
    DataInfo points;
    points.sample_shape = Shape{2};
    CHECK_THROWS_WITH(build(Role::generator, points), Catch::Contains("use the mlp architecture"));
}

TEST_CASE("dcgan: 28 and 64 pixel nets have the layers of gantry bench and torch_gan_bench.py",
          "[plugins_builtin][arch][dcgan]") {
    const Set bench{{"width", int64_t{64}}, {"init", std::string("default")}};
    // pytorch/examples cpp/dcgan (shared/perf/torch_gan_bench.py, dcgan28), nz = 100.
    const LayerShapes g28 = layer_shapes(*build(Role::generator, images(1, 28), bench, 100));
    CHECK(g28.convs == std::vector<Shape>{{100, 256, 4, 4}, {256, 128, 3, 3}, {128, 64, 4, 4}, {64, 1, 4, 4}});
    CHECK(g28.norms == std::vector<int64_t>{256, 128, 64});
    const LayerShapes d28 = layer_shapes(*build(Role::discriminator, images(1, 28), bench, 100));
    CHECK(d28.convs == std::vector<Shape>{{64, 1, 4, 4}, {128, 64, 4, 4}, {256, 128, 4, 4}, {1, 256, 3, 3}});
    CHECK(d28.norms == std::vector<int64_t>{128, 256});
    // The classic 64x64x3 DCGAN (dcgan64), ngf = ndf = 64.
    const LayerShapes g64 = layer_shapes(*build(Role::generator, images(3, 64), bench, 100));
    CHECK(g64.convs == std::vector<Shape>{{100, 512, 4, 4}, {512, 256, 4, 4}, {256, 128, 4, 4},
                                          {128, 64, 4, 4}, {64, 3, 4, 4}});
    CHECK(g64.norms == std::vector<int64_t>{512, 256, 128, 64});
    const LayerShapes d64 = layer_shapes(*build(Role::discriminator, images(3, 64), bench, 100));
    CHECK(d64.convs == std::vector<Shape>{{64, 3, 4, 4}, {128, 64, 4, 4}, {256, 128, 4, 4},
                                          {512, 256, 4, 4}, {1, 512, 4, 4}});
    CHECK(d64.norms == std::vector<int64_t>{128, 256, 512});
    // bias: false by default, as in both references: no 1-D parameter but the norms'.
    int64_t vectors = 0;
    for (const auto& [name, p] : build(Role::discriminator, images(1, 28), bench, 100)->named_parameters())
        vectors += p.rank() == 1;
    CHECK(vectors == 4);  // two batch norms, weight and bias each
}

TEST_CASE("dcgan: every variant's backward pass reaches every parameter",
          "[plugins_builtin][arch][dcgan]") {
    const std::vector<Set> variants = {
        {},
        {{"norm", std::string("layer")}},
        {{"norm", std::string("none")}, {"bias", true}},
        {{"spectral_norm", true}, {"norm", std::string("none")}},
        {{"init", std::string("default")}, {"slope", 0.1}},
    };
    Rng rng(6, 6);
    for (int64_t classes : {0, 10}) {
        for (size_t v = 0; v < variants.size(); ++v) {
            INFO("variant " << v << ", classes " << classes);
            const DataInfo data = images(3, 16, classes);
            const Tensor labels = classes ? labels_of({0, 3, 9, 3}) : Tensor();
            for (Role role : {Role::generator, Role::discriminator}) {
                INFO(to_string(role));
                auto net = build(role, data, variants[v]);
                const Tensor x = role == Role::generator ? rng.normal({4, 8}) : rng.normal({4, 3, 16, 16});
                const Tensor y = labels.defined() ? (*net)(x, labels) : (*net)(x);
                autograd::backward(sum(square(y)));
                for (const auto& [name, p] : net->named_parameters()) {
                    INFO(name);
                    REQUIRE(p.grad().defined());
                    double norm = 0;
                    for (float g : p.grad().to_vector()) norm += std::fabs(g);
                    CHECK(norm > 0);
                }
            }
        }
    }
}

TEST_CASE("dcgan: conditional G embeds the label and the projection D adds <embed(y)  sum_hw(h)>",
          "[plugins_builtin][arch][dcgan]") {
    const DataInfo data = images(1, 28, 10);
    Rng rng(7, 7);
    auto g = build(Role::generator, data);
    CHECK(child(*g, "embed")->named_parameters().at(0).second.shape() == Shape{10, 32});
    const Tensor z = rng.normal({4, 8});
    g->eval();  // running statistics: each sample's image depends on its own input only
    const Tensor a = (*g)(z, labels_of({0, 1, 2, 3}));
    const Tensor b = (*g)(z, labels_of({0, 1, 2, 4}));
    const std::vector<float> va = a.to_vector(), vb = b.to_vector();
    const size_t per = static_cast<size_t>(28 * 28);
    CHECK(std::vector<float>(va.begin(), va.begin() + 3 * per) == std::vector<float>(vb.begin(), vb.begin() + 3 * per));
    CHECK(std::vector<float>(va.begin() + 3 * per, va.end()) != std::vector<float>(vb.begin() + 3 * per, vb.end()));
    CHECK_THROWS_WITH((*g)(z), Catch::Contains("class-conditional"));

    auto d = build(Role::discriminator, data);
    const Tensor x = rng.normal({3, 1, 28, 28});
    const Tensor y = labels_of({2, 7, 2});
    const Tensor out = (*d)(x, y);
    REQUIRE(out.shape() == Shape{3});
    // By hand: head(h) + sum_f (sum_hw h)[n, f] * W[f, y_n], W the projection's (F, classes) weight.
    const Tensor h = (*child(*d, "features"))(x);
    const std::vector<float> psi = reshape((*child(*d, "head"))(h), {-1}).to_vector();
    const std::vector<float> pooled = sum(h, {2, 3}).to_vector();
    const Tensor w = d->state_dict().at("project.weight");
    REQUIRE(w.shape() == Shape{h.size(1), 10});
    const size_t features = static_cast<size_t>(h.size(1));
    const std::vector<float> wv = w.to_vector(), yv = y.to_vector(), ov = out.to_vector();
    for (size_t n = 0; n < 3; ++n) {
        double expected = psi[n];
        for (size_t f = 0; f < features; ++f)
            expected += double(pooled[n * features + f]) * wv[f * 10 + static_cast<size_t>(yv[n])];
        CHECK(ov[n] == Approx(expected).epsilon(1e-4).margin(1e-5));
    }
    CHECK_THROWS_WITH((*d)(x), Catch::Contains("class-conditional"));
    CHECK_THROWS_WITH(build(Role::discriminator, data, {}, 8, 2), Catch::Contains("pack"));

    // conditional: false ignores the labels the runtime passes: no embedding, no projection.
    auto plain_g = build(Role::generator, data, {{"conditional", false}});
    auto plain_d = build(Role::discriminator, data, {{"conditional", false}});
    CHECK(plain_d->state_dict().count("project.weight") == 0);
    CHECK((*plain_g)(z, labels_of({1, 2, 3, 4})).to_vector() == (*plain_g)(z).to_vector());
    CHECK((*plain_d)(x, y).to_vector() == (*plain_d)(x).to_vector());
    // Unlabelled data: a conditional: true net is the unconditional one.
    CHECK(build(Role::discriminator, images(1, 28))->state_dict().count("project.weight") == 0);
}

TEST_CASE("dcgan: spectral norm wraps every convolution and the projection",
          "[plugins_builtin][arch][dcgan]") {
    auto d = build(Role::discriminator, images(3, 32, 5), {{"spectral_norm", true}, {"norm", std::string("none")}});
    int64_t wrapped = 0, convs = 0;
    for (const auto& [name, m] : d->named_modules()) {
        wrapped += m->name() == "SpectralNorm";
        convs += m->name() == "Conv2d" || m->name() == "Linear";
    }
    CHECK(convs == 5);  // 3 strided convolutions, the head, the projection
    CHECK(wrapped == convs);
    // Training forwards run the power iteration: every u and v moves (but the head's u, a
    // 1-vector, which stays +-1).
    std::map<std::string, std::vector<float>> before;
    for (const auto& [name, t] : d->named_buffers()) before[name] = t.to_vector();
    CHECK(before.size() == 10);
    Rng rng(8, 8);
    (*d)(rng.normal({2, 3, 32, 32}), labels_of({0, 4}));
    for (const auto& [name, t] : d->named_buffers()) {
        INFO(name);
        if (t.numel() > 1) CHECK(t.to_vector() != before.at(name));
    }
}

TEST_CASE("dcgan: init dcgan draws N(0  0.02) weights and the same seed gives the same net",
          "[plugins_builtin][arch][dcgan]") {
    auto g = build(Role::generator, images(3, 64), {{"width", int64_t{64}}}, 100);
    const Tensor w = g->state_dict().at("net.0.weight");
    REQUIRE(w.shape() == Shape{100, 512, 4, 4});
    double s = 0, s2 = 0;
    const std::vector<float> v = w.to_vector();
    for (float x : v) s += x, s2 += double(x) * x;
    const double mean = s / double(v.size()), std = std::sqrt(s2 / double(v.size()) - mean * mean);
    CHECK(std::fabs(mean) < 1e-3);
    CHECK(std == Approx(0.02).epsilon(0.02));
    auto again = build(Role::generator, images(3, 64), {{"width", int64_t{64}}}, 100);
    CHECK(again->state_dict().at("net.0.weight").to_vector() == v);
    auto other = build(Role::generator, images(3, 64), {{"width", int64_t{64}}}, 100, 1, 2);
    CHECK(other->state_dict().at("net.0.weight").to_vector() != v);
}

TEST_CASE("dcgan: fp32_edges keeps the first and last convolution fp32 under bf16 (backward included)",
          "[plugins_builtin][arch][dcgan][bf16]") {
    if (const std::string missing = missing_cpu_isa(Precision::bf16); !missing.empty()) {
        WARN("SKIPPED: oneDNN's ISA here (" << cpu_isa() << ") lacks " << missing);
        return;
    }
    // At 8x8 each net has two convolutions, both edges: with fp32_edges a bf16 pass must give
    // the fp32 pass's outputs and gradients bit for bit; without it, bf16 must differ.
    const DataInfo data = images(1, 8);
    Rng rng(7, 7);
    for (Role role : {Role::generator, Role::discriminator}) {
        INFO(to_string(role));
        const Tensor x = role == Role::generator ? rng.normal({4, 8}) : rng.normal({4, 1, 8, 8});
        // Output and every parameter gradient of a fresh net (same seed, same weights).
        auto pass = [&](bool fp32_edges, Precision precision) {
            auto net = build(role, data, {{"fp32_edges", fp32_edges}});
            const PrecisionScope scope(precision);
            const Tensor y = (*net)(x);
            autograd::backward(sum(square(y)));
            std::vector<std::vector<float>> values = {y.to_vector()};
            for (const auto& [name, p] : net->named_parameters()) values.push_back(p.grad().to_vector());
            return values;
        };
        const auto fp32 = pass(true, Precision::fp32);
        CHECK(pass(true, Precision::bf16) == fp32);
        CHECK(pass(false, Precision::bf16) != fp32);
        CHECK(pass(false, Precision::fp32) == fp32);
    }
}
