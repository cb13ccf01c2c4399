// SPDX-License-Identifier: Apache-2.0
// The image-to-image architectures (issue 13): unet and srresnet generators, patchgan
// discriminator, loaded from build/plugins through plugin::Host as a run loads them, and called
// as the runtime calls them: G forward(z, condition), D forward(x, condition).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/architecture.hpp"
#include "gantry/autograd.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "plugin/host.hpp"

#include "support/builtin_plugins.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

DataInfo images(int64_t channels, int64_t side) {
    DataInfo info;
    info.sample_shape = Shape{channels, side, side};
    info.size = 100;
    info.images = true;
    return info;
}

std::shared_ptr<nn::Module> build(const std::string& plugin, Role role, const DataInfo& data, const Shape& condition,
                                  const Set& set = {}, int64_t latent = 8, int64_t pack = 1) {
    plugin::Options o = plugin_options(plugin::Kind::architecture, plugin);
    for (const auto& [k, v] : set) o.set(k, v);
    auto arch = builtin_host().create_architecture(plugin, o, plugin::Context{});
    Rng rng(1, 3);
    return arch->build(NetworkSpec{role, data, latent, pack, &rng, condition});
}

std::string build_error(const std::string& plugin, Role role, const DataInfo& data, const Shape& condition,
                        const Set& set = {}) {
    try {
        build(plugin, role, data, condition, set);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

Shape batch_of(int64_t n, const Shape& s) {
    std::vector<int64_t> d{n};
    for (int i = 0; i < s.rank(); ++i) d.push_back(s[i]);
    return Shape(d);
}

/// backward(sum(y^2)) reaches every parameter with a non-zero gradient (every weight, when
/// `weights_only`: a bias before a piecewise-linear activation leaves dD/dx unchanged).
void check_gradients_reach_everything(nn::Module& net, const Tensor& y, bool weights_only = false) {
    autograd::backward(sum(square(y)));
    for (const auto& [name, p] : net.named_parameters()) {
        INFO(name);
        if (weights_only && name.size() >= 4 && name.substr(name.size() - 4) == "bias") continue;
        REQUIRE(p.grad().defined());
        double norm = 0;
        for (float g : p.grad().to_vector()) norm += std::fabs(g);
        CHECK(norm > 0);
    }
}

}  // namespace

TEST_CASE("unet: translates a condition image of the sample's size at 28 and 32 pixels",
          "[plugins_builtin][arch][unet]") {
    Rng rng(5, 5);
    for (int64_t side : {28, 32}) {
        for (int64_t depth : {1, 3, side == 28 ? 4 : 5}) {
            for (const std::string noise : {"dropout", "z", "both"}) {
                INFO(side << " px, depth " << depth << ", noise " << noise);
                const DataInfo data = images(3, side);
                const Shape cond{1, side, side};
                auto g = build("unet", Role::generator, data, cond,
                               {{"depth", depth}, {"noise", noise}, {"width", int64_t{4}}});
                const Tensor out = (*g)(rng.normal({4, 8}), rng.uniform(batch_of(4, cond), -1, 1));
                CHECK(out.shape() == Shape{4, 3, side, side});
                for (float v : out.to_vector()) REQUIRE(std::fabs(v) <= 1.f);
            }
        }
        // One level too many leaves less than a pixel.
        CHECK_THAT(build_error("unet", Role::generator, images(1, side), Shape{1, side, side},
                               {{"depth", int64_t{side == 28 ? 5 : 6}}}),
                   Catch::Contains("below one pixel"));
    }
}

TEST_CASE("unet: dropout is the noise in train mode and off in eval mode  and z moves the output with noise z",
          "[plugins_builtin][arch][unet]") {
    Rng rng(7, 7);
    const DataInfo data = images(1, 28);
    const Tensor cond = rng.uniform({2, 1, 28, 28}, -1, 1);
    const Tensor z = rng.normal({2, 8});
    auto g = build("unet", Role::generator, data, Shape{1, 28, 28});
    const auto a = (*g)(z, cond).to_vector(), b = (*g)(z, cond).to_vector();
    CHECK(a != b);  // fresh dropout masks
    g->eval();
    CHECK((*g)(z, cond).to_vector() == (*g)(rng.normal({2, 8}), cond).to_vector());  // z unused
    auto gz = build("unet", Role::generator, data, Shape{1, 28, 28}, {{"noise", std::string("z")}});
    gz->eval();
    CHECK((*gz)(z, cond).to_vector() != (*gz)(rng.normal({2, 8}), cond).to_vector());
    CHECK((*gz)(z, cond).to_vector() == (*gz)(z, cond).to_vector());
}

TEST_CASE("unet: the backward pass reaches every parameter", "[plugins_builtin][arch][unet]") {
    Rng rng(6, 6);
    for (const Set& set : {Set{}, Set{{"noise", std::string("both")}, {"norm", std::string("none")}}}) {
        auto g = build("unet", Role::generator, images(1, 28), Shape{2, 28, 28}, set);
        check_gradients_reach_everything(*g, (*g)(rng.normal({4, 8}), rng.uniform({4, 2, 28, 28}, -1, 1)));
    }
}

TEST_CASE("unet: refuses data without a condition and a condition of another size",
          "[plugins_builtin][arch][unet]") {
    CHECK_THAT(build_error("unet", Role::generator, images(1, 28), Shape{}),
               Catch::Contains("unet needs a condition: the dataset provides none; use a paired dataset"));
    const std::string small = build_error("unet", Role::generator, images(1, 28), Shape{1, 7, 7});
    CHECK_THAT(small, Catch::Contains("condition (1, 7, 7)") && Catch::Contains("expected (C, 28, 28)") &&
                          Catch::Contains("for super-resolution use the `srresnet` generator"));
    CHECK_THAT(build_error("unet", Role::generator, images(1, 28), Shape{10}), Catch::Contains("condition (10)"));
    CHECK_THAT(build_error("unet", Role::discriminator, images(1, 28), Shape{1, 28, 28}),
               Catch::Contains("generator only"));
    auto g = build("unet", Role::generator, images(1, 28), Shape{1, 28, 28});
    CHECK_THROWS_WITH((*g)(Tensor::zeros({2, 8})), Catch::Contains("call forward(z, condition)"));
}

TEST_CASE("srresnet: upsamples x1 x2 and x4 conditions to 28 and 32 pixels",
          "[plugins_builtin][arch][srresnet]") {
    Rng rng(8, 8);
    for (int64_t side : {28, 32}) {
        for (int64_t factor : {1, 2, 4}) {
            for (const std::string up : {"nearest", "transpose"}) {
                INFO(side << " px from " << side / factor << ", " << up);
                const Shape cond{1, side / factor, side / factor};
                auto g = build("srresnet", Role::generator, images(1, side), cond,
                               {{"upsample", up}, {"blocks", int64_t{2}}, {"width", int64_t{8}}});
                const Tensor out = (*g)(rng.normal({3, 8}), rng.uniform(batch_of(3, cond), -1, 1));
                CHECK(out.shape() == Shape{3, 1, side, side});
                for (float v : out.to_vector()) REQUIRE(std::fabs(v) <= 1.f);
            }
        }
    }
    // Any condition channels: a gray condition for a colour sample, with z joined.
    auto g = build("srresnet", Role::generator, images(3, 28), Shape{1, 14, 14}, {{"z", true}});
    CHECK((*g)(rng.normal({2, 8}), rng.uniform({2, 1, 14, 14})).shape() == Shape{2, 3, 28, 28});
}

TEST_CASE("srresnet: the backward pass reaches every parameter", "[plugins_builtin][arch][srresnet]") {
    Rng rng(9, 9);
    for (const Set& set : {Set{}, Set{{"upsample", std::string("transpose")}, {"norm", std::string("none")},
                                      {"z", true}}}) {
        auto g = build("srresnet", Role::generator, images(1, 28), Shape{1, 7, 7}, set);
        check_gradients_reach_everything(*g, (*g)(rng.normal({4, 8}), rng.uniform({4, 1, 7, 7}, -1, 1)));
    }
}

TEST_CASE("srresnet: refuses a missing condition and sizes that are not a power-of-two fraction",
          "[plugins_builtin][arch][srresnet]") {
    CHECK_THAT(build_error("srresnet", Role::generator, images(1, 28), Shape{}),
               Catch::Contains("srresnet needs a condition: the dataset provides none"));
    for (const Shape& bad : {Shape{1, 10, 10}, Shape{1, 9, 9}, Shape{1, 56, 56}, Shape{1, 14, 7}}) {
        INFO(bad);
        CHECK_THAT(build_error("srresnet", Role::generator, images(1, 28), bad),
                   Catch::Contains("srresnet: condition " + bad.str() + " cannot be upsampled to samples (1, 28, 28)") &&
                       Catch::Contains("same power of two"));
    }
    CHECK_THAT(build_error("srresnet", Role::generator, images(1, 28), Shape{3}),
               Catch::Contains("expected an image condition"));
    CHECK_THAT(build_error("srresnet", Role::discriminator, images(1, 28), Shape{1, 14, 14}),
               Catch::Contains("generator only"));
}

TEST_CASE("patchgan: one logit per patch for receptive fields 7 16 and 34 at 28 32 and 64 pixels",
          "[plugins_builtin][arch][patchgan]") {
    Rng rng(10, 10);
    // side -> receptive field -> patch map side (see the plan in patchgan.cpp)
    const std::map<std::pair<int64_t, int64_t>, int64_t> patches = {
        {{28, 7}, 26}, {{28, 16}, 12}, {{32, 7}, 30}, {{32, 16}, 14}, {{64, 34}, 14}, {{64, 16}, 30}};
    for (const auto& [key, hw] : patches) {
        const auto [side, rf] = key;
        for (const std::string norm : {"batch", "none", "spectral"}) {
            INFO(side << " px, receptive field " << rf << ", norm " << norm);
            const Shape cond{2, side, side};
            auto d = build("patchgan", Role::discriminator, images(1, side), cond,
                           {{"receptive_field", rf}, {"norm", norm}, {"width", int64_t{8}}});
            const Tensor y = (*d)(rng.normal({3, 1, side, side}), rng.normal(batch_of(3, cond)));
            CHECK(y.shape() == Shape{3, 1, hw, hw});
        }
    }
}

TEST_CASE("patchgan: a smaller condition is upsampled  pack 2 joins packed pairs  no condition is plain",
          "[plugins_builtin][arch][patchgan]") {
    Rng rng(11, 11);
    for (int64_t low : {14, 7}) {
        INFO("condition " << low);
        auto d = build("patchgan", Role::discriminator, images(1, 28), Shape{1, low, low});
        CHECK((*d)(rng.normal({4, 1, 28, 28}), rng.normal({4, 1, low, low})).shape() == Shape{4, 1, 12, 12});
        CHECK_THROWS_AS((*d)(rng.normal({4, 1, 28, 28}), rng.normal({4, 1, 28, 28})), ShapeError);
    }
    // PacGAN: x (N/2, 2C, H, W) and the condition (N/2, 2C_c, H, W): the first conv has 2C + 2C_c inputs.
    auto packed = build("patchgan", Role::discriminator, images(3, 28), Shape{1, 28, 28}, {}, 8, 2);
    CHECK((*packed)(rng.normal({2, 6, 28, 28}), rng.normal({2, 2, 28, 28})).shape() == Shape{2, 1, 12, 12});
    CHECK(packed->named_parameters().front().second.shape() == Shape{16, 8, 4, 4});
    CHECK_THROWS_AS((*packed)(rng.normal({2, 3, 28, 28}), rng.normal({2, 1, 28, 28})), ShapeError);
    // No condition: unconditional PatchGAN; class ids the runtime may pass are not used.
    auto plain = build("patchgan", Role::discriminator, images(1, 28), Shape{});
    const Tensor x = rng.normal({4, 1, 28, 28});
    CHECK((*plain)(x).shape() == Shape{4, 1, 12, 12});
    plain->eval();
    CHECK((*plain)(x, Tensor::from_vector({4}, {0, 1, 2, 3})).to_vector() == (*plain)(x).to_vector());
    // A vector condition is tiled over the pixels.
    auto vec = build("patchgan", Role::discriminator, images(1, 28), Shape{10});
    CHECK((*vec)(x, rng.normal({4, 10})).shape() == Shape{4, 1, 12, 12});
    auto conditioned = build("patchgan", Role::discriminator, images(1, 28), Shape{1, 28, 28});
    CHECK_THROWS_WITH((*conditioned)(x), Catch::Contains("call forward(x, condition)"));
}

TEST_CASE("patchgan: refuses a receptive field larger than the image or not of the 9 * 2^n - 2 family",
          "[plugins_builtin][arch][patchgan]") {
    CHECK_THAT(build_error("patchgan", Role::discriminator, images(1, 28), Shape{1, 28, 28}, {{"receptive_field", int64_t{70}}}),
               Catch::Contains("patchgan: receptive_field 70 is larger than the image (28 x 28); use one of 7, 16"));
    CHECK_THAT(build_error("patchgan", Role::discriminator, images(1, 32), Shape{}, {{"receptive_field", int64_t{34}}}),
               Catch::Contains("receptive_field 34 is larger than the image (32 x 32); use one of 7, 16"));
    CHECK_THAT(build_error("patchgan", Role::discriminator, images(1, 28), Shape{1, 14, 14}, {{"receptive_field", int64_t{34}}}),
               Catch::Contains("receptive_field 34 is larger than the image (28 x 28)"));
    CHECK_THAT(build_error("patchgan", Role::discriminator, images(1, 28), Shape{}, {{"receptive_field", int64_t{20}}}),
               Catch::Contains("receptive_field 20 is not one of 7, 16, 34, 70, 142"));
    CHECK_THAT(build_error("patchgan", Role::discriminator, images(1, 28), Shape{1, 10, 10}),
               Catch::Contains("condition (1, 10, 10) cannot be joined to samples (1, 28, 28)"));
    CHECK_THAT(build_error("patchgan", Role::generator, images(1, 28), Shape{1, 28, 28}),
               Catch::Contains("discriminator only"));
}

TEST_CASE("patchgan: the backward pass reaches every parameter and a gradient penalty differentiates twice",
          "[plugins_builtin][arch][patchgan]") {
    Rng rng(12, 12);
    auto d = build("patchgan", Role::discriminator, images(1, 28), Shape{1, 14, 14});
    check_gradients_reach_everything(*d, (*d)(rng.normal({4, 1, 28, 28}), rng.normal({4, 1, 14, 14})));
    // R1-style: |dD/dx|^2 through the upsampled condition path, back to every weight (norm none
    // or spectral: batch norm is first-order only).
    for (const std::string norm : {"none", "spectral"}) {
        INFO(norm);
        auto critic = build("patchgan", Role::discriminator, images(1, 28), Shape{1, 14, 14}, {{"norm", norm}});
        Tensor x = rng.normal({2, 1, 28, 28});
        x.requires_grad_(true);
        const Tensor y = (*critic)(x, rng.normal({2, 1, 14, 14}));
        const Tensor gx = autograd::grad({sum(y)}, {x}, {.create_graph = true})[0];
        check_gradients_reach_everything(*critic, gx, true);
    }
}

TEST_CASE("unet srresnet and patchgan: a 28 px batch-64 G+D step is fast on one thread",
          "[.][timing][arch]") {
    Rng rng(13, 13);
    for (const auto& [g_name, cond] : std::vector<std::pair<std::string, Shape>>{
             {"unet", Shape{1, 28, 28}}, {"srresnet", Shape{1, 7, 7}}, {"srresnet", Shape{1, 14, 14}}}) {
        auto g = build(g_name, Role::generator, images(1, 28), cond);
        auto d = build("patchgan", Role::discriminator, images(1, 28), cond);
        const Tensor c = rng.uniform(batch_of(64, cond), -1, 1), z = rng.normal({64, 8});
        double best = 1e9;
        for (int i = 0; i < 4; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            const Tensor fake = (*g)(z, c);
            autograd::backward(sum((*d)(fake, c)) + sum((*d)(rng.normal({64, 1, 28, 28}), c)));
            best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        WARN(g_name << " " << cond << " + patchgan: " << best * 1e3 << " ms per G+D step");
    }
}
