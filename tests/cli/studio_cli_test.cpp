// SPDX-License-Identifier: Apache-2.0
// `gantry studio` as a user runs it: the real binary serving a tiny trained run on a free port,
// spoken to over HTTP (cpp-httplib's client): the page and its assets, generate, bad requests
// (400, the server lives on), two clients at once, paths outside the run directory, the body
// limit, Ctrl-C (exit 130) and the warning off loopback. The real-browser test is
// tests/browser/studio.test.mjs.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "cli/igan_support.hpp"

namespace fs = std::filesystem;
using Catch::Contains;

namespace {

/// The port `gantry studio` printed in its URL line.
int announced_port(const std::string& output) {
    std::smatch m;
    REQUIRE(std::regex_search(output, m, std::regex(R"(http://[^:]+:(\d+)/)")));
    return std::stoi(m[1]);
}

std::string generate_body(int size, double value, const std::string& extra = "") {
    std::string pixels = "[", mask = "[";
    for (int i = 0; i < size * size; ++i) {
        const bool stroke = (i / size) >= 10 && (i / size) < 18 && (i % size) >= 12 && (i % size) < 16;
        pixels += (i ? "," : "") + std::string(stroke ? std::to_string(value) : "0");
        mask += (i ? "," : "") + std::string(stroke ? "1" : "0");
    }
    return "{\"pixels\":" + pixels + "],\"mask\":" + mask + "],\"restarts\":2,\"steps\":10" + extra + "}";
}

}  // namespace

TEST_CASE("gantry studio: the page generate bad requests confinement and Ctrl-C through the binary",
          "[cli][studio]") {
    gantry::testing::TempDir tmp;
    const fs::path run = gantry::testing::train_tiny_image_run(tmp.path / "runs", "tiny_fashion_cgan.yaml");
    std::ofstream(tmp.path / "secret.txt") << "outside the run\n";
    gantry::testing::GantryProcess studio({"studio", run.string(), "--port", "0"});
    REQUIRE(studio.read_until("Ctrl-C stops", std::chrono::seconds(60)));
    CHECK_THAT(studio.output(), Contains("http://127.0.0.1:"));
    CHECK_THAT(studio.output(), !Contains("warning"));
    httplib::Client client("127.0.0.1", announced_port(studio.output()));
    client.set_read_timeout(60, 0);

    // The page and its own assets; nothing from elsewhere.
    auto page = client.Get("/");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK_THAT(page->body, Contains("<canvas id=\"canvas\""));
    CHECK_THAT(page->body, !Contains("http://"));
    CHECK_THAT(page->body, !Contains("https://"));
    auto js = client.Get("/static/studio.js");
    REQUIRE(js);
    CHECK(js->status == 200);
    CHECK(js->get_header_value("Content-Type") == "text/javascript");
    CHECK(client.Get("/static/nothing.js")->status == 404);
    auto info = client.Get("/api/info");
    REQUIRE(info);
    CHECK_THAT(info->body, Contains("\"classes\":10"));
    CHECK_THAT(info->body, Contains("\"height\":28"));

    // Generate: candidates, each with its pixels, z and class.
    auto gen = client.Post("/api/generate", generate_body(28, 0.9), "application/json");
    REQUIRE(gen);
    INFO(gen->body.substr(0, 300));
    CHECK(gen->status == 200);
    CHECK_THAT(gen->body, Contains("\"candidates\""));
    CHECK_THAT(gen->body, Contains("\"z\""));

    // Malformed requests: 400 with a message, and the server carries on.
    for (const auto& [body, fragment] : std::vector<std::pair<std::string, std::string>>{
             {"not json", "not JSON"},
             {"[1,2]", "JSON object"},
             {"{\"pixels\":[1,2,3],\"mask\":[]}", "expected 784"},
             {generate_body(28, 2.0), "outside [0"},
             {generate_body(28, 0.5, ",\"restarts\":1000"), "restarts must be in [1, 32]"},
             {generate_body(28, 0.5, ",\"steps\":-1"), "steps must be in"},
             {generate_body(28, 0.5, ",\"class\":10"), "class must be in [-1, 9]"},
             {generate_body(28, 0.5, ",\"class\":\"x\""), "class must be an integer"}}) {
        auto r = client.Post("/api/generate", body, "application/json");
        REQUIRE(r);
        INFO(body.substr(0, 80) << " -> " << r->body);
        CHECK(r->status == 400);
        CHECK_THAT(r->body, Contains(fragment));
    }
    CHECK(client.Post("/api/nothing", "{}", "application/json")->status == 404);
    // A body over the limit is refused by the server before it is read whole.
    const std::string huge(5u << 20, ' ');
    auto big = client.Post("/api/generate", huge, "application/json");
    CHECK((!big || big->status == 413 || big->status == 400));

    // Run files: inside the run directory only.
    CHECK(client.Get("/run/experiment.yaml")->status == 200);
    for (const std::string& bad : std::vector<std::string>{"/run/../secret.txt", "/run/..%2Fsecret.txt", "/run/%2Fetc%2Fpasswd",
                                  "/run//etc/passwd", "/run/samples/../../secret.txt"}) {
        auto r = client.Get(bad);
        INFO(bad);
        REQUIRE(r);
        CHECK(r->status >= 400);
        CHECK_THAT(r->body, !Contains("outside the run"));
        CHECK_THAT(r->body, !Contains("root:"));
    }

    // Two clients at once: both answered (one waits for the other).
    std::vector<int> statuses(2, 0);
    std::vector<std::thread> tabs;
    for (int t = 0; t < 2; ++t)
        tabs.emplace_back([&, t] {
            httplib::Client c("127.0.0.1", announced_port(studio.output()));
            c.set_read_timeout(60, 0);
            auto r = c.Post("/api/generate", generate_body(28, 0.8, ",\"seed\":" + std::to_string(t)),
                            "application/json");
            statuses[static_cast<size_t>(t)] = r ? r->status : -1;
        });
    for (auto& t : tabs) t.join();
    CHECK(statuses == std::vector<int>{200, 200});

    // Save: an image and its z in RUN_DIR/studio.
    auto random = client.Post("/api/random", "{\"count\":2,\"class\":1}", "application/json");
    REQUIRE(random);
    CHECK(random->status == 200);
    std::string z = "[";
    for (int i = 0; i < 8; ++i) z += (i ? ",0." : "0.") + std::to_string(i);
    z += "]";
    auto saved = client.Post("/api/save", "{\"z\":" + z + ",\"class\":1,\"name\":\"mine\"}", "application/json");
    REQUIRE(saved);
    CHECK(saved->status == 200);
    CHECK(fs::exists(run / "studio" / "mine.png"));
    CHECK(fs::exists(run / "studio" / "mine.npy"));
    CHECK(client.Post("/api/save", "{\"z\":" + z + ",\"name\":\"../up\"}", "application/json")->status == 400);
    CHECK(client.Get("/run/studio/mine.png")->get_header_value("Content-Type") == "image/png");
    auto path = client.Post("/api/path", "{\"from\":" + z + ",\"to\":" + z + ",\"steps\":3,\"class\":2}",
                            "application/json");
    REQUIRE(path);
    CHECK(path->status == 200);
    CHECK_THAT(path->body, Contains("\"frames\""));

    // Ctrl-C: a clean stop, exit 130.
    ::kill(studio.pid(), SIGINT);
    const auto end = studio.finish(std::chrono::seconds(30));
    INFO(end.output);
    CHECK(end.exit_code == 130);
    CHECK_THAT(end.output, Contains("gantry studio: stopped"));
}

TEST_CASE("gantry studio: a warning off loopback and no checkpoint is exit 4", "[cli][studio]") {
    gantry::testing::TempDir tmp;
    const fs::path run = gantry::testing::train_tiny_image_run(tmp.path / "runs", "tiny_fashion_dcgan.yaml");
    gantry::testing::GantryProcess studio({"studio", run.string(), "--host", "0.0.0.0", "--port", "0"});
    REQUIRE(studio.read_until("Ctrl-C stops", std::chrono::seconds(60)));
    CHECK_THAT(studio.output(), Contains("warning: listening on 0.0.0.0"));
    ::kill(studio.pid(), SIGTERM);
    CHECK(studio.finish(std::chrono::seconds(30)).exit_code == 130);

    fs::remove_all(run / "checkpoints");
    const auto none = gantry::testing::run_gantry({"studio", run.string(), "--port", "0"});
    INFO(none.output);
    CHECK(none.exit_code == 4);
    CHECK_THAT(none.output, Contains("has no checkpoint"));
}
