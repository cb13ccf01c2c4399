// SPDX-License-Identifier: Apache-2.0
#pragma once
/// `gantry studio`'s server logic, apart from HTTP: a trained run opened once, and the answers to
/// the page's requests (JSON in, JSON out), each checked and bounded. The CLI
/// (tools/gantry/cmd_studio.cpp) binds these to cpp-httplib and serves the page's own files; the
/// tests call them directly.
///
///   GET  /api/info                       latent, classes, sample shape, iteration
///   POST /api/generate {pixels, mask, class, restarts, steps, seed}
///                                        candidates matching the strokes (projection), best first
///   POST /api/random   {count, class, seed, truncation}
///                                        random samples
///   POST /api/path     {from, to, label, steps}
///                                        the samples along the latent path (the morph slider)
///   POST /api/save     {z, label, name}  RUN_DIR/studio/NAME.png and NAME.npy
///   GET  /run/PATH                       a file of the run directory (PNG, JSON, CSV, YAML, text)
///
/// Images travel as flat arrays of C*H*W numbers in [0, 1] (C, H, W order), latents as `latent`
/// numbers. A bad request is answered 400 with {"error": "..."}; nothing a request holds can stop
/// the server. Requests are served one at a time (the generator is not shared between threads):
/// a second tab's request waits for the first.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "train/trained_run.hpp"

namespace gantry::studio {

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

struct Limits {
    size_t max_body = size_t{4} << 20;  ///< bytes of a request body
    int64_t max_restarts = 32;          ///< starts of one generate
    int64_t max_steps = 1000;           ///< Adam steps of one generate
    int64_t max_count = 64;             ///< samples of one random / path request
    uint64_t max_file = uint64_t{64} << 20;  ///< bytes of a run file served
};

class Studio {
public:
    /// Opens the run as `gantry sample` does; throws as open_trained_run.
    explicit Studio(const std::filesystem::path& run_dir, Limits limits = {});

    Response get(const std::string& path);
    Response post(const std::string& path, const std::string& body);

    const std::vector<std::string>& warnings() const { return run_.warnings; }
    const Limits& limits() const { return limits_; }
    /// The run directory's canonical path: run files are served from under it only.
    const std::filesystem::path& root() const { return root_; }

private:
    Response info();
    Response generate(const std::string& body);
    Response random(const std::string& body);
    Response path(const std::string& body);
    Response save(const std::string& body);
    Response run_file(const std::string& relative);

    std::mutex mutex_;
    train::TrainedRun run_;
    Limits limits_;
    std::filesystem::path root_;
};

/// The 400 answer: {"error": message}.
Response bad_request(const std::string& message);

}  // namespace gantry::studio
