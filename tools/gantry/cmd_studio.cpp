// SPDX-License-Identifier: Apache-2.0
// `gantry studio RUN_DIR [--host H] [--port P]`: the interactive page (docs/studio.md). The
// requests are answered by studio::Studio (framework/src/studio/); this file binds them to
// cpp-httplib and serves the page's own files, which are compiled into the binary
// (tools/gantry/studio/ -> studio_assets.cpp): the page needs no network.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "command.hpp"
#include "gantry/error.hpp"
#include "studio/studio.hpp"
#include "studio_assets.hpp"

namespace gantry::cli {

namespace {

void reply(httplib::Response& res, const studio::Response& r) {
    res.status = r.status;
    res.set_content(r.body, r.content_type.c_str());
    res.set_header("Cache-Control", "no-store");
}

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

int serve(const std::string& run_dir, const std::string& host, int port) {
    // SIGINT/SIGTERM go to one thread that stops the server: the handlers' threads never see
    // them. Blocked before any thread starts, so every thread inherits the mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    studio::Studio studio(run_dir);
    for (const std::string& w : studio.warnings()) std::fprintf(stderr, "gantry studio: warning: %s\n", w.c_str());

    httplib::Server server;
    const studio::Limits& limits = studio.limits();
    server.set_payload_max_length(limits.max_body);
    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(studio_asset("index.html")), "text/html; charset=utf-8");
    });
    server.Get(R"(/static/([a-z]+\.(js|css)))", [](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1];
        const std::string_view text = studio_asset(name);
        if (text.empty()) {
            res.status = 404;
            return;
        }
        res.set_content(std::string(text), name.ends_with(".js") ? "text/javascript" : "text/css");
    });
    server.Get(R"(/(api/.*|run/.*))", [&](const httplib::Request& req, httplib::Response& res) {
        reply(res, studio.get(req.path));
    });
    server.Post(R"(/api/.*)", [&](const httplib::Request& req, httplib::Response& res) {
        reply(res, studio.post(req.path, req.body));
    });
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string message = "internal error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            message = e.what();
        } catch (...) {
        }
        reply(res, studio::bad_request(message));
        res.status = 500;
    });

    const int bound = port == 0 ? server.bind_to_any_port(host.c_str()) : (server.bind_to_port(host.c_str(), port) ? port : -1);
    GANTRY_CHECK_AS(OutputError, bound > 0, "gantry studio: cannot listen on ", host, ":", port,
                    " (in use, or not an address of this machine)");
    if (!is_loopback(host))
        std::fprintf(stderr,
                     "gantry studio: warning: listening on %s: anyone who can reach this machine can use the "
                     "studio and read the run's files\n",
                     host.c_str());
    const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    std::printf("gantry studio: http://%s:%d/  (%s; Ctrl-C stops)\n", shown.c_str(), bound, run_dir.c_str());
    std::fflush(stdout);

    // The waiter may be woken before listen_after_bind() has started the server (a signal right
    // after the URL line): stop() would then be lost, so it waits for the server to run first.
    std::atomic<bool> signalled{false}, listen_done{false};
    std::thread waiter([&] {
        int caught = 0;
        sigwait(&stop_signals, &caught);
        signalled = true;
        while (!server.is_running() && !listen_done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        server.stop();
    });
    if (!signalled) server.listen_after_bind();
    listen_done = true;
    if (!signalled) pthread_kill(waiter.native_handle(), SIGTERM);  // listening failed: wake the waiter
    waiter.join();
    const bool by_signal = signalled;
    std::printf("gantry studio: stopped\n");
    return by_signal ? static_cast<int>(ExitCode::interrupted) : 1;
}

}  // namespace

GANTRY_COMMAND("studio", "serve the interactive page: draw, generate, morph, save (docs/studio.md)",
               [](CLI::App& app) {
                   auto run_dir = std::make_shared<std::string>();
                   auto host = std::make_shared<std::string>("127.0.0.1");
                   auto port = std::make_shared<int>(8765);
                   app.add_option("run_dir", *run_dir, "the run directory")->required();
                   app.add_option("--host", *host, "address to listen on (default 127.0.0.1: this machine only)");
                   app.add_option("--port", *port, "port (default 8765; 0: any free port)")
                       ->check(CLI::Range(0, 65535));
                   return [=] { return serve(*run_dir, *host, *port); };
               });

}  // namespace gantry::cli
