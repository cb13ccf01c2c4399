// SPDX-License-Identifier: Apache-2.0
// Text to image (issue 14; Reed et al. 2016, GAN-INT-CLS, arXiv:1605.05396) through the plugin
// host: dcgan's and mlp's text encoders (G([z, W_g b]), D's projection of W_d b), the
// matching_aware loss (GAN-CLS's three D terms, GAN-INT's interpolated G term) against its
// formulas and finite differences to first and second order, the shared attribute measurement,
// and text_metrics on the captioned test split.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/architecture.hpp"
#include "gantry/autograd.hpp"
#include "gantry/datasets/attributes.hpp"
#include "gantry/datasets/condition.hpp"
#include "gantry/datasets/text.hpp"
#include "gantry/loss.hpp"
#include "gantry/metric.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "plugin/host.hpp"
#include "train/captions.hpp"
#include "train/sampling.hpp"

#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"
#include "support/files.hpp"
#include "support/gradcheck.hpp"
#include "support/op_case.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::testing;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

using Set = std::map<std::string, plugin::OptionValue>;

const std::vector<std::string> kWords = {"a", "coat", "dark", "light", "shirt", "wide"};

/// (1, side, side) images with a 6-word vocabulary, 10 classes: what captioned declares.
DataInfo text_images(int64_t side = 28) {
    DataInfo info;
    info.sample_shape = Shape{1, side, side};
    info.size = 100;
    info.classes = 10;
    info.images = true;
    datasets::set_condition_shape(info, Shape{static_cast<int64_t>(kWords.size())});
    datasets::set_vocabulary(info, kWords);
    return info;
}

std::shared_ptr<nn::Module> build(const std::string& plugin, Role role, const DataInfo& data, const Set& set = {},
                                  int64_t pack = 1) {
    plugin::Options o = plugin_options(plugin::Kind::architecture, plugin, set);
    auto arch = builtin_host().create_architecture(plugin, o, plugin::Context{});
    Rng rng(1, 3);
    NetworkSpec spec{role, data, 8, pack, &rng, Shape{}};
    if (const auto shape = datasets::find_condition_shape(data)) spec.condition = *shape;
    return arch->build(spec);
}

/// Bags of the captions, (N, 6).
Tensor bags(const std::vector<std::string>& captions) {
    Tensor out = Tensor::empty({static_cast<int64_t>(captions.size()), static_cast<int64_t>(kWords.size())});
    for (size_t i = 0; i < captions.size(); ++i)
        datasets::bag_of_words(datasets::caption_words(captions[i]), kWords,
                               out.data() + static_cast<int64_t>(i * kWords.size()));
    return out;
}

std::shared_ptr<nn::Module> child(const nn::Module& m, const std::string& name) {
    for (const auto& [n, c] : m.named_children())
        if (n == name) return c;
    FAIL("no child " << name);
    return nullptr;
}

std::vector<std::string> parameter_names(const nn::Module& m) {
    std::vector<std::string> names;
    for (const auto& [n, p] : m.named_parameters()) names.push_back(n);
    return names;
}

bool has_name(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("dcgan text: G draws from [z  W_g bag] and D adds <W_d bag  sum_hw(h)>", "[plugins_builtin][arch][text]") {
    const DataInfo data = text_images();
    auto g = build("dcgan", Role::generator, data, {{"width", int64_t{8}}, {"embedding", int64_t{5}}});
    const std::vector<std::string> g_names = parameter_names(*g);
    CHECK(has_name(g_names, "embed_text.weight"));
    CHECK_FALSE(has_name(g_names, "embed.weight"));  // captions replace the class embedding
    CHECK(g->state_dict().at("embed_text.weight").shape() == Shape{5, 6});
    g->eval();
    Rng rng(4, 4);
    const Tensor z = rng.normal({3, 8});
    const Tensor a = (*g)(z, bags({"a dark coat", "a light shirt", "a wide coat"}));
    const Tensor b = (*g)(z, bags({"a dark coat", "a light shirt", "a dark coat"}));
    REQUIRE(a.shape() == Shape{3, 1, 28, 28});
    const std::vector<float> va = a.to_vector(), vb = b.to_vector();
    const size_t per = 28 * 28;
    CHECK(std::vector<float>(va.begin(), va.begin() + 2 * per) == std::vector<float>(vb.begin(), vb.begin() + 2 * per));
    CHECK(std::vector<float>(va.begin() + 2 * per, va.end()) != std::vector<float>(vb.begin() + 2 * per, vb.end()));
    CHECK_THROWS_WITH((*g)(z), Contains("text-conditional"));
    CHECK_THROWS_WITH((*g)(z, Tensor::zeros({3, 5})), Contains("expected bags of words (3, 6)"));

    auto d = build("dcgan", Role::discriminator, data, {{"width", int64_t{8}}});
    CHECK(has_name(parameter_names(*d), "project_text.weight"));
    CHECK_FALSE(has_name(parameter_names(*d), "project.weight"));
    const Tensor x = rng.normal({3, 1, 28, 28});
    const Tensor t = bags({"a dark coat", "a wide shirt", "coat"});
    const Tensor out = (*d)(x, t);
    REQUIRE(out.shape() == Shape{3});
    // By hand: head(h) + sum_f (sum_hw h)[n, f] * (W b_n)[f], W the (F, V) projection.
    const Tensor h = (*child(*d, "features"))(x);
    const std::vector<float> psi = reshape((*child(*d, "head"))(h), {-1}).to_vector();
    const std::vector<float> pooled = sum(h, {2, 3}).to_vector();
    const Tensor w = d->state_dict().at("project_text.weight");
    REQUIRE(w.shape() == Shape{h.size(1), 6});
    const auto features = static_cast<size_t>(h.size(1));
    const std::vector<float> wv = w.to_vector(), tv = t.to_vector(), ov = out.to_vector();
    for (size_t n = 0; n < 3; ++n) {
        double expected = psi[n];
        for (size_t f = 0; f < features; ++f) {
            double embedded = 0;
            for (size_t k = 0; k < 6; ++k) embedded += double(wv[f * 6 + k]) * tv[n * 6 + k];
            expected += double(pooled[n * features + f]) * embedded;
        }
        CHECK(ov[n] == Approx(expected).epsilon(1e-4).margin(1e-5));
    }
    CHECK_THROWS_WITH((*d)(x), Contains("text-conditional"));
    CHECK_THROWS_WITH(build("dcgan", Role::discriminator, data, {{"width", int64_t{8}}}, 2),
                      Contains("text conditioning cannot be combined with pack 2"));

    // conditional: false ignores the captions (the unconditional baseline on text data).
    auto plain_g = build("dcgan", Role::generator, data, {{"width", int64_t{8}}, {"conditional", false}});
    CHECK_FALSE(has_name(parameter_names(*plain_g), "embed_text.weight"));
    plain_g->eval();
    CHECK((*plain_g)(z, bags({"a coat", "a shirt", "wide"})).to_vector() == (*plain_g)(z).to_vector());

    // Data with a condition that is not text: refused with what to use instead.
    DataInfo paired = text_images();
    paired.metadata.erase(datasets::kTextVocabulary);
    datasets::set_condition_shape(paired, Shape{1, 7, 7});
    CHECK_THROWS_WITH(build("dcgan", Role::generator, paired), Contains("is not text") && Contains("unet"));
}

TEST_CASE("dcgan text: data without a vocabulary builds the nets it built before", "[plugins_builtin][arch][text]") {
    DataInfo labelled = text_images();
    labelled.metadata.clear();
    for (const Role role : {Role::generator, Role::discriminator}) {
        const std::vector<std::string> names = parameter_names(*build("dcgan", role, labelled, {{"width", int64_t{8}}}));
        CHECK_FALSE(has_name(names, "embed_text.weight"));
        CHECK_FALSE(has_name(names, "project_text.weight"));
        CHECK(has_name(names, role == Role::generator ? "embed.weight" : "project.weight"));
    }
}

TEST_CASE("dcgan text: gradients through the caption embedding and projection match finite differences",
          "[plugins_builtin][arch][text]") {
    const SingleThread one;
    const DataInfo data = text_images(8);
    // No batch norm: each sample's output depends on its own inputs only; PyTorch's default init
    // (DCGAN's N(0, 0.02) leaves gradients too small to tell from a missing one).
    const Set small{{"width", int64_t{4}}, {"norm", std::string("none")}, {"embedding", int64_t{3}},
                    {"init", std::string("default")}};
    auto g = build("dcgan", Role::generator, data, small);
    auto d = build("dcgan", Role::discriminator, data, small);
    const Tensor z = random_tensor({2, 8}, 11, -1.f, 1.f);
    const Tensor x = random_tensor({2, 1, 8, 8}, 12, -1.f, 1.f);
    const Tensor b = random_tensor({2, 6}, 13, 0.f, 0.5f);
    CheckOptions o;
    o.eps = 1e-3;
    o.atol = 2e-3;
    o.rtol = 3e-2;
    // G and D as functions of the caption (and D of the image); tanh gives D a curvature.
    const OpFn g_of = [&](const std::vector<Tensor>& in) { return (*g)(z, in[0]); };
    const OpFn d_of = [&](const std::vector<Tensor>& in) { return tanh((*d)(in[0], in[1])); };
    GANTRY_REQUIRE_CHECK(gradcheck(g_of, {b}, o));
    GANTRY_REQUIRE_CHECK(gradcheck(d_of, {x, b}, o));
    GANTRY_REQUIRE_CHECK(gradgradcheck(d_of, {x, b}, o));
}

TEST_CASE("mlp text: the caption's bag joins G's and D's input", "[plugins_builtin][arch][text]") {
    const SingleThread one;
    const DataInfo data = text_images(8);
    const Set small{{"hidden", std::vector<int64_t>{6}}, {"activation", std::string("tanh")}};
    auto g = build("mlp", Role::generator, data, small);
    auto d = build("mlp", Role::discriminator, data, small);
    CHECK(g->state_dict().at("net.0.weight").shape() == Shape{6, 8 + 6});
    CHECK(d->state_dict().at("net.0.weight").shape() == Shape{6, 64 + 6});
    const Tensor z = random_tensor({2, 8}, 21, -1.f, 1.f);
    const Tensor x = random_tensor({2, 1, 8, 8}, 22, -1.f, 1.f);
    const Tensor b = random_tensor({2, 6}, 23, 0.f, 0.5f);
    CHECK((*g)(z, b).shape() == Shape{2, 1, 8, 8});
    CHECK((*d)(x, b).shape() == Shape{2, 1});
    CHECK_THROWS_WITH((*d)(x), Contains("text-conditional"));
    CHECK_THROWS_WITH(build("mlp", Role::discriminator, data, small, 2), Contains("pack 2"));
    CheckOptions o;
    o.eps = 1e-3;
    const OpFn g_of = [&](const std::vector<Tensor>& in) { return (*g)(in[0], in[1]); };
    const OpFn d_of = [&](const std::vector<Tensor>& in) { return (*d)(in[0], in[1]); };
    GANTRY_REQUIRE_CHECK(gradcheck(g_of, {z, b}, o));
    GANTRY_REQUIRE_CHECK(gradcheck(d_of, {x, b}, o));
    GANTRY_REQUIRE_CHECK(gradgradcheck(d_of, {x, b}, o));
    // Without a vocabulary: the plain Sequential of before.
    DataInfo plain = data;
    plain.metadata.clear();
    CHECK(build("mlp", Role::discriminator, plain, small)->state_dict().count("1.weight") == 1);
}

namespace {

std::unique_ptr<Loss> matching_aware(const Set& set = {}) {
    return builtin_host().create_loss("matching_aware", plugin_options(plugin::Kind::loss, "matching_aware", set),
                                      plugin::Context{});
}

Tensor named(const LossTerms& terms, const std::string& name) {
    for (const auto& [n, t] : terms)
        if (n == name) return t;
    FAIL("no loss term '" << name << "'");
    return {};
}

std::vector<std::string> names_of(const LossTerms& terms) {
    std::vector<std::string> out;
    for (const auto& t : terms) out.push_back(t.first);
    return out;
}

double softplus_d(double v) { return std::log1p(std::exp(v)); }

/// A text critic D(x, b) = w2 . tanh(W1 x + U b) + c, on points x (N, 2) and bags b (N, 3):
/// weights {W1 (4, 2), U (4, 3), w2 (1, 4), c (1)}.
struct TextCritic {
    std::vector<Tensor> weights = {random_tensor({4, 2}, 31, -1.f, 1.f), random_tensor({4, 3}, 32, -1.f, 1.f),
                                   random_tensor({1, 4}, 33, -1.f, 1.f), random_tensor({1}, 34, -0.5f, 0.5f)};
};

DiscriminatorFn critic_fn(const std::vector<Tensor>& w) {
    return [w](const Tensor& x, const Tensor& b) {
        return reshape(linear(tanh(linear(x, w[0]) + linear(b, w[1])), w[2], w[3]), {-1});
    };
}

/// Bags (5, 3): rows 1 and 2 are equal, so rolling makes row 1's mismatch its own caption.
Tensor loss_bags() {
    return Tensor::from_vector({5, 3}, {1.f, 0.f, 0.f, 0.f, .5f, .5f, 0.f, .5f, .5f, .5f, 0.f, .5f, 0.f, 0.f, 1.f});
}

LossTerms d_terms(Loss& loss, const std::vector<Tensor>& w) {
    autograd::EnableGradGuard record;  // gradcheck's differences run without the tape
    DiscriminatorStep s;
    s.real = random_tensor({5, 2}, 41, -1.f, 1.f);
    s.fake = random_tensor({5, 2}, 42, -2.f, 2.f);
    s.real_labels = s.fake_labels = s.condition = loss_bags();
    s.discriminator = critic_fn(w);
    return loss.discriminator_loss(s);
}

/// A linear "G" x = A z + B b on fixed noise; weights {A (2, 2), B (2, 3)}.
LossTerms g_terms(Loss& loss, const std::vector<Tensor>& critic, const std::vector<Tensor>& g) {
    autograd::EnableGradGuard record;
    const Tensor z = random_tensor({5, 2}, 43, -1.f, 1.f);
    auto generate = [g, z](const Tensor& b) { return linear(z, g[0]) + linear(b, g[1]); };
    GeneratorStep s;
    s.condition = s.fake_labels = loss_bags();
    s.fake = generate(s.condition);
    s.discriminator = critic_fn(critic);
    s.d_fake = s.discriminator(s.fake, s.fake_labels);
    s.generator = generate;
    return loss.generator_loss(s);
}

}  // namespace

TEST_CASE("matching_aware: D's three terms are GAN-CLS's with 1/2 on each negative", "[plugins_builtin][loss][text]") {
    auto loss = matching_aware();
    const std::vector<Tensor> w = TextCritic().weights;
    const LossTerms terms = d_terms(*loss, w);
    CHECK(names_of(terms) == std::vector<std::string>{"real", "fake", "mismatch"});
    const DiscriminatorFn critic = critic_fn(w);
    const Tensor t = loss_bags();
    const Tensor real = random_tensor({5, 2}, 41, -1.f, 1.f), fake = random_tensor({5, 2}, 42, -2.f, 2.f);
    const std::vector<float> lr = critic(real, t).to_vector(), lf = critic(fake, t).to_vector();
    // Wrong captions: row i gets row i + 1's; row 1 (= row 2) is no negative and is left out.
    const Tensor wrong = Tensor::from_vector({5, 3}, {0.f, .5f, .5f, 0.f, .5f, .5f, .5f, 0.f, .5f, 0.f, 0.f, 1.f,
                                                      1.f, 0.f, 0.f});
    const std::vector<float> lw = critic(real, wrong).to_vector();
    double er = 0, ef = 0, ew = 0;
    for (size_t i = 0; i < 5; ++i) {
        er += softplus_d(-lr[i]) / 5;
        ef += softplus_d(lf[i]) / 5;
        if (i != 1) ew += softplus_d(lw[i]) / 4;
    }
    CHECK_THAT(named(terms, "real").item(), WithinAbs(er, 1e-5));
    CHECK_THAT(named(terms, "fake").item(), WithinAbs(0.5 * ef, 1e-5));
    CHECK_THAT(named(terms, "mismatch").item(), WithinAbs(0.5 * ew, 1e-5));
}

TEST_CASE("matching_aware: G's GAN-INT term scores G on beta t + (1 - beta) t_rolled", "[plugins_builtin][loss][text]") {
    const std::vector<Tensor> critic = TextCritic().weights;
    const std::vector<Tensor> g = {random_tensor({2, 2}, 51, -1.f, 1.f), random_tensor({2, 3}, 52, -1.f, 1.f)};
    for (const double beta : {0.5, 0.25}) {
        INFO("beta " << beta);
        auto loss = matching_aware({{"beta", beta}});
        const LossTerms terms = g_terms(*loss, critic, g);
        CHECK(names_of(terms) == std::vector<std::string>{"fake", "interpolated"});
        const Tensor t = loss_bags();
        const Tensor rolled = concat({narrow(t, 0, 1, 4), narrow(t, 0, 0, 1)}, 0);
        const Tensor between = affine(t, static_cast<float>(beta), 0.f) + affine(rolled, static_cast<float>(1 - beta), 0.f);
        const Tensor z = random_tensor({5, 2}, 43, -1.f, 1.f);
        const std::vector<float> l =
            critic_fn(critic)(linear(z, g[0]) + linear(between, g[1]), between).to_vector();
        double expected = 0;
        for (float v : l) expected += softplus_d(-v) / 5;
        CHECK_THAT(named(terms, "interpolated").item(), WithinAbs(expected, 1e-5));
    }
    auto plain = matching_aware({{"interpolate", false}});
    CHECK(names_of(g_terms(*plain, critic, g)) == std::vector<std::string>{"fake"});
    // Data without captions is refused with what to use.
    DiscriminatorStep s;
    s.real = s.fake = Tensor::zeros({2, 2});
    s.discriminator = critic_fn(critic);
    CHECK_THROWS_WITH(plain->discriminator_loss(s), Contains("has no condition") && Contains("captioned"));
}

TEST_CASE("matching_aware: every term's gradient matches finite differences to second order",
          "[plugins_builtin][loss][text]") {
    const SingleThread one;
    auto loss = matching_aware();
    CheckOptions o;
    o.eps = 1e-3;
    o.atol = 3e-3;
    o.rtol = 3e-2;
    for (const char* name : {"real", "fake", "mismatch"}) {
        INFO("D term " << name);
        const OpFn f = [&](const std::vector<Tensor>& w) { return named(d_terms(*loss, w), name); };
        GANTRY_REQUIRE_CHECK(gradcheck(f, TextCritic().weights, o));
        GANTRY_REQUIRE_CHECK(gradgradcheck(f, TextCritic().weights, o));
    }
    const std::vector<Tensor> g = {random_tensor({2, 2}, 51, -1.f, 1.f), random_tensor({2, 3}, 52, -1.f, 1.f)};
    for (const char* name : {"fake", "interpolated"}) {
        INFO("G term " << name);
        // With respect to G's weights (what G's step descends) and to the critic's.
        const OpFn of_g = [&](const std::vector<Tensor>& w) { return named(g_terms(*loss, TextCritic().weights, w), name); };
        GANTRY_REQUIRE_CHECK(gradcheck(of_g, g, o));
        GANTRY_REQUIRE_CHECK(gradgradcheck(of_g, g, o));
        const OpFn of_d = [&](const std::vector<Tensor>& w) { return named(g_terms(*loss, w, g), name); };
        GANTRY_REQUIRE_CHECK(gradcheck(of_d, TextCritic().weights, o));
    }
}

TEST_CASE("attributes: the shared measurement reads bytes and the data's floats alike", "[datasets][text]") {
    // A 6 x 4 block of ink 200 in a 28 x 28 image.
    std::vector<uint8_t> bytes(28 * 28, 0);
    std::vector<float> floats(28 * 28, -1.f);
    for (int y = 10; y < 16; ++y)
        for (int x = 3; x < 7; ++x) {
            bytes[static_cast<size_t>(y * 28 + x)] = 200;
            floats[static_cast<size_t>(y * 28 + x)] = 200.f / 127.5f - 1.f;
        }
    const datasets::ItemMeasure a = datasets::measure_item(bytes.data(), 28, 28);
    const datasets::ItemMeasure b = datasets::measure_item(floats.data(), 28, 28);
    CHECK(a.brightness == Approx(200.0 / 255.0));
    CHECK(a.width == 4);
    CHECK(a.height == 6);
    CHECK(b.brightness == a.brightness);
    CHECK(b.width == a.width);
    CHECK(b.height == a.height);
    const datasets::ItemThresholds t{0.5, 0.7, 5, 10, 8, 12};
    CHECK(datasets::item_attribute_words(a, 4, t) == std::vector<std::string>{"light", "short", "narrow"});
    CHECK(datasets::item_attribute_words(a, 0, t) == std::vector<std::string>{"light", "narrow"});  // no length
    DataInfo info;
    CHECK_FALSE(datasets::find_item_thresholds(info).has_value());
    info.metadata[datasets::kItemThresholds] = {1, 2, 3};
    CHECK_THROWS_WITH(datasets::find_item_thresholds(info), Contains("6 numbers per class"));
}

TEST_CASE("captions: bags back to words and unknown words with the closest ones", "[text]") {
    const std::vector<std::string> words = {"a", "coat", "dark", "light"};
    std::vector<float> bag(4);
    datasets::bag_of_words(datasets::caption_words("A dark, dark coat"), words, bag.data());
    CHECK(train::bag_words(bag.data(), words) == "a coat dark dark");
    DataInfo info;
    datasets::set_vocabulary(info, words);
    const Tensor b = train::caption_bags(info, {"a dark coat", "light"}, "what", "data");
    CHECK(b.shape() == Shape{2, 4});
    CHECK(b.to_vector() == std::vector<float>{1.f / 3, 1.f / 3, 1.f / 3, 0.f, 0.f, 0.f, 0.f, 1.f});
    CHECK_THAT(error_message<ConfigError>([&] { train::caption_bags(info, {"a drak cot"}, "what", "data"); }),
               Contains("what: \"a drak cot\": words outside the run's vocabulary of 4: 'drak' (closest: 'dark'); "
                        "'cot' (closest: 'coat')") &&
                   Contains("The vocabulary: a coat dark light"));
    CHECK_THAT(error_message<ConfigError>([&] { train::caption_bags(DataInfo{}, {"a"}, "what", "idx"); }),
               Contains("trained on data 'idx', which has no captions"));
}

namespace {

std::unique_ptr<Dataset> captioned_test_split(int64_t phrasings = 1) {
    return builtin_host().create_dataset(
        "captioned",
        plugin_options(plugin::Kind::dataset, "captioned", {{"split", std::string("test")}, {"phrasings", phrasings}}),
        plugin::Context{0, ""});
}

/// The evaluation's context for the first `n` pairs of `data`, with fake = the targets.
MetricContext pairs_context(const Dataset& data, int64_t n) {
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < n; ++i) indices.push_back(i);
    const Batch batch = data.get(indices);
    MetricContext c;
    c.dataset = &data;
    c.data = data.info();
    c.condition = data.condition(indices);
    c.target = c.fake = batch.x;
    c.fake_labels = batch.labels;
    return c;
}

}  // namespace

TEST_CASE("text_metrics: the targets themselves agree fully and other images of the class by chance",
          "[plugins_builtin][metric][text]") {
    const SingleThread one;
    const auto data = captioned_test_split();
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < 300; ++i) indices.push_back(i);
    const Batch batch = data->get(indices);
    MetricContext c;
    c.dataset = data.get();
    c.data = data->info();
    c.condition = data->condition(indices);
    c.target = batch.x;
    c.fake_labels = batch.labels;
    auto metric = builtin_host().create_metric("text_metrics", plugin_options(plugin::Kind::metric, "text_metrics"),
                                               plugin::Context{});
    const std::vector<std::string> wanted = {"text_class_accuracy", "text_attribute_agreement"};
    c.fake = batch.x;
    const std::vector<MetricValue> real = metric->evaluate(c, wanted);
    REQUIRE(real.size() == 2);
    CHECK(real[0].value > 0.8);      // the reference classifier on real test images (~0.9)
    CHECK(real[1].value == 1.0);     // a caption says what is measured on its image
    CHECK(real[0].details.at("chance") == "0.1");
    const double chance = std::stod(real[1].details.at("chance"));
    CHECK(chance > 0.2);
    CHECK(chance < 0.7);
    CHECK(std::stoi(real[1].details.at("attribute_words")) > 200);
    // Blank images: the classifier's one guess, and the attributes of an image without ink.
    c.fake = Tensor::full(batch.x.shape(), -1.f);
    const std::vector<MetricValue> blank = metric->evaluate(c, wanted);
    CHECK(blank[0].value < 0.3);
    CHECK(blank[1].value < real[1].value);
    // Data without thresholds or pairs: refused naming what is needed.
    MetricContext unpaired = c;
    unpaired.condition = Tensor();
    CHECK_THAT(error_message<ConfigError>([&] { metric->evaluate(unpaired, wanted); }), Contains("captioned"));
    MetricContext no_thresholds = c;
    no_thresholds.data.metadata.erase(datasets::kItemThresholds);
    CHECK_THAT(error_message<ConfigError>([&] { metric->evaluate(no_thresholds, {"text_attribute_agreement"}); }),
               Contains("captioned.thresholds"));
}

TEST_CASE("captioned: attributes false names the class only on the same images", "[plugins_builtin][data][captioned]") {
    auto make = [](bool attributes) {
        return builtin_host().create_dataset(
            "captioned",
            plugin_options(plugin::Kind::dataset, "captioned", {{"limit", int64_t{30}}, {"attributes", attributes}}),
            plugin::Context{0, ""});
    };
    const auto full = make(true), bare = make(false);
    const DataInfo info = bare->info();
    CHECK(*datasets::find_vocabulary(info) == *datasets::find_vocabulary(full->info()));
    CHECK(info.identity != full->info().identity);
    const std::vector<std::string> vocabulary = *datasets::find_vocabulary(info);
    std::vector<int64_t> all;
    for (int64_t i = 0; i < info.size; ++i) all.push_back(i);
    const Tensor said = bare->condition(all), full_said = full->condition(all);
    CHECK(bare->get(all).x.to_vector() == full->get(all).x.to_vector());
    int64_t attribute_words = 0;
    for (int64_t i = 0; i < info.size; ++i) {
        const std::string words = train::bag_words(said.data() + i * said.size(1), vocabulary);
        const std::string full_words = train::bag_words(full_said.data() + i * said.size(1), vocabulary);
        for (const std::string& w : datasets::all_attribute_words()) {
            CHECK(words.find(w) == std::string::npos);
            attribute_words += full_words.find(w) != std::string::npos ? 1 : 0;
        }
    }
    CHECK(attribute_words > 10);
}

TEST_CASE("text_metrics: the chance level pairs each caption with another image even when phrasings repeat it",
          "[plugins_builtin][metric][text]") {
    // 100 images said once, or the same 100 images said in 3 phrasings each (300 pairs, the
    // phrasings of one image consecutive): each caption's chance partner is the next image of its
    // class either way, never another phrasing of its own image, so the chance level is the same.
    const auto once = captioned_test_split(1), thrice = captioned_test_split(3);
    auto metric = builtin_host().create_metric("text_metrics", plugin_options(plugin::Kind::metric, "text_metrics"),
                                               plugin::Context{});
    const auto a = metric->evaluate(pairs_context(*once, 100), {"text_attribute_agreement"});
    const auto b = metric->evaluate(pairs_context(*thrice, 300), {"text_attribute_agreement"});
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(std::stoi(b[0].details.at("attribute_words")) == 3 * std::stoi(a[0].details.at("attribute_words")));
    CHECK(a[0].details.at("chance") == b[0].details.at("chance"));
    CHECK(std::stod(b[0].details.at("chance")) < 0.8);
}
