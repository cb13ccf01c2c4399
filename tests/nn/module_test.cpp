// SPDX-License-Identifier: Apache-2.0
// nn::Module's contract, after PyTorch's test/cpp/api/module.cpp. The modules here are built
// from element-wise ops only, so these tests need no layer op.
#include <sstream>

#include "gantry/autograd.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "gantry/serialize.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {

// y = x * weight + bias, element-wise over features; a buffer counts forwards.
class Affine : public nn::Module {
public:
    explicit Affine(int64_t features, float start = 1.f) : Module("Affine") {
        weight = register_parameter("weight", Tensor::full({features}, start));
        bias = register_parameter("bias", Tensor::zeros({features}));
        calls = register_buffer("calls", Tensor::zeros({1}));
    }
    using Module::forward;
    Tensor forward(const Tensor& x) override {
        calls.data()[0] += 1.f;
        return x * weight + bias;
    }
    Tensor weight, bias, calls;
};

class Block : public nn::Module {
public:
    Block() : Module("Block") {
        gain = register_parameter("gain", Tensor::ones({1}));
        inner = register_module("inner", std::make_shared<Affine>(2));
    }
    using Module::forward;
    Tensor forward(const Tensor& x) override { return (*inner)(x) * gain; }
    Tensor gain;
    std::shared_ptr<Affine> inner;
};

class Net : public nn::Module {
public:
    Net() : Module("Net") {
        scale = register_parameter("scale", Tensor::full({1}, 2.f));
        block = register_module("block", std::make_shared<Block>());
        seq = register_module("seq", std::make_shared<nn::Sequential>(
                                         std::initializer_list<std::shared_ptr<nn::Module>>{
                                             std::make_shared<Affine>(2, 0.5f),
                                             std::make_shared<nn::Tanh>(),
                                             std::make_shared<Affine>(2, 3.f)}));
    }
    using Module::forward;
    Tensor forward(const Tensor& x) override { return (*seq)((*block)(x)) * scale; }
    Tensor scale;
    std::shared_ptr<Block> block;
    std::shared_ptr<nn::Sequential> seq;
};

std::vector<std::string> names(const nn::NamedTensors& named) {
    std::vector<std::string> out;
    for (const auto& entry : named) out.push_back(entry.first);
    return out;
}

}  // namespace

TEST_CASE("Module: parameters have dotted names in registration order recursively", "[nn]") {
    Net net;
    CHECK(names(net.named_parameters()) ==
          std::vector<std::string>{"scale", "block.gain", "block.inner.weight", "block.inner.bias",
                                   "seq.0.weight", "seq.0.bias", "seq.2.weight", "seq.2.bias"});
    CHECK(names(net.named_parameters(false)) == std::vector<std::string>{"scale"});
    CHECK(names(net.named_buffers()) ==
          std::vector<std::string>{"block.inner.calls", "seq.0.calls", "seq.2.calls"});
    CHECK(net.parameters().size() == 8);
    CHECK(net.parameters()[2].is_same(net.block->inner->weight));
    CHECK(net.children().size() == 2);
    std::vector<std::string> modules;
    for (const auto& [name, m] : net.named_modules()) modules.push_back(name);
    CHECK(modules == std::vector<std::string>{"block", "block.inner", "seq", "seq.0", "seq.1",
                                              "seq.2"});
    for (const Tensor& p : net.parameters()) CHECK(p.requires_grad());
    for (const Tensor& b : net.buffers()) CHECK_FALSE(b.requires_grad());
}

TEST_CASE("Module: apply visits this module then every descendant depth first", "[nn]") {
    Net net;
    std::vector<std::string> visited;
    net.apply([&visited](nn::Module& m) { visited.push_back(m.name()); });
    CHECK(visited == std::vector<std::string>{"Net", "Block", "Affine", "Sequential", "Affine",
                                              "Tanh", "Affine"});
    net.apply([](nn::Module& m) {
        if (auto* affine = dynamic_cast<Affine*>(&m)) affine->bias.data()[0] = 4.f;
    });
    CHECK(net.seq->at<Affine>(2)->bias.to_vector() == std::vector<float>{4.f, 0.f});
}

TEST_CASE("Module: train and eval reach every descendant", "[nn]") {
    Net net;
    CHECK(net.is_training());
    net.eval();
    CHECK_FALSE(net.is_training());
    for (const auto& entry : net.named_modules()) {
        INFO(entry.first);
        CHECK_FALSE(entry.second->is_training());
    }
    net.train();
    for (const auto& entry : net.named_modules()) CHECK(entry.second->is_training());
    net.block->train(false);
    CHECK(net.is_training());
    CHECK_FALSE(net.block->inner->is_training());
}

TEST_CASE("Module: requires_grad_(false) freezes parameters: no grad after backward", "[nn]") {
    Net net;
    Tensor x = random_tensor({3, 2}, 1).requires_grad_();
    net.block->requires_grad_(false);
    autograd::backward(sum(net(x)));
    CHECK_FALSE(net.block->gain.grad().defined());
    CHECK_FALSE(net.block->inner->weight.grad().defined());
    CHECK(net.scale.grad().defined());
    CHECK(net.seq->at<Affine>(0)->weight.grad().defined());
    // The input still gets its gradient through the frozen block (what a GAN's G step needs).
    CHECK(x.grad().defined());

    net.requires_grad_(false);
    net.zero_grad();
    CHECK_FALSE(net.scale.grad().defined());
    Tensor y = random_tensor({3, 2}, 2).requires_grad_();
    autograd::backward(sum(net(y)));
    for (const Tensor& p : net.parameters()) CHECK_FALSE(p.grad().defined());
    net.requires_grad_(true);
    for (const Tensor& p : net.parameters()) CHECK(p.requires_grad());
}

TEST_CASE("Module: zero_grad forgets every gradient", "[nn]") {
    Net net;
    autograd::backward(sum(net(random_tensor({2, 2}, 3))));
    for (const Tensor& p : net.parameters()) CHECK(p.grad().defined());
    net.zero_grad();
    for (const Tensor& p : net.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("Module: state_dict round trip restores values in place and keeps handles", "[nn]") {
    Net net;
    const std::map<std::string, Tensor> live = net.state_dict();
    CHECK(live.size() == 11);  // 8 parameters + 3 buffers
    CHECK(live.at("seq.2.weight").is_same(net.seq->at<Affine>(2)->weight));
    std::map<std::string, Tensor> saved;
    for (const auto& [key, t] : live) saved.emplace(key, t.clone());

    const Tensor weight_handle = net.block->inner->weight;
    const Tensor x = random_tensor({4, 2}, 4);
    const std::vector<float> before = net(x).to_vector();
    for (Tensor t : net.parameters()) t.data()[0] += 1.5f;
    net.block->inner->calls.data()[0] = 99.f;
    CHECK(net(x).to_vector() != before);

    net.load_state_dict(saved);
    CHECK(net.block->inner->weight.is_same(weight_handle));
    for (const auto& [key, t] : net.state_dict()) {
        INFO(key);
        CHECK(t.to_vector() == saved.at(key).to_vector());
        CHECK(t.is_same(live.at(key)));
    }
    CHECK(net.parameters()[0].requires_grad());
}

TEST_CASE("Module: a strict load names missing and unexpected keys and wrong shapes", "[nn]") {
    Net net;
    std::map<std::string, Tensor> state;
    for (const auto& [key, t] : net.state_dict()) state.emplace(key, t.clone());
    const float kept = net.scale.item();

    auto missing = state;
    missing.erase("block.gain");
    missing.emplace("block.extra", Tensor::zeros({1}));
    CHECK_THROWS_WITH(net.load_state_dict(missing),
                      Catch::Contains("missing keys: \"block.gain\"") &&
                          Catch::Contains("unexpected keys: \"block.extra\""));

    auto wrong = state;
    wrong["scale"] = Tensor::full({1}, 5.f);
    wrong["seq.0.weight"] = Tensor::zeros({3});
    CHECK_THROWS_AS(net.load_state_dict(wrong), ShapeError);
    CHECK_THROWS_WITH(net.load_state_dict(wrong),
                      Catch::Contains("\"seq.0.weight\" expected shape (2), got (3)"));
    // Checked before copying: nothing was loaded.
    CHECK(net.scale.item() == kept);

    // Not strict: missing and unexpected keys are skipped, the rest is loaded.
    missing["scale"] = Tensor::full({1}, 7.f);
    net.load_state_dict(missing, false);
    CHECK(net.scale.item() == 7.f);
    CHECK_THROWS_AS(net.load_state_dict(wrong, false), ShapeError);
}

TEST_CASE("Module: registration refuses bad names and non-leaf tensors", "[nn]") {
    class Probe : public nn::Module {
    public:
        Probe() : Module("Probe") { register_parameter("w", Tensor::zeros({2})); }
        void add_parameter(const std::string& name, Tensor t) { register_parameter(name, t); }
        void add_buffer(const std::string& name, Tensor t) { register_buffer(name, t); }
        void add_module(const std::string& name, std::shared_ptr<nn::Module> m) {
            register_module(name, std::move(m));
        }
    };
    Probe probe;
    CHECK_THROWS_WITH(probe.add_parameter("w", Tensor::zeros({1})),
                      Catch::Contains("Probe: the name \"w\" is already registered"));
    CHECK_THROWS_WITH(probe.add_buffer("w", Tensor::zeros({1})),
                      Catch::Contains("already registered"));
    CHECK_THROWS_WITH(probe.add_parameter("a.b", Tensor::zeros({1})),
                      Catch::Contains("must not contain '.', got \"a.b\""));
    CHECK_THROWS_WITH(probe.add_parameter("", Tensor::zeros({1})), Catch::Contains("empty"));
    CHECK_THROWS_WITH(probe.add_parameter("u", Tensor()), Catch::Contains("undefined"));
    Tensor leaf = Tensor::ones({2}).requires_grad_();
    CHECK_THROWS_WITH(probe.add_parameter("v", leaf * 2.f), Catch::Contains("must be a leaf"));
    CHECK_THROWS_WITH(probe.add_module("m", nullptr), Catch::Contains("is null"));
}

TEST_CASE("Module: class labels given to an unconditional module are refused", "[nn]") {
    Affine affine(2);
    const Tensor x = random_tensor({3, 2}, 5);
    CHECK(affine(x, Tensor()).to_vector() == affine(x).to_vector());
    CHECK_THROWS_WITH(affine(x, Tensor::zeros({3})),
                      Catch::Contains("Affine: this module takes no class labels"));
    nn::Module bare;
    CHECK_THROWS_WITH(bare(x), Catch::Contains("this module defines no forward(x)"));
}

TEST_CASE("Module: repr prints the tree and summary lists shapes", "[nn]") {
    Net net;
    const std::string repr = net.repr();
    CHECK_THAT(repr, Catch::StartsWith("Net(\n  (block): Block(\n    (inner): Affine()\n  )\n"));
    CHECK_THAT(repr, Catch::Contains("    (1): Tanh()\n"));
    std::ostringstream out;
    out << net;
    CHECK(out.str() == repr);
    net.block->requires_grad_(false);
    const std::string summary = net.summary();
    CHECK_THAT(summary, Catch::Contains("seq.0.weight (2)\n"));
    CHECK_THAT(summary, Catch::Contains("block.gain (1) (frozen)"));
    CHECK_THAT(summary, Catch::Contains("block.inner.calls (1) (buffer)"));
    CHECK_THAT(summary, Catch::Contains("trainable values: 9, frozen: 5"));
}

TEST_CASE("Module: state_dict survives the tensor file format", "[nn]") {
    Net net;
    const std::string file = encode_tensor_file({.tensors = net.state_dict()});
    std::map<std::string, Tensor> saved;
    for (const auto& [key, t] : net.state_dict()) saved.emplace(key, t.clone());
    for (Tensor t : net.parameters()) t.data()[0] = -8.f;
    net.block->inner->calls.data()[0] = 5.f;

    const StateDict read = decode_tensor_file(file, "module state").tensors;
    net.load_state_dict(read);
    for (const auto& [key, t] : net.state_dict()) {
        INFO(key);
        CHECK(t.to_vector() == saved.at(key).to_vector());
        CHECK_FALSE(t.is_same(read.at(key)));
    }
}
