// SPDX-License-Identifier: Apache-2.0
// `gantry run`, top to bottom: resolve the experiment, create the plugins and the run directory,
// then iterate — log, evaluate, draw samples, checkpoint — until done, stopped or interrupted.
#include "gantry/train/run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "gantry/config/experiment.hpp"
#include "gantry/datasets/mixture.hpp"
#include "gantry/error.hpp"
#include "gantry/io/append_file.hpp"
#include "gantry/io/array_export.hpp"
#include "gantry/io/atomic_file.hpp"
#include "gantry/io/checkpoint_dir.hpp"
#include "gantry/io/image_grid.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/io/png.hpp"
#include "gantry/io/run_dir.hpp"
#include "gantry/io/scatter.hpp"
#include "gantry/io/tensorboard.hpp"
#include "gantry/metric.hpp"
#include "gantry/nn/layers.hpp"
#include "gantry/nn/module.hpp"
#include "gantry/ops.hpp"
#include "gantry/optim/adam.hpp"
#include "gantry/optim/rmsprop.hpp"
#include "gantry/optim/sgd.hpp"
#include "gantry/plugin/host.hpp"
#include "gantry/threads.hpp"
#include "gantry/train/plugin_session.hpp"
#include "gantry/train/trainer.hpp"
#include "train/progress.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

namespace {

// ---- streams of the run's seed used here (the trainer has its own) ----------------------------
constexpr uint64_t kInitStream = 3;
constexpr uint64_t kSampleNoiseStream = 7;
constexpr uint64_t kEvalNoiseStream = 8;
constexpr uint64_t kEvalRealStream = 9;

std::atomic<int> g_signal{0};
extern "C" void on_signal(int signal) { g_signal.store(signal); }

/// Installs SIGINT/SIGTERM handlers for its lifetime: the loop checkpoints and exits 130.
class SignalScope {
public:
    SignalScope() {
        g_signal.store(0);
        previous_int_ = std::signal(SIGINT, on_signal);
        previous_term_ = std::signal(SIGTERM, on_signal);
    }
    ~SignalScope() {
        std::signal(SIGINT, previous_int_);
        std::signal(SIGTERM, previous_term_);
    }

private:
    void (*previous_int_)(int);
    void (*previous_term_)(int);
};

std::unique_ptr<optim::Optimizer> make_optimizer(const config::OptimizerSpec& o,
                                                 std::vector<Tensor> params) {
    switch (o.type) {
        case config::OptimizerType::adam:
            return std::make_unique<optim::Adam>(
                std::move(params), optim::AdamOptions{.lr = o.lr,
                                                      .betas = {o.betas[0], o.betas[1]},
                                                      .eps = o.eps,
                                                      .weight_decay = o.weight_decay,
                                                      .amsgrad = o.amsgrad});
        case config::OptimizerType::sgd:
            return std::make_unique<optim::SGD>(
                std::move(params), optim::SGDOptions{.lr = o.lr, .momentum = o.momentum,
                                                     .nesterov = o.nesterov,
                                                     .weight_decay = o.weight_decay});
        case config::OptimizerType::rmsprop:
            return std::make_unique<optim::RMSprop>(
                std::move(params), optim::RMSpropOptions{.lr = o.lr, .alpha = o.alpha, .eps = o.eps,
                                                         .weight_decay = o.weight_decay,
                                                         .momentum = o.momentum});
    }
    throw Error("unknown optimizer type");
}

LrSchedule lr_schedule(const config::LrSchedule& s) {
    LrSchedule out;
    out.kind = s.type == config::LrScheduleType::linear   ? LrSchedule::Kind::linear
               : s.type == config::LrScheduleType::cosine ? LrSchedule::Kind::cosine
                                                          : LrSchedule::Kind::constant;
    out.final_fraction = s.final_lr;
    return out;
}

bool has_batch_norm(nn::Module& m) {
    bool found = false;
    m.apply([&](nn::Module& child) { found = found || dynamic_cast<nn::BatchNorm*>(&child) != nullptr; });
    return found;
}

/// Everything one run holds, in the order it is built.
struct Run {
    config::ExperimentSpec spec;
    PluginSession plugins;
    std::unique_ptr<Dataset> dataset;
    std::unique_ptr<Architecture> generator_arch, discriminator_arch;
    std::unique_ptr<Loss> loss;
    std::vector<std::pair<std::unique_ptr<Metric>, std::vector<std::string>>> metrics;
    std::unique_ptr<Trainer> trainer;
    DataInfo data;
};

void build(Run& run) {
    const config::ExperimentSpec& spec = run.spec;
    const plugin::Context context{spec.seed, spec.base_dir};
    run.dataset = run.plugins.host->create_dataset(spec.data.plugin, spec.data.options, context);
    run.data = run.dataset->info();
    run.generator_arch = run.plugins.host->create_architecture(spec.generator.plugin, spec.generator.options, context);
    run.discriminator_arch =
        run.plugins.host->create_architecture(spec.discriminator.plugin, spec.discriminator.options, context);
    run.loss = run.plugins.host->create_loss(spec.loss.plugin, spec.loss.options, context);
    std::map<std::string, std::vector<std::string>> by_plugin;
    for (const auto& [metric, plugin_name] : spec.metric_plugins) by_plugin[plugin_name].push_back(metric);
    for (auto& [plugin_name, names] : by_plugin) {
        // evaluate.options.<plugin> when the file sets it, else the plugin's defaults. (A copy of
        // the name: clang 14 cannot capture a structured binding in a lambda.)
        const std::string name = plugin_name;
        const auto set = std::find_if(spec.evaluate.options.begin(), spec.evaluate.options.end(),
                                      [&](const config::PluginSection& s) { return s.plugin == name; });
        const plugin::Options options =
            set != spec.evaluate.options.end()
                ? set->options
                : config::default_options(*run.plugins.host->find(plugin::Kind::metric, plugin_name),
                                          spec.source_file + ": evaluate.metrics");
        run.metrics.emplace_back(run.plugins.host->create_metric(plugin_name, options, context), names);
    }

    Rng init_rng(spec.seed, kInitStream);
    NetworkSpec g_spec{Role::generator, run.data, spec.generator.latent, 1, &init_rng};
    NetworkSpec d_spec{Role::discriminator, run.data, spec.generator.latent, spec.discriminator.pack, &init_rng};
    // An architecture that refuses its options at build time (the mlp refuses batch norm in D)
    // throws a plain Error: without this, the user would get exit 1 and a message naming
    // neither the file nor the section to change.
    auto build_network = [&](Architecture& arch, const NetworkSpec& network, const char* section,
                             const std::string& plugin_name) -> std::shared_ptr<nn::Module> {
        try {
            return arch.build(network);
        } catch (const PluginError&) {
            throw;
        } catch (const DataError&) {
            throw;
        } catch (const OutputError&) {
            throw;
        } catch (const ConfigError&) {
            throw;
        } catch (const Error& e) {
            throw ConfigError(detail::concat(spec.source_file, ": ", section, ": plugin '", plugin_name,
                                             "' cannot build the ", section, " with these options: ",
                                             e.what()));
        }
    };
    TrainerParts parts;
    parts.generator = build_network(*run.generator_arch, g_spec, "generator", spec.generator.plugin);
    parts.discriminator =
        build_network(*run.discriminator_arch, d_spec, "discriminator", spec.discriminator.plugin);
    GANTRY_CHECK_AS(ConfigError, !(run.loss->penalizes_input_gradient() && has_batch_norm(*parts.discriminator)),
                    spec.source_file, ": discriminator: batch normalisation in a critic under a "
                    "gradient penalty (loss '", spec.loss.plugin, "') makes each sample's gradient "
                    "depend on the whole batch, so the per-sample penalty is wrong (Gulrajani et "
                    "al. 2017, sec. 4); use layer normalisation or none in the discriminator");
    if (spec.schedule.ema.decay > 0) {
        Rng scratch(spec.seed, kInitStream + 100);  // its values are overwritten by G's
        g_spec.init_rng = &scratch;
        parts.generator_ema = run.generator_arch->build(g_spec);
    }
    parts.loss = run.loss.get();
    parts.dataset = run.dataset.get();
    parts.generator_optimizer = make_optimizer(spec.optimizers.generator, parts.generator->parameters());
    parts.discriminator_optimizer =
        make_optimizer(spec.optimizers.discriminator, parts.discriminator->parameters());

    TrainerOptions options;
    options.iterations = spec.schedule.iterations;
    options.batch = spec.schedule.batch;
    options.steps.clear();
    for (const config::Step& s : spec.schedule.steps) options.steps.push_back({s.train, s.repeat});
    options.latent = spec.generator.latent;
    options.pack = spec.discriminator.pack;
    options.ema_decay = spec.schedule.ema.decay;
    options.ema_start = spec.schedule.ema.start;
    options.seed = spec.seed;
    options.generator_lr = lr_schedule(spec.optimizers.generator.schedule);
    options.discriminator_lr = lr_schedule(spec.optimizers.discriminator.schedule);
    run.trainer = std::make_unique<Trainer>(options, std::move(parts));
}

/// Real samples in the data's scale for plots and metrics: `n` drawn by a fixed stream.
Tensor reference_real(const Run& run, int64_t n) {
    Rng rng(run.spec.seed, kEvalRealStream);
    std::vector<int64_t> indices(static_cast<size_t>(n));
    for (int64_t& i : indices) i = static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(run.data.size)));
    return run.dataset->get(indices).x;
}

Tensor fixed_labels(const Run& run, int64_t n) {
    if (run.data.classes == 0) return {};
    Tensor labels = Tensor::empty({n});
    for (int64_t i = 0; i < n; ++i) labels.data()[i] = static_cast<float>(i % run.data.classes);
    return labels;
}

std::string metadata_json(const Run& run, int64_t iteration) {
    io::JsonLine line;
    line.add("iteration", iteration)
        .add("config_hash", run.spec.config_hash)
        .add("threads", num_threads())
        .add("cpu_isa", cpu_isa())
        .add("experiment", run.spec.experiment)
        .add("schedule_position", "end of iteration");
    return line.str();
}

/// The checks of a resume: same configuration (but for a longer `iterations`), same threads and
/// ISA (bit-exactness), unless inexact continuation was asked for.
void check_resume(const Run& run, const std::map<std::string, std::string>& meta,
                  const config::ExperimentSpec& saved, bool allow_inexact) {
    config::ExperimentSpec a = run.spec, b = saved;
    a.schedule.iterations = b.schedule.iterations = 0;
    const std::string ya = config::to_yaml(a), yb = config::to_yaml(b);
    if (ya != yb) {
        std::istringstream sa(ya), sb(yb);
        std::string la, lb;
        int line = 0;
        while (true) {
            ++line;
            const bool ea = !std::getline(sa, la), eb = !std::getline(sb, lb);
            if (ea || eb || la != lb) break;
        }
        throw ConfigError(detail::concat(
            "--resume: the configuration differs from the run's experiment.yaml (only a longer "
            "schedule.iterations may change); first difference at line ", line, ": run has '", lb,
            "', now '", la, "'"));
    }
    auto check = [&](const char* key, const std::string& now) {
        auto it = meta.find(key);
        const std::string then = it == meta.end() ? "?" : it->second;
        GANTRY_CHECK_AS(ConfigError, then == now || allow_inexact, "--resume: the checkpoint was made with ",
                        key, " = ", then, " but this machine has ", now,
                        "; the run could not continue bit for bit. Set threads to match, or pass "
                        "--allow-inexact-resume");
    };
    check("threads", std::to_string(num_threads()));
    check("cpu_isa", cpu_isa());
}

/// Rows of a log past `iteration` were appended after the checkpoint a resume starts from (the
/// run crashed or was killed between a log append and its next checkpoint): the resumed run
/// writes them again, so they go, or every such iteration would be logged twice.
void drop_rows_after(const fs::path& file, int64_t iteration) {
    if (!fs::exists(file)) return;
    std::ifstream in(file, std::ios::binary);
    std::string kept, line;
    bool dropped = false;
    while (std::getline(in, line)) {
        const std::map<std::string, std::string> fields = io::json_fields(line, file.string());
        auto it = fields.find("iteration");
        if (it != fields.end() && std::stoll(it->second) > iteration) {
            dropped = true;
            continue;
        }
        kept += line + "\n";
    }
    GANTRY_CHECK_AS(OutputError, !in.bad(), file.string(), ": reading failed");
    if (dropped) io::atomic_write(file, kept);
}

void write_summary(const fs::path& dir, const std::string& status, int64_t iteration,
                   double seconds, double it_per_s, const std::map<std::string, double>& metrics,
                   double eval_seconds, const std::string& message) {
    io::JsonLine line;
    line.add("status", status).add("iterations", iteration).add("wall_time_s", seconds)
        .add("it_per_s", it_per_s)
        // What evaluation cost, so that it can be kept small beside training.
        .add("eval_seconds", eval_seconds)
        .add("eval_share", seconds > 0 ? eval_seconds / seconds : 0.0);
    io::JsonLine m;
    for (const auto& [k, v] : metrics) m.add(k, v);
    line.add_raw("metrics", m.str());
    if (!message.empty()) line.add("message", message);
    io::atomic_write(dir / "summary.json", line.str() + "\n");
}

}  // namespace

int run_experiment(const RunRequest& request) {
    Run run;
    fs::path run_dir;
    const bool resuming = !request.resume_dir.empty();
    config::ExperimentSpec saved;
    fs::path saved_file;
    if (resuming) {
        run_dir = request.resume_dir;
        saved_file = run_dir / "experiment.yaml";
        GANTRY_CHECK_AS(ConfigError, fs::exists(saved_file), "--resume ", request.resume_dir,
                        ": no experiment.yaml there; is it a Gantry run directory?");
        saved = resolve_experiment(saved_file.string(), {}, run.plugins);
    }
    // `--resume DIR --set schedule.iterations=N` without a FILE applies the overrides to the run's
    // own experiment.yaml (they were silently dropped before); check_resume then judges them.
    if (!request.experiment_file.empty())
        run.spec = resolve_experiment(request.experiment_file, request.overrides, run.plugins);
    else if (!request.overrides.empty())
        run.spec = resolve_experiment(saved_file.string(), request.overrides, run.plugins);
    else
        run.spec = saved;
    const config::ExperimentSpec& spec = run.spec;
    set_num_threads(static_cast<int>(spec.threads));
    build(run);
    Trainer& trainer = *run.trainer;

    // ---- the run directory ------------------------------------------------------------------
    // From here on a Ctrl-C must end in a checkpoint and exit 130: the handler is in place before
    // the run directory exists and is announced (a signal sent right after the announcement used
    // to kill the process with nothing saved).
    SignalScope signals;
    std::unique_ptr<io::RunLock> lock;
    if (resuming) {
        io::RunDir opened = io::open_run_dir(run_dir);
        lock = std::make_unique<io::RunLock>(std::move(opened.lock));
        // A killed writer leaves its temporary wherever it was writing (checkpoints/, samples/,
        // the event files): the lock is ours, so every temporary in the run is stale.
        io::remove_stale_temps(run_dir);
        for (const auto& entry : std::filesystem::recursive_directory_iterator(run_dir))
            if (entry.is_directory()) io::remove_stale_temps(entry.path());
        io::truncate_to_last_line(run_dir / "metrics.jsonl");
        io::truncate_to_last_line(run_dir / "eval.jsonl");
    } else {
        // Run ids have second resolution: two runs of one experiment started within the same
        // second (a script launching seeds side by side) would collide and the second one fail.
        // The loser of the mkdir race takes the next free suffix instead.
        const std::string base_id = request.run_id.empty() ? io::make_run_id() : request.run_id;
        std::optional<io::RunDir> created;
        if (!request.run_id.empty()) created.emplace(io::create_run_dir(request.out_dir, spec.experiment, base_id));
        for (int attempt = 1; !created; ++attempt) {
            const std::string id = attempt == 1 ? base_id : base_id + "-" + std::to_string(attempt);
            try {
                created.emplace(io::create_run_dir(request.out_dir, spec.experiment, id));
            } catch (const OutputError&) {
                if (attempt >= 100 || !fs::is_directory(fs::path(request.out_dir) / spec.experiment / id))
                    throw;
            }
        }
        run_dir = created->path;
        lock = std::make_unique<io::RunLock>(std::move(created->lock));
    }
    Progress progress(spec.schedule.iterations, request.live_progress);
    if (resuming) {
        std::optional<io::FoundCheckpoint> found = io::find_latest_good(run_dir / "checkpoints");
        if (found) {
            if (found->fell_back) progress.note("warning: " + found->note);
            check_resume(run, io::json_fields(found->data.metadata_json, found->path.string()), saved,
                         request.allow_inexact_resume);
            const bool decays = spec.optimizers.generator.schedule.type != config::LrScheduleType::constant ||
                                spec.optimizers.discriminator.schedule.type != config::LrScheduleType::constant;
            if (decays && saved.schedule.iterations != spec.schedule.iterations)
                progress.note("warning: the learning-rate schedule decays to its final rate at the last "
                              "iteration, now " + std::to_string(spec.schedule.iterations) + " instead of " +
                              std::to_string(saved.schedule.iterations) + ": from here on the rates "
                              "differ from those of either schedule run straight through");
            trainer.load_state(found->data.tensors);
            GANTRY_CHECK_AS(ConfigError, trainer.iteration() <= spec.schedule.iterations, "--resume ",
                            run_dir.string(), ": the checkpoint is at iteration ", trainer.iteration(),
                            " but schedule.iterations is ", spec.schedule.iterations,
                            "; a resume may only keep or lengthen the schedule");
            progress.note("resuming " + run_dir.string() + " from iteration " +
                          std::to_string(trainer.iteration()));
        } else {
            progress.note("resuming " + run_dir.string() + ": no checkpoint yet, starting over");
        }
        drop_rows_after(run_dir / "metrics.jsonl", trainer.iteration());
        drop_rows_after(run_dir / "eval.jsonl", trainer.iteration());
        // The same for TensorBoard: the resumed run writes a new event file, so the old files
        // keep only what the checkpoint covers.
        if (fs::is_directory(run_dir / "tensorboard"))
            for (const fs::directory_entry& e : fs::directory_iterator(run_dir / "tensorboard"))
                if (e.is_regular_file() && e.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
                    io::drop_events_after(e.path(), trainer.iteration());
    }
    io::atomic_write(run_dir / "experiment.yaml", spec.resolved_yaml);
    {
        io::JsonLine plugins;
        std::string list = "[";
        for (const plugin::UsedPlugin& p : run.plugins.host->used()) {
            io::JsonLine one;
            one.add("kind", plugin::to_string(p.kind)).add("name", p.name).add("version", p.version)
                .add("path", p.path).add("fingerprint", p.fingerprint);
            list += (list.size() > 1 ? ", " : "") + one.str();
        }
        plugins.add_raw("plugins", list + "]").add("config_hash", spec.config_hash)
            .add("threads", num_threads()).add("cpu_isa", cpu_isa());
        io::atomic_write(run_dir / "manifest.json", plugins.str() + "\n");
    }
    if (!resuming) progress.note("run directory: " + run_dir.string());

    io::AppendFile metrics_log(run_dir / "metrics.jsonl");
    io::AppendFile eval_log(run_dir / "eval.jsonl");
    io::EventWriter events(run_dir / "tensorboard");
    fs::create_directories(run_dir / "samples");

    // ---- fixed inputs: comparable frames and evaluations over the whole run -------------------
    const int64_t grid = spec.samples.grid;
    const Tensor sample_noise = Rng(spec.seed, kSampleNoiseStream).normal({grid, spec.generator.latent});
    const Tensor sample_labels = fixed_labels(run, grid);
    const int64_t eval_n = spec.evaluate.samples;
    const Tensor eval_noise = Rng(spec.seed, kEvalNoiseStream).normal({eval_n, spec.generator.latent});
    const Tensor eval_labels = fixed_labels(run, eval_n);
    const Tensor plot_real = run.data.images ? Tensor() : reference_real(run, std::min<int64_t>(eval_n, 2500));
    Tensor mode_centres;
    if (const std::optional<datasets::Mixture> mixture = datasets::find_mixture(run.data)) {
        mode_centres = Tensor::empty({static_cast<int64_t>(mixture->means.size()), 2});
        for (size_t i = 0; i < mixture->means.size(); ++i)
            for (size_t j = 0; j < 2; ++j) mode_centres.data()[2 * i + j] = static_cast<float>(mixture->means[i][j]);
    }

    std::map<std::string, double> last_metrics;
    double eval_seconds = 0;  // the evaluations' wall time over the whole run, resumes included
    int64_t stop_patience = 0;
    bool stopped_early = false;
    if (resuming) {
        // The evaluations up to the checkpoint (the log was cut there above) carry what a
        // checkpoint does not: the patience of stop_when, so that a resumed run stops where the
        // uninterrupted one does, and the last metrics, for a summary even when no iteration runs.
        std::ifstream in(run_dir / "eval.jsonl", std::ios::binary);
        for (std::string line; std::getline(in, line);) {
            const std::map<std::string, std::string> fields =
                io::json_fields(line, (run_dir / "eval.jsonl").string());
            for (const std::string& name : spec.evaluate.metrics) {
                auto it = fields.find(name);
                if (it != fields.end()) last_metrics[name] = std::stod(it->second);
            }
            if (auto it = fields.find("seconds"); it != fields.end()) eval_seconds += std::stod(it->second);
            if (spec.evaluate.stop_when) {
                const config::StopWhen& w = *spec.evaluate.stop_when;
                auto it = fields.find(w.metric);
                const double v = it == fields.end() ? std::nan("") : std::stod(it->second);
                const bool met = (w.at_least && v >= *w.at_least) || (w.at_most && v <= *w.at_most);
                stop_patience = met ? stop_patience + 1 : 0;
            }
        }
        // A run that stop_when already ended stays ended, as the uninterrupted run would.
        stopped_early = spec.evaluate.stop_when && stop_patience >= spec.evaluate.stop_when->patience;
    }
    const auto t_start = std::chrono::steady_clock::now();
    auto t_log = t_start;
    int64_t it_log = trainer.iteration();
    double it_per_s = 0;

    const io::PlotRange plot_range =
        run.data.images ? io::PlotRange{} : io::scatter_range(plot_real, mode_centres);
    auto write_samples = [&](int64_t it) {
        char name[32];
        std::snprintf(name, sizeof name, "iter-%09ld.png", static_cast<long>(it));
        // Images: a grid of the fixed noise batch. Points: the fixed evaluation batch over the
        // real data and the modes, in one range for every frame.
        const io::Image image =
            run.data.images ? io::image_grid(trainer.generate(sample_noise, sample_labels))
                            : io::scatter_image(plot_real, trainer.generate(eval_noise, eval_labels),
                                                mode_centres, plot_range);
        io::write_png(run_dir / "samples" / name, image);
        events.add_image("samples", it, io::encode_png(image), image.height, image.width,
                         image.channels);
    };
    auto evaluate = [&](int64_t it) {
        const auto t0 = std::chrono::steady_clock::now();
        MetricContext context;
        context.dataset = run.dataset.get();
        context.data = run.data;
        context.fake = trainer.generate(eval_noise, eval_labels);
        context.fake_labels = eval_labels;
        context.seed = spec.seed;
        context.cache_dir = (fs::path(request.out_dir) / ".cache").string();
        io::JsonLine line;
        line.add("iteration", it);
        for (auto& [metric, names] : run.metrics)
            for (const MetricValue& v : metric->evaluate(context, names)) {
                last_metrics[v.name] = v.value;
                line.add(v.name, v.value);
                events.add_scalar("eval/" + v.name, it, static_cast<float>(v.value));
                io::JsonLine details;
                for (const auto& [k, d] : v.details) details.add(k, d);
                line.add_raw(v.name + "_details", details.str());
            }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        eval_seconds += seconds;
        line.add("ema", trainer.options().ema_decay > 0).add("seconds", seconds);
        eval_log.append_line(line.str(), /*durable=*/true);
        progress.metrics(last_metrics);
    };
    auto checkpoint = [&](int64_t it) {
        trainer.check_weights_finite();
        io::CheckpointData data;
        data.metadata_json = metadata_json(run, it);
        data.tensors = trainer.state();
        io::save_checkpoint(run_dir / "checkpoints", static_cast<uint64_t>(it), data,
                            static_cast<int>(spec.checkpoint.keep));
    };
    auto due = [&](int64_t every, int64_t it) {
        return it == spec.schedule.iterations || (every > 0 && it % every == 0);
    };

    std::string status = stopped_early ? "stopped" : "done";
    try {
        while (trainer.iteration() < spec.schedule.iterations && !stopped_early) {
            const std::vector<StepLog> logs = trainer.run_iteration();
            const int64_t it = trainer.iteration();
            std::map<std::string, double> losses;
            for (size_t s = 0; s < logs.size(); ++s) {
                const std::string prefix = std::string(logs[s].network == Role::discriminator ? "d" : "g") +
                                           (logs.size() > 2 ? std::to_string(s + 1) : "") + "/";
                for (const auto& [k, v] : logs[s].losses) losses[prefix + k] = v;
                losses[prefix + "grad_norm"] = logs[s].grad_norm;
            }
            progress.iteration(it, losses);
            if (due(spec.log.every, it)) {
                const auto now = std::chrono::steady_clock::now();
                const double dt = std::chrono::duration<double>(now - t_log).count();
                it_per_s = dt > 0 ? static_cast<double>(it - it_log) / dt : 0;
                t_log = now;
                it_log = it;
                io::JsonLine line;
                line.add("iteration", it).add("it_per_s", it_per_s);
                for (const auto& [k, v] : losses) {
                    line.add(k, v);
                    events.add_scalar("train/" + k, it, static_cast<float>(v));
                }
                metrics_log.append_line(line.str());
                progress.log_line(it, it_per_s, losses);
            }
            if (!spec.evaluate.metrics.empty() && due(spec.evaluate.every, it)) {
                evaluate(it);
                if (spec.evaluate.stop_when) {
                    const config::StopWhen& w = *spec.evaluate.stop_when;
                    const double v = last_metrics[w.metric];
                    const bool met = (w.at_least && v >= *w.at_least) || (w.at_most && v <= *w.at_most);
                    stop_patience = met ? stop_patience + 1 : 0;
                    if (stop_patience >= w.patience) {
                        stopped_early = true;
                        status = "stopped";
                        progress.note("stop_when met: " + w.metric + " = " + io::format_double(v) +
                                      " at iteration " + std::to_string(it));
                    }
                }
            }
            if (due(spec.samples.every, it) || stopped_early) write_samples(it);
            const bool interrupted = g_signal.load() != 0;
            if (due(spec.checkpoint.every, it) || stopped_early || interrupted) checkpoint(it);
            if (interrupted) {
                status = "interrupted";
                break;
            }
        }
    } catch (const DivergenceError& e) {
        progress.finish();
        write_summary(run_dir, "diverged", trainer.iteration(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(),
                      it_per_s, last_metrics, eval_seconds, e.what());
        throw;
    }
    progress.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    write_summary(run_dir, status, trainer.iteration(), seconds, it_per_s, last_metrics, eval_seconds, "");
    events.sync();
    if (status == "interrupted") {
        progress.note("interrupted: checkpoint saved at iteration " + std::to_string(trainer.iteration()) +
                      "; continue with: gantry run --resume " + run_dir.string());
        return static_cast<int>(ExitCode::interrupted);
    }
    progress.note("done: " + run_dir.string());
    return 0;
}

void check_experiment_builds(const config::ExperimentSpec& spec, PluginSession& session) {
    Run run;
    run.spec = spec;
    run.plugins = std::move(session);
    build(run);
    session = std::move(run.plugins);
}

int sample_from_run(const SampleRequest& request) {
    GANTRY_CHECK_AS(ConfigError, request.format == "png" || request.format == "csv" || request.format == "npy",
                    "gantry sample: --format must be png, csv or npy, got '", request.format, "'");
    GANTRY_CHECK_AS(ConfigError, request.count >= 1 && request.count <= 1000000,
                    "gantry sample: -n must be in [1, 1000000], got ", request.count);
    const fs::path run_dir = request.run_dir;
    const fs::path saved_file = run_dir / "experiment.yaml";
    GANTRY_CHECK_AS(ConfigError, fs::exists(saved_file), "gantry sample: ", request.run_dir,
                    " has no experiment.yaml; is it a Gantry run directory?");
    Run run;
    run.spec = resolve_experiment(saved_file.string(), {}, run.plugins);
    set_num_threads(static_cast<int>(run.spec.threads));
    build(run);
    std::optional<io::FoundCheckpoint> found = io::find_latest_good(run_dir / "checkpoints");
    GANTRY_CHECK_AS(DataError, found.has_value(), "gantry sample: ", request.run_dir,
                    " has no checkpoint yet");
    if (found->fell_back) std::fprintf(stderr, "gantry sample: warning: %s\n", found->note.c_str());
    run.trainer->load_state(found->data.tensors);

    const int64_t latent = run.spec.generator.latent;
    constexpr int64_t kRow = 8;
    Rng rng(request.seed.value_or(run.spec.seed), kSampleNoiseStream);
    Tensor noise;
    if (request.interpolate) {
        const int64_t rows = (request.count + kRow - 1) / kRow;
        const Tensor ends = rng.normal({2 * rows, latent});
        noise = Tensor::empty({rows * kRow, latent});
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < kRow; ++c) {
                const float t = static_cast<float>(c) / static_cast<float>(kRow - 1);
                for (int64_t k = 0; k < latent; ++k)
                    noise.data()[(r * kRow + c) * latent + k] =
                        (1.f - t) * ends.data()[2 * r * latent + k] + t * ends.data()[(2 * r + 1) * latent + k];
            }
    } else {
        noise = rng.normal({request.count, latent});
    }
    const Tensor samples = run.trainer->generate(noise, fixed_labels(run, noise.size(0)));

    fs::path out = request.out;
    if (out.empty()) {
        char name[48];
        std::snprintf(name, sizeof name, "sample-%09ld.%s", static_cast<long>(run.trainer->iteration()),
                      request.format.c_str());
        out = run_dir / "samples" / name;
        fs::create_directories(out.parent_path());
    }
    if (request.format == "png") {
        const io::Image image =
            run.data.images ? io::image_grid(samples, request.interpolate ? static_cast<int>(kRow) : 0)
                            : io::scatter_image(reference_real(run, 2500), samples, Tensor(),
                                                io::scatter_range(reference_real(run, 2500)));
        io::write_png(out, image);
    } else {
        // The data's own scale: points as generated, images back from [-1, 1] to [0, 255].
        const Tensor values = run.data.images ? affine(samples, 127.5f, 127.5f) : samples;
        if (request.format == "csv") io::write_csv(out, values);
        else io::write_npy(out, values);
    }
    std::printf("%s\n", out.string().c_str());
    return 0;
}

}  // namespace gantry::train
