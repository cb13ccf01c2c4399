// SPDX-License-Identifier: Apache-2.0
// WGAN-GP through a conv critic: the penalty's gradient with respect to the critic's weights goes
// through the gradient of the critic (conv2d_input_grad, conv2d_weight_grad, leaky_relu_backward
// and their own rules). Checked against finite differences of the whole penalty.
#include <algorithm>
#include <cmath>

#include "gantry/autograd.hpp"
#include "gantry/ops.hpp"
#include "gantry/threads.hpp"
#include "support/op_case.hpp"

using namespace gantry;
using namespace gantry::testing;

namespace {
using gantry::testing::SingleThread;

constexpr int64_t kN = 2;
constexpr float kSlope = 0.2f;
const Conv2dParams kDown{{2, 2}, {1, 1}, {1, 1}};  // 6x6 -> 3x3

enum class Head { linear, conv };

// x (N, 2, 6, 6) -> conv k3 s2 p1 -> (N, 3, 3, 3) -> leaky_relu -> (N, 1).
// weights: {W1 (3, 2, 3, 3), b1 (3), W2, b2 (1)}, W2 (1, 27) for the linear head,
// (1, 3, 3, 3) for the conv head.
Tensor critic(const Tensor& x, const std::vector<Tensor>& weights, Head head) {
    const Tensor h = leaky_relu(conv2d(x, weights[0], weights[1], kDown), kSlope);
    if (head == Head::linear) return linear(flatten(h), weights[2], weights[3]);
    return reshape(conv2d(h, weights[2], weights[3]), {kN, 1});  // (N, 1, 1, 1)
}

std::vector<Tensor> critic_weights(Head head) {
    return {random_tensor({3, 2, 3, 3}, 41, -0.5f, 0.5f), random_tensor({3}, 42, -0.5f, 0.5f),
            head == Head::linear ? random_tensor({1, 27}, 43, -0.5f, 0.5f)
                                 : random_tensor({1, 3, 3, 3}, 43, -0.5f, 0.5f),
            random_tensor({1}, 44)};
}

struct Batch {
    Tensor real, fake, eps;
};

Batch batch() {
    return {random_tensor({kN, 2, 6, 6}, 45), random_tensor({kN, 2, 6, 6}, 46),
            random_tensor({kN, 1, 1, 1}, 47, 0.f, 1.f)};
}

// mean over the batch of (||d critic(x_hat) / d x_hat|| - 1)^2, one eps per sample.
Tensor gradient_penalty(const std::vector<Tensor>& weights, const Batch& b, Head head) {
    // gradcheck evaluates its finite differences under NoGradGuard; the penalty needs the tape.
    autograd::EnableGradGuard record;
    Tensor x_hat = lerp(b.fake, b.real, b.eps).detach().requires_grad_();
    const Tensor g =
        autograd::grad({sum(critic(x_hat, weights, head))}, {x_hat}, {.create_graph = true})[0];
    return mean(square(per_sample_norm(g) - 1.f));
}

// leaky_relu' jumps at 0: the finite differences are meaningful only away from the kink.
float closest_to_kink(const std::vector<Tensor>& weights, const Batch& b) {
    autograd::NoGradGuard no_grad;
    const Tensor pre = conv2d(lerp(b.fake, b.real, b.eps), weights[0], weights[1], kDown);
    float closest = 1e30f;
    for (float v : pre.to_vector()) closest = std::min(closest, std::fabs(v));
    return closest;
}
}  // namespace

TEST_CASE("gradient penalty: d(penalty)/d(critic weights) matches finite differences",
          "[op][autograd]") {
    const SingleThread one_thread;
    const Head head = GENERATE(Head::linear, Head::conv);
    INFO((head == Head::linear ? "linear head" : "conv head"));
    const Batch b = batch();
    const std::vector<Tensor> weights = critic_weights(head);
    REQUIRE(closest_to_kink(weights, b) > 0.01f);

    const OpFn penalty = [&](const std::vector<Tensor>& w) { return gradient_penalty(w, b, head); };
    CheckOptions o;
    o.eps = 1e-3;  // pre-activations move by less than eps * sum|x_hat| < the kink margin
    o.atol = 3e-3;
    GANTRY_REQUIRE_CHECK(gradcheck(penalty, weights, o));
}

TEST_CASE("gradient penalty: backward reaches every critic weight", "[op][autograd]") {
    const Batch b = batch();
    std::vector<Tensor> weights = critic_weights(Head::conv);
    for (Tensor& w : weights) w.requires_grad_();
    const Tensor penalty = gradient_penalty(weights, b, Head::conv);
    REQUIRE(penalty.requires_grad());
    autograd::backward(penalty);
    // The input gradient depends on W1 and W2; the biases only move leaky_relu's mask (b1) or
    // the output (b2), which leaves it unchanged almost everywhere: zero or no gradient.
    for (size_t i : {0, 2}) {
        INFO("weight " << i);
        REQUIRE(weights[i].grad().defined());
        const std::vector<float> g = weights[i].grad().to_vector();
        CHECK(std::any_of(g.begin(), g.end(), [](float v) { return v != 0.f; }));
    }
    for (size_t i : {1, 3})
        if (weights[i].grad().defined())
            for (float v : weights[i].grad().to_vector()) CHECK(v == 0.f);
}
