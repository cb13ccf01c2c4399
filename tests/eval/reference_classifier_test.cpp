// SPDX-License-Identifier: Apache-2.0
// gantry/eval/reference_classifier.hpp: where the shipped weights are and what digest they must
// have, and the one way every plugin that measures with the classifier takes it (through the
// real plugin path: the built-in libraries loaded by the host).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/eval/reference_classifier.hpp"
#include "gantry/io/sha256.hpp"
#include "gantry/loss.hpp"
#include "gantry/metric.hpp"
#include "plugin/host.hpp"
#include "support/builtin_plugins.hpp"
#include "support/errors.hpp"

using namespace gantry;
using gantry::testing::builtin_host;
using gantry::testing::error_message;
using gantry::testing::plugin_options;
namespace fs = std::filesystem;

TEST_CASE("reference classifier: the shipped weights are found and match the compiled-in digest", "[eval][classifier]") {
    const fs::path shipped = eval::shipped_classifier_path();
    CHECK(shipped.filename() == "fashion_mnist_cnn.gtf");
    CHECK(shipped.parent_path().filename() == "image_metrics");
    REQUIRE(fs::is_regular_file(shipped));
    CHECK(io::file_sha256_hex(shipped) == eval::shipped_classifier_sha256());

    const eval::ReferenceClassifier classifier(plugin_options(plugin::Kind::metric, "image_metrics"));
    CHECK(classifier.shipped());
    CHECK(classifier.weights() == shipped);
    CHECK(classifier.sha256() == eval::shipped_classifier_sha256());
    CHECK(classifier.get().shape() == eval::ClassifierShape{});
    CHECK(&classifier.get() == &classifier.get());  // loaded once

    // Another digest is refused when the network is first needed, naming the file.
    const eval::ReferenceClassifier other(
        plugin_options(plugin::Kind::metric, "image_metrics", {{"classifier_sha256", std::string(64, '0')}}));
    CHECK_THAT(error_message<DataError>([&] { other.get(); }), Catch::Contains("fashion_mnist_cnn.gtf"));
}

TEST_CASE("reference classifier: every plugin that measures with it refuses weights without their digest",
          "[eval][classifier][plugins_builtin]") {
    const std::vector<std::pair<plugin::Kind, std::string>> plugins = {{plugin::Kind::metric, "image_metrics"},
                                                                       {plugin::Kind::metric, "paired_metrics"},
                                                                       {plugin::Kind::metric, "text_metrics"},
                                                                       {plugin::Kind::loss, "perceptual"}};
    for (const auto& [kind, name] : plugins) {
        INFO(name);
        const plugin::Options own = plugin_options(kind, name, {{"classifier", std::string("/nowhere/mine.gtf")}});
        const std::string message = error_message<ConfigError>([&] {
            if (kind == plugin::Kind::metric)
                builtin_host().create_metric(name, own, {});
            else
                builtin_host().create_loss(name, own, {});
        });
        CHECK_THAT(message, Catch::Contains("/nowhere/mine.gtf needs classifier_sha256") &&
                                Catch::Contains("/nowhere/mine.txt"));
        // The shipped classifier needs neither option.
        if (kind == plugin::Kind::metric)
            CHECK(builtin_host().create_metric(name, plugin_options(kind, name), {}) != nullptr);
        else
            CHECK(builtin_host().create_loss(name, plugin_options(kind, name), {}) != nullptr);
    }
}
