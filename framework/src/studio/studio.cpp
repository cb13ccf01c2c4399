// SPDX-License-Identifier: Apache-2.0
#include "studio/studio.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gantry/error.hpp"
#include "gantry/io/png.hpp"
#include "gantry/random.hpp"
#include "io/array_export.hpp"
#include "io/image_grid.hpp"
#include "io/posix_io.hpp"
#include "train/projection.hpp"

namespace gantry::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// A request's mistake: answered 400 with its message.
struct BadRequest {
    std::string message;
};

[[noreturn]] void refuse(const std::string& message) { throw BadRequest{message}; }

json parse_body(const std::string& body, size_t max_body) {
    if (body.size() > max_body)
        refuse("body of " + std::to_string(body.size()) + " bytes; the limit is " + std::to_string(max_body));
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) refuse("the body is not JSON");
    if (!j.is_object()) refuse("the body must be a JSON object");
    return j;
}

int64_t integer(const json& j, const char* key, int64_t fallback, int64_t low, int64_t high) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_number_integer()) refuse(std::string(key) + " must be an integer");
    const int64_t v = j[key].get<int64_t>();
    if (v < low || v > high)
        refuse(std::string(key) + " must be in [" + std::to_string(low) + ", " + std::to_string(high) + "], got " +
               std::to_string(v));
    return v;
}

/// A flat array of exactly `n` finite numbers in [low, high].
std::vector<float> numbers(const json& j, const char* key, size_t n, float low, float high) {
    if (!j.contains(key) || !j[key].is_array()) refuse(std::string(key) + " must be an array of numbers");
    const json& a = j[key];
    if (a.size() != n)
        refuse(std::string(key) + " has " + std::to_string(a.size()) + " values; expected " + std::to_string(n));
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) {
        if (!a[i].is_number()) refuse(std::string(key) + "[" + std::to_string(i) + "] is not a number");
        const double v = a[i].get<double>();
        if (!std::isfinite(v) || v < low || v > high)
            refuse(std::string(key) + "[" + std::to_string(i) + "] = " + std::to_string(v) + " is outside [" +
                   std::to_string(low) + ", " + std::to_string(high) + "]");
        out[i] = static_cast<float>(v);
    }
    return out;
}

/// Pixels of one image (C, H, W) in [-1, 1] as [0, 1] numbers with 3 decimals.
json pixels_json(const float* x, int64_t n) {
    json a = json::array();
    for (int64_t i = 0; i < n; ++i) {
        const float v = std::clamp((x[i] + 1.f) * 0.5f, 0.f, 1.f);
        a.push_back(std::round(v * 1000.f) / 1000.f);
    }
    return a;
}

json vector_json(const float* x, int64_t n) {
    json a = json::array();
    for (int64_t i = 0; i < n; ++i) a.push_back(x[i]);
    return a;
}

Response ok(const json& j) {
    Response r;
    r.body = j.dump();
    return r;
}

const char* content_type_of(const fs::path& file) {
    const std::string ext = file.extension().string();
    if (ext == ".png") return "image/png";
    if (ext == ".json") return "application/json";
    if (ext == ".csv") return "text/csv";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".yaml" || ext == ".jsonl" || ext == ".txt" || ext == ".log") return "text/plain; charset=utf-8";
    return nullptr;
}

}  // namespace

Response bad_request(const std::string& message) {
    Response r;
    r.status = 400;
    r.body = json{{"error", message}}.dump();
    return r;
}

Studio::Studio(const fs::path& run_dir, Limits limits)
    : run_(train::open_trained_run(run_dir, "gantry studio")), limits_(limits), root_(fs::canonical(run_dir)) {
    GANTRY_CHECK_AS(ConfigError, run_.run.data.images, "gantry studio: ", run_dir.string(),
                    " is a run on points; the studio draws images");
    train::refuse_conditional_data(run_, "gantry studio");
}

Response Studio::get(const std::string& path) {
    try {
        if (path == "/api/info") return info();
        if (path.rfind("/run/", 0) == 0) return run_file(path.substr(5));
        Response r = bad_request("no such page: " + path);
        r.status = 404;
        return r;
    } catch (const BadRequest& e) {
        return bad_request(e.message);
    } catch (const std::exception& e) {
        Response r = bad_request(e.what());
        r.status = 500;
        return r;
    }
}

Response Studio::post(const std::string& path, const std::string& body) {
    try {
        if (path == "/api/generate") return generate(body);
        if (path == "/api/random") return random(body);
        if (path == "/api/path") return this->path(body);
        if (path == "/api/save") return save(body);
        Response r = bad_request("no such endpoint: " + path);
        r.status = 404;
        return r;
    } catch (const BadRequest& e) {
        return bad_request(e.message);
    } catch (const ConfigError& e) {
        return bad_request(e.what());
    } catch (const ShapeError& e) {
        return bad_request(e.what());
    } catch (const std::exception& e) {
        Response r = bad_request(e.what());
        r.status = 500;
        return r;
    }
}

Response Studio::info() {
    const Shape& s = run_.run.data.sample_shape;
    return ok(json{{"latent", run_.latent()},
                   {"classes", run_.classes()},
                   {"channels", s[0]},
                   {"height", s[1]},
                   {"width", s[2]},
                   {"iteration", run_.run.trainer->iteration()},
                   {"experiment", run_.run.spec.experiment},
                   {"limits", {{"restarts", limits_.max_restarts}, {"steps", limits_.max_steps}}}});
}

Response Studio::generate(const std::string& body) {
    const json j = parse_body(body, limits_.max_body);
    const Shape& s = run_.run.data.sample_shape;
    const int64_t c = s[0], h = s[1], w = s[2];
    const std::vector<float> pixels = numbers(j, "pixels", static_cast<size_t>(c * h * w), 0.f, 1.f);
    const std::vector<float> mask = numbers(j, "mask", static_cast<size_t>(h * w), 0.f, 1.f);
    train::ProjectionOptions options;
    options.latent = run_.latent();
    options.classes = run_.classes();
    options.label = integer(j, "class", -1, -1, std::max<int64_t>(options.classes - 1, -1));
    options.restarts = integer(j, "restarts", 8, 1, limits_.max_restarts);
    options.steps = integer(j, "steps", 100, 0, limits_.max_steps);
    options.seed = static_cast<uint64_t>(integer(j, "seed", 0, 0, int64_t{1} << 40));
    if (j.contains("prior")) {
        if (!j["prior"].is_number() || !(j["prior"].get<double>() >= 0) || j["prior"].get<double>() > 100)
            refuse("prior must be a number in [0, 100]");
        options.prior_weight = j["prior"].get<double>();
    }
    Tensor target = Tensor::empty({1, c, h, w});
    for (size_t i = 0; i < pixels.size(); ++i) target.data()[i] = pixels[i] * 2.f - 1.f;
    const Tensor m = Tensor::from_vector({1, 1, h, w}, mask);

    std::lock_guard<std::mutex> lock(mutex_);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<train::Projection> found = train::project(run_.generator(), target, m, options);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    json candidates = json::array();
    // With the class searched, the best start of each class would crowd the grid with one class:
    // show the best `restarts` overall.
    const auto& all = found.front().candidates;
    const size_t shown = std::min<size_t>(all.size(), static_cast<size_t>(options.restarts));
    for (size_t k = 0; k < shown; ++k)
        candidates.push_back({{"pixels", pixels_json(all[k].image.data(), c * h * w)},
                              {"z", vector_json(all[k].z.data(), options.latent)},
                              {"label", all[k].label},
                              {"distance", all[k].distance},
                              {"loss", all[k].loss}});
    return ok(json{{"candidates", candidates}, {"ms", ms}, {"steps", options.steps}, {"restarts", options.restarts}});
}

Response Studio::random(const std::string& body) {
    const json j = parse_body(body, limits_.max_body);
    const int64_t count = integer(j, "count", 8, 1, limits_.max_count);
    const int64_t classes = run_.classes();
    const int64_t label = integer(j, "class", -1, -1, std::max<int64_t>(classes - 1, -1));
    const uint64_t seed = static_cast<uint64_t>(integer(j, "seed", 0, 0, int64_t{1} << 40));
    Tensor z = Rng(seed, train::kProjectionStream + 1).normal({count, run_.latent()});
    Tensor labels;
    if (classes > 0) {
        labels = Tensor::empty({count});
        Rng pick(seed, train::kProjectionStream + 2);
        for (int64_t i = 0; i < count; ++i)
            labels.data()[i] = static_cast<float>(label >= 0 ? label : static_cast<int64_t>(pick.next_below(classes)));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    const Tensor x = run_.generate(z, labels);
    const int64_t pixels = x.numel() / count;
    json samples = json::array();
    for (int64_t i = 0; i < count; ++i)
        samples.push_back({{"pixels", pixels_json(x.data() + i * pixels, pixels)},
                           {"z", vector_json(z.data() + i * run_.latent(), run_.latent())},
                           {"label", labels.defined() ? static_cast<int64_t>(labels.data()[i]) : -1}});
    return ok(json{{"candidates", samples}});
}

Response Studio::path(const std::string& body) {
    const json j = parse_body(body, limits_.max_body);
    const int64_t latent = run_.latent();
    const std::vector<float> from = numbers(j, "from", static_cast<size_t>(latent), -1e3f, 1e3f);
    const std::vector<float> to = numbers(j, "to", static_cast<size_t>(latent), -1e3f, 1e3f);
    const int64_t steps = integer(j, "steps", 9, 2, limits_.max_count);
    const int64_t classes = run_.classes();
    const int64_t label = integer(j, "class", classes > 0 ? 0 : -1, classes > 0 ? 0 : -1,
                                  std::max<int64_t>(classes - 1, -1));
    Tensor z = Tensor::empty({steps, latent});
    for (int64_t s = 0; s < steps; ++s) {
        const float t = static_cast<float>(s) / static_cast<float>(steps - 1);
        for (int64_t k = 0; k < latent; ++k)
            z.data()[s * latent + k] = (1.f - t) * from[static_cast<size_t>(k)] + t * to[static_cast<size_t>(k)];
    }
    const Tensor labels = classes > 0 ? Tensor::full({steps}, static_cast<float>(label)) : Tensor();
    std::lock_guard<std::mutex> lock(mutex_);
    const Tensor x = run_.generate(z, labels);
    const int64_t pixels = x.numel() / steps;
    json frames = json::array();
    for (int64_t s = 0; s < steps; ++s) frames.push_back(pixels_json(x.data() + s * pixels, pixels));
    return ok(json{{"frames", frames}});
}

Response Studio::save(const std::string& body) {
    const json j = parse_body(body, limits_.max_body);
    const int64_t latent = run_.latent();
    const std::vector<float> z = numbers(j, "z", static_cast<size_t>(latent), -1e3f, 1e3f);
    const int64_t classes = run_.classes();
    const int64_t label = integer(j, "class", classes > 0 ? 0 : -1, classes > 0 ? 0 : -1,
                                  std::max<int64_t>(classes - 1, -1));
    std::string name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "studio";
    if (name.empty() || name.size() > 64 ||
        !std::all_of(name.begin(), name.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'; }))
        refuse("name must be 1-64 letters, digits, '-' or '_'");
    const Tensor zt = Tensor::from_vector({1, latent}, z);
    const Tensor labels = classes > 0 ? Tensor::full({1}, static_cast<float>(label)) : Tensor();
    std::lock_guard<std::mutex> lock(mutex_);
    const Tensor x = run_.generate(zt, labels);
    const fs::path dir = root_ / "studio";
    fs::create_directories(dir);
    io::write_png(dir / (name + ".png"), io::image_grid(x, 1, 0));
    io::write_npy(dir / (name + ".npy"), zt);
    return ok(json{{"png", "studio/" + name + ".png"}, {"z", "studio/" + name + ".npy"}});
}

Response Studio::run_file(const std::string& relative) {
    // Only relative paths that stay inside the run directory, after symlinks are resolved.
    if (relative.empty() || relative.front() == '/' || relative.find('\0') != std::string::npos ||
        relative.find('\\') != std::string::npos)
        refuse("not a path inside the run directory: " + relative);
    const fs::path rel(relative);
    for (const fs::path& part : rel)
        if (part == ".." || part == ".") refuse("not a path inside the run directory: " + relative);
    std::error_code ec;
    const fs::path file = fs::weakly_canonical(root_ / rel, ec);
    const auto [stop, _] = std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
    if (ec || stop != root_.end()) refuse("not a path inside the run directory: " + relative);
    const char* type = content_type_of(file);
    Response r;
    if (!fs::is_regular_file(file, ec) || type == nullptr) {
        r = bad_request("no such run file: " + relative);
        r.status = 404;
        return r;
    }
    if (fs::file_size(file, ec) > limits_.max_file) refuse("file too large to serve: " + relative);
    r.content_type = type;
    r.body = io::detail::read_file_bytes(file, "run file");
    return r;
}

}  // namespace gantry::studio
