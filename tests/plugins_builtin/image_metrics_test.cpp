// SPDX-License-Identifier: Apache-2.0
// image_metrics, loaded from build/plugins as a run loads it, on Fashion-MNIST: what each value
// carries, the feature cache, and sanity checks of the Fréchet distance against the floor.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gantry/data.hpp"
#include "gantry/error.hpp"
#include "gantry/eval/idx_images.hpp"
#include "eval/train_classifier.hpp"
#include "gantry/metric.hpp"
#include "plugin/host.hpp"
#include "gantry/random.hpp"
#include "support/builtin_plugins.hpp"
#include "support/temp_dir.hpp"

using namespace gantry;
using namespace gantry::testing;
namespace fs = std::filesystem;

namespace {

const std::string kFashion = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kN = 1000;

const Batch& split(const std::string& name) {
    static std::map<std::string, Batch> loaded;
    auto it = loaded.find(name);
    if (it == loaded.end())
        it = loaded.emplace(name, eval::read_idx_images(eval::idx_path(kFashion, name, "images"),
                                                        eval::idx_path(kFashion, name, "labels")))
                 .first;
    return it->second;
}

/// The training split as a run would see it through a dataset plugin.
class FashionTrain final : public Dataset {
public:
    DataInfo info() const override {
        DataInfo i;
        i.sample_shape = Shape{1, 28, 28};
        i.size = split("train").x.size(0);
        i.classes = 10;
        i.images = true;
        i.identity = "test:fashion-mnist/train";
        return i;
    }
    Batch get(const std::vector<int64_t>& indices) const override { return rows(split("train"), indices); }

    static Batch rows(const Batch& from, const std::vector<int64_t>& indices) {
        const auto n = static_cast<int64_t>(indices.size());
        Batch b{Tensor::empty({n, 1, 28, 28}), Tensor::empty({n})};
        for (int64_t i = 0; i < n; ++i) {
            const int64_t src = indices[static_cast<size_t>(i)];
            std::memcpy(b.x.data() + i * 784, from.x.data() + src * 784, 784 * sizeof(float));
            b.labels.data()[i] = from.labels.data()[src];
        }
        return b;
    }
};

std::vector<int64_t> range(int64_t from, int64_t n) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = from + i;
    return v;
}

struct Evaluator {
    explicit Evaluator(const std::string& cache_dir)
        : metric(builtin_host().create_metric("image_metrics",
                                              plugin_options(plugin::Kind::metric, "image_metrics",
                                                             {{"n_real", kN}, {"kid_subsets", int64_t{5}}}),
                                              plugin::Context{})) {
        context.dataset = &data;
        context.data = data.info();
        context.cache_dir = cache_dir;
    }
    std::vector<MetricValue> run(const Tensor& fake, const std::vector<std::string>& names) {
        context.fake = fake;
        return metric->evaluate(context, names);
    }
    double fd(const Tensor& fake) { return run(fake, {"fd"}).at(0).value; }

    FashionTrain data;
    std::unique_ptr<Metric> metric;
    MetricContext context;
};

/// Test images (a split the real set does not come from), `n` of them from `from`.
Tensor test_images(int64_t n, int64_t from = 0) { return FashionTrain::rows(split("t10k"), range(from, n)).x; }

Tensor with_noise(const Tensor& x, float std) {
    Tensor y = x.clone();
    Rng rng(9, 0);
    const Tensor noise = rng.normal(x.shape(), 0.f, std);
    for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] = std::clamp(y.data()[i] + noise.data()[i], -1.f, 1.f);
    return y;
}

Tensor box_blur(const Tensor& x, int radius) {
    Tensor y = Tensor::empty(x.shape());
    for (int64_t n = 0; n < x.size(0); ++n)
        for (int r = 0; r < 28; ++r)
            for (int c = 0; c < 28; ++c) {
                double s = 0;
                int count = 0;
                for (int dr = -radius; dr <= radius; ++dr)
                    for (int dc = -radius; dc <= radius; ++dc) {
                        const int rr = r + dr, cc = c + dc;
                        if (rr < 0 || rr >= 28 || cc < 0 || cc >= 28) continue;
                        s += x.data()[n * 784 + rr * 28 + cc], ++count;
                    }
                y.data()[n * 784 + r * 28 + c] = static_cast<float>(s / count);
            }
    return y;
}

/// `n` test images of the classes below `kept` only (the kept classes repeated to fill n).
Tensor only_classes(int64_t kept, int64_t n) {
    const Batch& t = split("t10k");
    std::vector<int64_t> chosen;
    for (int64_t i = 0; static_cast<int64_t>(chosen.size()) < n; i = (i + 1) % t.x.size(0))
        if (t.labels.data()[i] < static_cast<float>(kept)) chosen.push_back(i);
    return FashionTrain::rows(t, chosen).x;
}

}  // namespace

TEST_CASE("image_metrics: every value carries n_real  n_fake  the split  the classifier hash and the floor",
          "[plugins_builtin][metric][image]") {
    TempDir cache;
    Evaluator e(cache.path.string());
    const std::vector<std::string> all = {"fd", "kid", "precision", "recall", "density", "coverage", "classifier_score"};
    const std::vector<MetricValue> values = e.run(test_images(500), all);
    REQUIRE(values.size() == all.size());
    std::map<std::string, double> by_name;
    for (const MetricValue& v : values) {
        INFO(v.name);
        by_name[v.name] = v.value;
        CHECK(v.details.at("n_real") == std::to_string(kN));
        CHECK(v.details.at("n_fake") == "500");
        CHECK(v.details.at("real") == "test:fashion-mnist/train");
        CHECK_THAT(v.details.at("reference_split"), Catch::Contains("t10k-images"));
        CHECK(v.details.at("classifier_sha256").size() == 64);
        CHECK(std::isfinite(std::stod(v.details.at("floor"))));
    }
    // Test images against training images: real-like on every metric.
    CHECK(by_name["precision"] > 0.6);
    CHECK(by_name["recall"] > 0.6);
    CHECK(by_name["coverage"] > 0.6);
    CHECK(by_name["density"] > 0.6);
    CHECK(by_name["classifier_score"] > 5);
    CHECK(std::fabs(by_name["kid"]) < 0.05);
    // Real and reference features were cached, keyed by data, classifier and n_real.
    int cached = 0;
    for (const auto& f : fs::directory_iterator(cache.path / "image_metrics")) cached += f.path().extension() == ".gtf";
    CHECK(cached == 2);
    // A second evaluator (another run) reads them and reports the same floor.
    Evaluator again(cache.path.string());
    CHECK(again.run(test_images(500), {"fd"}).at(0).details.at("floor") == values.at(0).details.at("floor"));
}

TEST_CASE("image_metrics: images of another shape are refused with a DataError", "[plugins_builtin][metric][image]") {
    Evaluator e("");
    e.context.data.sample_shape = Shape{3, 28, 28};
    CHECK_THROWS_AS(e.run(Tensor::zeros({4, 3, 28, 28}), {"fd"}), DataError);
}

TEST_CASE("image_metrics: FD of real data sits at the floor and noise  blur and dropped classes raise it",
          "[plugins_builtin][metric][image][sanity]") {
    Evaluator e("");
    const auto t0 = std::chrono::steady_clock::now();
    const MetricValue first = e.run(test_images(kN), {"fd"}).at(0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double floor = std::stod(first.details.at("floor"));
    // 1000 other training images (mostly not in the real set's 1000 of 60000), other test images.
    const double train_vs_train = e.fd(FashionTrain::rows(split("train"), range(30000, kN)).x);
    const double test_other = e.fd(test_images(kN, 5000));
    Rng rng(4, 0);
    const double noise = e.fd(rng.uniform({kN, 1, 28, 28}, -1.f, 1.f));
    const double one_class = e.fd(only_classes(1, kN));
    const std::vector<double> noisy = {e.fd(with_noise(test_images(kN), 0.1f)), e.fd(with_noise(test_images(kN), 0.3f)),
                                       e.fd(with_noise(test_images(kN), 0.6f))};
    const std::vector<double> blurred = {e.fd(box_blur(test_images(kN), 1)), e.fd(box_blur(test_images(kN), 2)),
                                         e.fd(box_blur(test_images(kN), 3))};
    const std::vector<double> dropped = {e.fd(only_classes(8, kN)), e.fd(only_classes(5, kN)), e.fd(only_classes(2, kN))};
    INFO("first evaluation (classifier load + real and reference features + floor) " << seconds << " s");
    INFO("floor " << floor << "  train vs train " << train_vs_train << "  test " << test_other << "  noise " << noise
                  << "  one class " << one_class);
    INFO("noise 0.1/0.3/0.6: " << noisy[0] << " " << noisy[1] << " " << noisy[2]);
    INFO("blur 1/2/3: " << blurred[0] << " " << blurred[1] << " " << blurred[2]);
    INFO("classes 8/5/2: " << dropped[0] << " " << dropped[1] << " " << dropped[2]);
    CHECK(floor > 0);
    // The floor compares the real set with a fixed seeded choice of test images; other test
    // images, or other training images, land near it.
    CHECK(first.value < 2 * floor);
    CHECK(train_vs_train < 2 * floor);
    CHECK(test_other < 2 * floor);
    CHECK(noise > 20 * floor);
    CHECK(one_class > 10 * floor);
    CHECK(floor < noisy[0]);
    CHECK(noisy[0] < noisy[1]);
    CHECK(noisy[1] < noisy[2]);
    CHECK(floor < blurred[0]);
    CHECK(blurred[0] < blurred[1]);
    CHECK(blurred[1] < blurred[2]);
    CHECK(floor < dropped[0]);
    CHECK(dropped[0] < dropped[1]);
    CHECK(dropped[1] < dropped[2]);
}
