// SPDX-License-Identifier: Apache-2.0
// Optimizer behaviour beyond the update formulas (those are in golden_test.cpp): option
// validation, skipped parameters, zero_grad, learning-rate schedules and exact state round trips.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/adam.hpp"
#include "gantry/optim/rmsprop.hpp"
#include "gantry/optim/sgd.hpp"
#include "gantry/random.hpp"
#include "gantry/serialize.hpp"
#include "gantry/threads.hpp"

#include "support/optimizers.hpp"

using namespace gantry;
using gantry::testing::make_optimizer;
using gantry::testing::OptimizerFactory;
using Catch::Contains;

namespace {
// Every optimizer with every piece of state it can have.
std::vector<std::pair<const char*, OptimizerFactory>> all_configurations() {
    return {
        {"SGD", make_optimizer<optim::SGD>(optim::SGDOptions{.lr = 0.1})},
        {"SGD momentum", make_optimizer<optim::SGD>(optim::SGDOptions{.lr = 0.1, .momentum = 0.9,
                                                             .dampening = 0.1})},
        {"SGD nesterov", make_optimizer<optim::SGD>(optim::SGDOptions{
                             .lr = 0.1, .momentum = 0.9, .nesterov = true, .weight_decay = 0.01})},
        {"Adam", make_optimizer<optim::Adam>(optim::AdamOptions{.lr = 0.01})},
        {"Adam amsgrad", make_optimizer<optim::Adam>(optim::AdamOptions{
                             .lr = 0.01, .weight_decay = 0.1, .amsgrad = true})},
        {"RMSprop", make_optimizer<optim::RMSprop>(optim::RMSpropOptions{})},
        {"RMSprop centered momentum",
         make_optimizer<optim::RMSprop>(optim::RMSpropOptions{
             .lr = 0.01, .weight_decay = 0.1, .momentum = 0.9, .centered = true})},
    };
}

std::vector<Tensor> make_params(Rng& rng) {
    return {rng.normal(Shape{3, 4}), rng.normal(Shape{5}), rng.normal(Shape{2, 2, 2})};
}

void set_random_grads(std::vector<Tensor>& params, Rng& rng) {
    for (Tensor& p : params) p.set_grad(rng.normal(p.shape()));
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

bool bitwise_equal(const StateDict& a, const StateDict& b) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
        if (ia->first != ib->first || !bitwise_equal(ia->second, ib->second)) return false;
    return true;
}

std::vector<Tensor> snapshot(const std::vector<Tensor>& params) {
    std::vector<Tensor> copy;
    for (const Tensor& p : params) copy.push_back(p.clone());
    return copy;
}
}  // namespace

TEST_CASE("option validation names the bad value", "[optim]") {
    std::vector<Tensor> params = {Tensor::zeros(Shape{2})};
    using optim::SGDOptions;
    REQUIRE_THROWS_WITH(optim::SGD(params, SGDOptions{.lr = -0.5}),
                        Contains("invalid learning rate") && Contains("-0.5"));
    REQUIRE_THROWS_WITH(optim::SGD(params, SGDOptions{.lr = std::nan("")}),
                        Contains("invalid learning rate") && Contains("nan"));
    REQUIRE_THROWS_WITH(optim::SGD(params, SGDOptions{.momentum = -0.25}),
                        Contains("invalid momentum") && Contains("-0.25"));
    REQUIRE_THROWS_WITH(optim::SGD(params, SGDOptions{.weight_decay = -1}),
                        Contains("invalid weight_decay") && Contains("-1"));
    REQUIRE_THROWS_WITH(optim::SGD(params, SGDOptions{.nesterov = true}),
                        Contains("Nesterov momentum requires momentum > 0 and dampening 0") &&
                            Contains("momentum 0"));
    REQUIRE_THROWS_WITH(
        optim::SGD(params, SGDOptions{.momentum = 0.9, .dampening = 0.5, .nesterov = true}),
        Contains("Nesterov") && Contains("dampening 0.5"));
    REQUIRE_NOTHROW(optim::SGD(params, SGDOptions{.momentum = 0.9, .nesterov = true}));

    using optim::AdamOptions;
    REQUIRE_THROWS_WITH(optim::Adam(params, AdamOptions{.lr = -1e-3}),
                        Contains("AdamOptions: invalid learning rate") && Contains("-0.001"));
    REQUIRE_THROWS_WITH(optim::Adam(params, AdamOptions{.betas = {1.0, 0.999}}),
                        Contains("invalid betas.first") && Contains("[0, 1)") && Contains("1"));
    REQUIRE_THROWS_WITH(optim::Adam(params, AdamOptions{.betas = {-0.1, 0.999}}),
                        Contains("invalid betas.first") && Contains("-0.1"));
    REQUIRE_THROWS_WITH(optim::Adam(params, AdamOptions{.betas = {0.9, 1.5}}),
                        Contains("invalid betas.second") && Contains("1.5"));
    REQUIRE_THROWS_WITH(optim::Adam(params, AdamOptions{.eps = -1e-8}),
                        Contains("invalid eps") && Contains("-1e-08"));
    REQUIRE_THROWS_WITH(optim::Adam(params, AdamOptions{.weight_decay = -0.5}),
                        Contains("invalid weight_decay") && Contains("-0.5"));

    using optim::RMSpropOptions;
    REQUIRE_THROWS_WITH(optim::RMSprop(params, RMSpropOptions{.lr = -2}),
                        Contains("RMSpropOptions: invalid learning rate") && Contains("-2"));
    REQUIRE_THROWS_WITH(optim::RMSprop(params, RMSpropOptions{.alpha = -0.5}),
                        Contains("invalid alpha") && Contains("-0.5"));
    REQUIRE_THROWS_WITH(optim::RMSprop(params, RMSpropOptions{.eps = -1}),
                        Contains("invalid eps") && Contains("-1"));
    REQUIRE_THROWS_WITH(optim::RMSprop(params, RMSpropOptions{.weight_decay = -3}),
                        Contains("invalid weight_decay") && Contains("-3"));
    REQUIRE_THROWS_WITH(optim::RMSprop(params, RMSpropOptions{.momentum = -0.9}),
                        Contains("invalid momentum") && Contains("-0.9"));

    // validate() is callable on its own, before any optimizer exists.
    REQUIRE_THROWS_AS(AdamOptions{.eps = -1}.validate(), Error);
    REQUIRE_NOTHROW(AdamOptions{}.validate());
    REQUIRE_NOTHROW(RMSpropOptions{}.validate());
    REQUIRE_NOTHROW(SGDOptions{}.validate());
}

TEST_CASE("defaults follow torch.optim", "[optim]") {
    const optim::AdamOptions adam;
    CHECK(adam.lr == 1e-3);
    CHECK(adam.betas == std::pair<double, double>{0.9, 0.999});
    CHECK(adam.eps == 1e-8);
    CHECK(adam.weight_decay == 0);
    CHECK_FALSE(adam.amsgrad);
    const optim::RMSpropOptions rms;
    CHECK(rms.lr == 1e-2);
    CHECK(rms.alpha == 0.99);
    CHECK(rms.eps == 1e-8);
    CHECK(rms.momentum == 0);
    CHECK_FALSE(rms.centered);
    const optim::SGDOptions sgd;
    CHECK(sgd.momentum == 0);
    CHECK(sgd.dampening == 0);
    CHECK_FALSE(sgd.nesterov);
}

TEST_CASE("optimizer parameter list is checked", "[optim]") {
    Tensor a = Tensor::zeros(Shape{2});
    REQUIRE_THROWS_WITH(optim::SGD({a, Tensor()}), Contains("parameter 1 is undefined"));
    REQUIRE_THROWS_WITH(optim::Adam({a, Tensor::ones(Shape{3}), a}),
                        Contains("parameter 2 is the same tensor as parameter 0"));
    Tensor leaf = Tensor::ones(Shape{2});
    leaf.requires_grad_();
    const Tensor non_leaf = relu(leaf);
    REQUIRE_THROWS_WITH(optim::RMSprop({non_leaf}), Contains("parameter 0") &&
                                                        Contains("is not a leaf"));
    // A detached handle is another tensor over the same values: it would be updated twice.
    REQUIRE_THROWS_WITH(optim::SGD({a, a.detach()}),
                        Contains("parameter 1 shares storage with parameter 0"));
    REQUIRE_NOTHROW(optim::SGD({a, a.clone(), Tensor::zeros(Shape{0}), Tensor::zeros(Shape{0})}));
    REQUIRE_NOTHROW(optim::SGD({}));
}

TEST_CASE("parameters without a gradient are skipped", "[optim]") {
    for (const auto& [name, factory] : all_configurations()) {
        SECTION(name) {
            Rng rng(11);
            std::vector<Tensor> params = make_params(rng);
            const Tensor untouched = params[1].clone();
            auto opt = factory(params);
            params[0].set_grad(rng.normal(params[0].shape()));
            params[2].set_grad(rng.normal(params[2].shape()));
            opt->step();
            opt->step();
            CHECK(bitwise_equal(params[1], untouched));
            const StateDict dict = opt->state_dict();
            CHECK(dict.count("state.1.step") == 0);
            CHECK(dict.count("state.1.exp_avg") == 0);
            CHECK(dict.count("state.1.momentum_buffer") == 0);

            // When the gradient appears, the parameter starts from a fresh state: its first
            // update equals a fresh optimizer's first update.
            const Tensor g = rng.normal(params[1].shape());
            Tensor twin = params[1].clone();
            auto fresh = factory({twin});
            twin.set_grad(g);
            fresh->step();
            params[1].set_grad(g);
            params[0].clear_grad();
            params[2].clear_grad();
            opt->step();
            CHECK(bitwise_equal(params[1], twin));
        }
    }
}

TEST_CASE("per-parameter step counts advance only with a gradient", "[optim]") {
    Tensor a = Tensor::zeros(Shape{2}), b = Tensor::zeros(Shape{2});
    optim::Adam adam({a, b});
    a.set_grad(Tensor::ones(Shape{2}));
    adam.step();
    adam.step();
    b.set_grad(Tensor::ones(Shape{2}));
    adam.step();
    CHECK(adam.state(0).step == 3);
    CHECK(adam.state(1).step == 1);
    CHECK_FALSE(adam.state(0).max_exp_avg_sq.defined());
}

TEST_CASE("zero_grad clears every gradient", "[optim]") {
    Rng rng(3);
    std::vector<Tensor> params = make_params(rng);
    set_random_grads(params, rng);
    optim::SGD opt(params);
    opt.zero_grad();
    for (const Tensor& p : params) CHECK_FALSE(p.grad().defined());
    // A step with no gradients changes nothing.
    const auto before = snapshot(params);
    opt.step();
    for (size_t i = 0; i < params.size(); ++i) CHECK(bitwise_equal(params[i], before[i]));
}

TEST_CASE("the learning rate can be scheduled", "[optim]") {
    Tensor p = Tensor::ones(Shape{1});
    optim::SGD sgd({p}, {.lr = 0.5});
    CHECK(sgd.lr() == 0.5);
    p.set_grad(Tensor::ones(Shape{1}));
    sgd.step();
    CHECK(p.item() == 0.5f);
    sgd.set_lr(0.25);
    CHECK(sgd.lr() == 0.25);
    CHECK(sgd.options().lr == 0.25);
    sgd.step();
    CHECK(p.item() == 0.25f);
    REQUIRE_THROWS_WITH(sgd.set_lr(-1), Contains("SGD::set_lr") && Contains("-1"));
    CHECK(sgd.lr() == 0.25);

    optim::Adam adam({p});
    adam.set_lr(0.125);
    CHECK(adam.lr() == 0.125);
    REQUIRE_THROWS_AS(adam.set_lr(std::nan("")), Error);
    optim::RMSprop rms({p});
    rms.set_lr(0.0);
    CHECK(rms.lr() == 0.0);
    const float before = p.item();
    rms.step();  // lr 0: no change, but the state still advances
    CHECK(p.item() == before);
    CHECK(rms.state(0).step == 1);
}

TEST_CASE("state buffers are allocated once", "[optim]") {
    for (const auto& [name, factory] : all_configurations()) {
        SECTION(name) {
            Rng rng(5);
            std::vector<Tensor> params = make_params(rng);
            auto opt = factory(params);
            set_random_grads(params, rng);
            opt->step();
            // The raw buffers behind the state survive further steps: no reallocation.
            auto buffers = [&] {
                std::vector<const float*> ptrs;
                if (auto* a = dynamic_cast<optim::Adam*>(opt.get()))
                    for (size_t i = 0; i < params.size(); ++i)
                        ptrs.insert(ptrs.end(), {a->state(i).exp_avg.data(),
                                                 a->state(i).exp_avg_sq.data()});
                if (auto* s = dynamic_cast<optim::SGD*>(opt.get()))
                    for (size_t i = 0; i < params.size(); ++i)
                        if (s->state(i).momentum_buffer.defined())
                            ptrs.push_back(s->state(i).momentum_buffer.data());
                if (auto* r = dynamic_cast<optim::RMSprop*>(opt.get()))
                    for (size_t i = 0; i < params.size(); ++i)
                        ptrs.push_back(r->state(i).square_avg.data());
                return ptrs;
            };
            const auto first = buffers();
            const auto param_data = params[0].data();
            set_random_grads(params, rng);
            opt->step();
            opt->step();
            CHECK(buffers() == first);
            CHECK(params[0].data() == param_data);
        }
    }
}

TEST_CASE("save then step then restore then step is bitwise exact", "[optim]") {
    for (const auto& [name, factory] : all_configurations()) {
        SECTION(name) {
            Rng rng(21);
            std::vector<Tensor> params = make_params(rng);
            auto opt = factory(params);
            for (int i = 0; i < 3; ++i) {
                set_random_grads(params, rng);
                opt->step();
            }
            // Only parameter 0 and 2 have a gradient on the next step: restore must also bring
            // back "no state yet" correctly for a parameter that gets its first gradient later.
            const StateDict saved = opt->state_dict();
            StateDict saved_copy;
            for (const auto& [key, t] : saved) saved_copy.emplace(key, t.clone());
            const auto saved_params = snapshot(params);
            const RngState rng_state = rng.state();

            set_random_grads(params, rng);
            opt->step();
            set_random_grads(params, rng);
            opt->step();
            const auto after_first = snapshot(params);
            const StateDict state_first = opt->state_dict();

            // The saved dict is a deep copy: stepping did not touch it.
            CHECK(bitwise_equal(saved, saved_copy));

            // Restore through the binary format, as a checkpoint would.
            const std::string file = encode_tensor_file({.tensors = saved});
            const StateDict loaded = decode_tensor_file(file, "optimizer state").tensors;
            REQUIRE(bitwise_equal(loaded, saved));
            for (size_t i = 0; i < params.size(); ++i) params[i].copy_from(saved_params[i]);
            opt->load_state_dict(loaded);
            CHECK(bitwise_equal(opt->state_dict(), saved));
            rng.set_state(rng_state);

            set_random_grads(params, rng);
            opt->step();
            set_random_grads(params, rng);
            opt->step();
            for (size_t i = 0; i < params.size(); ++i)
                CHECK(bitwise_equal(params[i], after_first[i]));
            CHECK(bitwise_equal(opt->state_dict(), state_first));

            // A fresh optimizer restored from the same dict continues identically too.
            std::vector<Tensor> other = snapshot(saved_params);
            auto twin = factory(other);
            twin->load_state_dict(saved);
            rng.set_state(rng_state);
            for (int i = 0; i < 2; ++i) {
                for (Tensor& p : other) p.set_grad(rng.normal(p.shape()));
                twin->step();
            }
            for (size_t i = 0; i < params.size(); ++i)
                CHECK(bitwise_equal(other[i], after_first[i]));
        }
    }
}

TEST_CASE("load_state_dict restores hyperparameters and state counts", "[optim]") {
    Tensor p = Tensor::ones(Shape{2});
    optim::Adam a({p}, {.lr = 0.5, .betas = {0.8, 0.9}, .eps = 1e-3, .amsgrad = true});
    p.set_grad(Tensor::ones(Shape{2}));
    a.step();
    a.set_lr(0.0625);  // a schedule moved the rate
    const StateDict dict = a.state_dict();
    CHECK(get_f64(dict, "options.lr") == 0.0625);
    CHECK(get_u64(dict, "state.0.step") == 1);
    CHECK(dict.count("state.0.max_exp_avg_sq") == 1);

    Tensor q = Tensor::ones(Shape{2});
    optim::Adam b({q});
    b.load_state_dict(dict);
    CHECK(b.lr() == 0.0625);
    CHECK(b.options().betas == std::pair<double, double>{0.8, 0.9});
    CHECK(b.options().eps == 1e-3);
    CHECK(b.options().amsgrad);
    CHECK(b.state(0).step == 1);
}

TEST_CASE("load_state_dict rejects mismatched state and leaves the optimizer unchanged",
          "[optim]") {
    Rng rng(8);
    std::vector<Tensor> params = make_params(rng);
    optim::Adam adam(params, {.lr = 0.01});
    set_random_grads(params, rng);
    adam.step();
    const StateDict good = adam.state_dict();

    optim::SGD sgd(params, {.lr = 0.1, .momentum = 0.5});
    REQUIRE_THROWS_WITH(sgd.load_state_dict(good),
                        Contains("SGD::load_state_dict") && Contains("the state of 'Adam'"));
    REQUIRE_THROWS_WITH(sgd.load_state_dict(StateDict{}), Contains("no optimizer state"));

    std::vector<Tensor> fewer = {params[0].clone(), params[1].clone()};
    optim::Adam short_adam(fewer);
    REQUIRE_THROWS_WITH(short_adam.load_state_dict(good),
                        Contains("expected state for 2 parameters, got 3"));

    std::vector<Tensor> reshaped = {params[0].clone(), Tensor::zeros(Shape{6}), params[2].clone()};
    optim::Adam other(reshaped, {.lr = 0.5});
    REQUIRE_THROWS_WITH(other.load_state_dict(good),
                        Contains("state.1.exp_avg") && Contains("(6)") && Contains("(5)"));
    CHECK(other.lr() == 0.5);  // unchanged by the failed load
    CHECK(other.state(0).step == 0);

    StateDict extra = good;
    extra.emplace("state.0.bogus", Tensor::zeros(Shape{1}));
    const StateDict before = adam.state_dict();
    REQUIRE_THROWS_WITH(adam.load_state_dict(extra), Contains("unexpected entry 'state.0.bogus'"));
    CHECK(bitwise_equal(adam.state_dict(), before));

    StateDict missing = good;
    missing.erase("state.2.exp_avg_sq");
    REQUIRE_THROWS_WITH(adam.load_state_dict(missing), Contains("'state.2.exp_avg_sq'"));

    StateDict bad_option = good;
    put_f64(bad_option, "options.beta1", 1.5);
    REQUIRE_THROWS_WITH(adam.load_state_dict(bad_option), Contains("invalid betas.first"));
    StateDict bad_flag = good;
    put_u64(bad_flag, "options.amsgrad", 7);
    REQUIRE_THROWS_WITH(adam.load_state_dict(bad_flag),
                        Contains("'options.amsgrad' should be 0 or 1, got 7"));
    StateDict not_limbs = good;
    not_limbs["state.0.step"] = Tensor::full(Shape{4}, 0.5f);
    REQUIRE_THROWS_WITH(adam.load_state_dict(not_limbs), Contains("16-bit integer limbs"));
    CHECK(bitwise_equal(adam.state_dict(), before));
}

TEST_CASE("a large parameter's update split over 2 threads equals the 1-thread update bit for bit", "[optim]") {
    // 50,000 and 8,192 elements take the threaded loop (the cutoff is 8,192), 8,191 the serial one.
    const int saved_threads = num_threads();
    for (const auto& [name, factory] : all_configurations()) {
        SECTION(name) {
            std::vector<Tensor> results[2];
            for (int threads : {1, 2}) {
                set_num_threads(threads);
                Rng rng(5);
                std::vector<Tensor> params = {rng.normal(Shape{250, 200}), rng.normal(Shape{8192}),
                                              rng.normal(Shape{8191})};
                auto opt = factory(params);
                for (int i = 0; i < 3; ++i) {
                    set_random_grads(params, rng);
                    opt->step();
                }
                results[threads - 1] = params;
            }
            set_num_threads(saved_threads);
            for (size_t i = 0; i < results[0].size(); ++i) CHECK(bitwise_equal(results[0][i], results[1][i]));
            // The update did something: a test of equal no-ops would prove nothing.
            CHECK_FALSE(bitwise_equal(results[0][0], Rng(5).normal(Shape{250, 200})));
        }
    }
}
