// SPDX-License-Identifier: Apache-2.0
// `gantry bench WORKLOAD | --experiment FILE`: times the training iterations `gantry run`
// executes, one JSON line of medians. A workload is an experiment file (experiments/bench/W.yaml:
// mlp2d, dcgan28, dcgan64, the workloads of shared/perf/torch_gan_bench.py), so the bench runs
// the real path: the plugins loaded through the host, the loss plugin, the optimizers and the
// Trainer's schedule, built by train::assemble as `gantry run` builds them. Each timed interval is
// one Trainer::run_iteration() (real batch and noise drawn inside it); no evaluation, samples,
// checkpoints or run directory.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "config/diagnostics.hpp"
#include "config/experiment.hpp"
#include "gantry/error.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/threads.hpp"
#include "train/assembly.hpp"
#include "train/plugin_session.hpp"

namespace gantry::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* const kWorkloads[] = {"mlp2d", "dcgan28", "dcgan64"};

/// Seconds since this process started: its start time from /proc/self/stat (field 22, clock ticks
/// after boot) against CLOCK_BOOTTIME, so the figure includes loading the executable and its
/// libraries. Resolution: one clock tick (10 ms). Empty when /proc cannot be read.
std::optional<double> seconds_since_process_start() {
    std::ifstream in("/proc/self/stat");
    std::string stat;
    if (!std::getline(in, stat)) return std::nullopt;
    // Field 2 (the command name) may hold spaces and parentheses: count fields after its last ')'.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i)
        if (i == 22) {
            timespec now{};
            if (::clock_gettime(CLOCK_BOOTTIME, &now) != 0) return std::nullopt;
            const double start = std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
            return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec) - start;
        }
    return std::nullopt;
}

double peak_rss_mb() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

/// experiments/bench/NAME.yaml: installed beside the binary (PREFIX/share/gantry/bench), else in
/// the source tree this binary was built from.
std::string workload_file(const std::string& name) {
    const bool known = std::find(std::begin(kWorkloads), std::end(kWorkloads), name) != std::end(kWorkloads);
    GANTRY_CHECK_AS(ConfigError, known, "gantry bench: unknown workload '", name,
                    "'; expected mlp2d, dcgan28 or dcgan64, or --experiment FILE");
    std::vector<fs::path> candidates;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/gantry/bench" / (name + ".yaml"));
    candidates.push_back(fs::path(GANTRY_BENCH_DIR) / (name + ".yaml"));
    for (const fs::path& c : candidates)
        if (fs::is_regular_file(c, ec)) return c.string();
    std::string tried;
    for (const fs::path& c : candidates) tried += (tried.empty() ? "" : ", ") + c.string();
    throw ConfigError("gantry bench: the experiment file of workload '" + name + "' is missing (looked for " +
                      tried + "); give one with --experiment FILE");
}

// ---- FLOPs per iteration, counted as torch_gan_bench.py counts them ---------------------------

/// Forward FLOPs of each Linear / Conv2d / ConvTranspose2d of `net` in order (2 per multiply-add,
/// taps on zero padding included; a transposed convolution counts as its mirror direct one), for
/// `rows` samples of `channels` x `side` (side 0: flat input). Only for a chain of such layers,
/// each taking what the previous one gives (what the mlp and dcgan plugins build without
/// conditioning); empty for anything else.
std::optional<std::vector<double>> chain_flops(nn::Module& net, int64_t rows, int64_t channels,
                                               int64_t h, int64_t w) {
    std::vector<double> flops;
    bool chain = true;
    bool spatial = false;  // a convolution seen: a Linear after it would need a flatten we cannot see
    net.apply([&](nn::Module& m) {
        const double n = static_cast<double>(rows);
        if (auto* l = dynamic_cast<nn::Linear*>(&m)) {
            const int64_t in = l->options.in_features;
            chain = chain && !spatial && (flops.empty() ? in == channels * h * w : in == channels);
            flops.push_back(2.0 * n * static_cast<double>(in * l->options.out_features));
            channels = l->options.out_features;
            h = w = 1;
        } else if (auto* c = dynamic_cast<nn::Conv2d*>(&m)) {
            const auto& o = c->options;
            chain = chain && o.in_channels == channels && (spatial || flops.empty());
            const int64_t ho = (h + 2 * o.padding.h - o.dilation.h * (o.kernel_size.h - 1) - 1) / o.stride.h + 1;
            const int64_t wo = (w + 2 * o.padding.w - o.dilation.w * (o.kernel_size.w - 1) - 1) / o.stride.w + 1;
            flops.push_back(2.0 * n * static_cast<double>(o.in_channels * o.out_channels * ho * wo *
                                                          o.kernel_size.h * o.kernel_size.w));
            channels = o.out_channels;
            h = ho;
            w = wo;
            spatial = true;
        } else if (auto* t = dynamic_cast<nn::ConvTranspose2d*>(&m)) {
            const auto& o = t->options;
            chain = chain && o.in_channels == channels && (spatial || flops.empty());
            flops.push_back(2.0 * n * static_cast<double>(o.in_channels * o.out_channels * h * w *
                                                          o.kernel_size.h * o.kernel_size.w));
            h = (h - 1) * o.stride.h - 2 * o.padding.h + o.dilation.h * (o.kernel_size.h - 1) + o.output_padding.h + 1;
            w = (w - 1) * o.stride.w - 2 * o.padding.w + o.dilation.w * (o.kernel_size.w - 1) + o.output_padding.w + 1;
            channels = o.out_channels;
            spatial = true;
        }
    });
    if (!chain || flops.empty()) return std::nullopt;
    return flops;
}

/// The script's FLOPs of one iteration of its loop: G forward, G weight and input gradients (no
/// input gradient for G's first layer), D forward 3x, D weight gradients 3x, D input gradients 3x
/// but D's first layer's in the D step. Gantry's loop differs (docs/performance.md); the count is
/// the script's so that GFLOP/s compare. Empty unless the schedule is one D step then one G step
/// without a gradient penalty (the only loop the script has) and both networks are chains.
std::optional<double> iteration_flop(train::Assembly& run) {
    const config::ExperimentSpec& spec = run.spec;
    const auto& steps = spec.schedule.steps;
    if (steps.size() != 2 || steps[0].network != Role::discriminator || steps[0].repeat != 1 ||
        steps[1].network != Role::generator || steps[1].repeat != 1 || run.loss->penalizes_input_gradient())
        return std::nullopt;
    const Shape& sample = run.data.sample_shape;
    const int64_t batch = spec.schedule.batch;
    const int64_t pack = spec.discriminator.pack;
    const auto g = chain_flops(run.trainer->generator(), batch, spec.generator.latent, 1, 1);
    const auto d = sample.rank() == 3
                       ? chain_flops(run.trainer->discriminator(), batch / pack, pack * sample[0], sample[1], sample[2])
                       : chain_flops(run.trainer->discriminator(), batch / pack, pack * sample.numel(), 1, 1);
    if (!g || !d) return std::nullopt;
    double gf = 0, df = 0;
    for (double f : *g) gf += f;
    for (double f : *d) df += f;
    return gf + gf + (gf - g->front()) + 3 * df + 3 * df + (3 * df - 2 * d->front());
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string json_number(std::optional<double> v, const char* format) {
    if (!v || !std::isfinite(*v)) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, format, *v);
    return buf;
}

struct BenchRequest {
    std::string workload;
    std::string experiment;
    std::vector<std::string> overrides;
    int threads = -1;  ///< -1: the experiment's `threads`
    int iters = 0;     ///< 0: 50 (dcgan64: 10)
    int warmup = -1;   ///< -1: 10 (dcgan64: 2)
    std::string fmnist;
    std::string precision;  ///< "": the experiment's `precision` (the workloads: fp32)
};

int run_bench(BenchRequest r) {
    GANTRY_CHECK_AS(ConfigError, !r.workload.empty() || !r.experiment.empty(),
                    "gantry bench: give a workload (mlp2d, dcgan28 or dcgan64) or --experiment FILE");
    GANTRY_CHECK_AS(ConfigError, r.workload.empty() || r.experiment.empty(), "gantry bench: workload '",
                    r.workload, "' and --experiment ", r.experiment, " given; time one or the other, not both");
    const bool named = !r.workload.empty();
    const std::string file = named ? workload_file(r.workload) : r.experiment;
    if (!r.fmnist.empty()) r.overrides.push_back("data.root=" + r.fmnist);
    // As an override, so the value is checked like the key and a CPU without bf16 is refused as
    // `gantry run` refuses it.
    if (!r.precision.empty()) r.overrides.push_back("precision=" + r.precision);
    const bool big = r.workload == "dcgan64";
    const int iters = r.iters > 0 ? r.iters : big ? 10 : 50;
    const int warmup = r.warmup >= 0 ? r.warmup : big ? 2 : 10;

    train::PluginSession session;
    config::ExperimentSpec spec;
    try {
        spec = train::resolve_experiment(file, r.overrides, session);
    } catch (const config::ConfigErrors& e) {
        for (const config::Diagnostic& d : e.records())
            std::fprintf(stderr, "error: %s\n", d.format().c_str());
        std::fprintf(stderr, "gantry bench: %zu problem%s in %s\n", e.records().size(),
                     e.records().size() == 1 ? "" : "s", file.c_str());
        return static_cast<int>(ExitCode::bad_config);
    }
    if (r.threads >= 0) spec.threads = r.threads;
    // The trainer refuses to run past the schedule; the learning-rate schedule spans the longer.
    spec.schedule.iterations = std::max<int64_t>(spec.schedule.iterations, int64_t{warmup} + iters);
    set_num_threads(static_cast<int>(spec.threads));
    train::Assembly run = train::assemble(spec, session);
    train::Trainer& trainer = *run.trainer;
    const std::optional<double> flop = iteration_flop(run);

    const std::optional<double> startup = seconds_since_process_start();
    for (int i = 0; i < warmup; ++i) trainer.run_iteration();
    std::vector<double> seconds;
    for (int i = 0; i < iters; ++i) {
        const auto t0 = Clock::now();
        trainer.run_iteration();
        seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    const double med = median(seconds);
    const double lo = *std::min_element(seconds.begin(), seconds.end());
    const double hi = *std::max_element(seconds.begin(), seconds.end());
    const std::string name = named ? r.workload : spec.experiment;
    std::printf("{\"workload\": %s, \"experiment\": %s, \"threads\": %d, \"batch\": %ld, \"iters\": %d, "
                "\"warmup\": %d, \"it_per_s_median\": %.4f, \"it_per_s_min\": %.4f, "
                "\"it_per_s_max\": %.4f, \"ms_median\": %.4f, \"gflop_per_iter\": %s, "
                "\"gflops_achieved_median\": %s, \"cpu_isa\": %s, \"precision\": \"%s\", "
                "\"peak_rss_mb\": %.1f, \"startup_s\": %s}\n",
                json_string(name).c_str(), json_string(file).c_str(), num_threads(),
                static_cast<long>(spec.schedule.batch), iters, warmup, 1.0 / med, 1.0 / hi, 1.0 / lo,
                med * 1e3, json_number(flop ? std::optional(*flop * 1e-9) : std::nullopt, "%.4f").c_str(),
                json_number(flop ? std::optional(*flop / med * 1e-9) : std::nullopt, "%.3f").c_str(),
                json_string(cpu_isa()).c_str(), to_string(spec.precision), peak_rss_mb(),
                json_number(startup, "%.3f").c_str());
    return 0;
}

}  // namespace

GANTRY_COMMAND("bench",
               "time the training iterations `gantry run` executes, of a named workload or an "
               "experiment (one JSON line)",
               [](CLI::App& app) {
                   auto r = std::make_shared<BenchRequest>();
                   app.add_option("workload", r->workload,
                                  "mlp2d, dcgan28 or dcgan64 (experiments/bench/W.yaml)");
                   app.add_option("--experiment", r->experiment,
                                  "time this experiment's training iteration instead");
                   app.add_option("--set", r->overrides,
                                  "override a key of the experiment: key.path=value, repeatable")
                       ->allow_extra_args(false);
                   app.add_option("--threads", r->threads,
                                  "threads (default: the experiment's `threads`; the workloads: all cores)");
                   app.add_option("--iters", r->iters, "timed iterations (default 50; dcgan64: 10)");
                   app.add_option("--warmup", r->warmup,
                                  "untimed iterations first (default 10; dcgan64: 2)");
                   app.add_option("--fmnist", r->fmnist,
                                  "Fashion-MNIST directory (same as --set data.root=DIR)");
                   app.add_option("--precision", r->precision,
                                  "fp32 or bf16: convolutions and matmuls in bf16 with f32 sums (same as "
                                  "--set precision=P; default: the experiment's, the workloads' fp32)");
                   return [r] { return run_bench(*r); };
               });

}  // namespace gantry::cli
