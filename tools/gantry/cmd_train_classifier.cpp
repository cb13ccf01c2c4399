// SPDX-License-Identifier: Apache-2.0
// `gantry train-classifier [--data DIR|FILE|RUN_DIR | --data-plugin NAME [--set k=v]...] [--out FILE]
//                          [--epochs N] [--batch N] [--lr X] [--seed S] [--threads N]`: trains the
// reference classifier of the image metrics: on the IDX files of a folder (the shipped
// Fashion-MNIST classifier), or on any labelled image data named by a data section.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "command.hpp"
#include "eval/train_classifier.hpp"
#include "gantry/error.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/threads.hpp"
#include "train/data_source.hpp"

namespace gantry::cli {

namespace {
namespace fs = std::filesystem;

/// --data names a data section (an experiment file or a run directory) rather than IDX files.
bool is_data_section(const std::string& data) {
    return fs::is_regular_file(data) || (fs::is_directory(data) && fs::exists(fs::path(data) / "experiment.yaml"));
}
}  // namespace

GANTRY_COMMAND("train-classifier",
               "train the reference classifier the image metrics use (Fashion-MNIST IDX files, or any labelled "
               "image data)",
               [](CLI::App& app) {
                   auto request = std::make_shared<eval::TrainClassifierRequest>();
                   auto source = std::make_shared<train::DataSource>();
                   auto threads = std::make_shared<int>(0);
                   app.add_option("--data", request->data_dir,
                                  "a folder of IDX files (train-*, t10k-*), or an experiment file or run directory "
                                  "whose data section names labelled images")
                       ->capture_default_str();
                   app.add_option("--data-plugin", source->plugin,
                                  "the data as a dataset plugin; its options with --set data.<option>=VALUE");
                   app.add_option("--set", source->overrides,
                                  "override a key of the data section's document: key.path=value, repeatable")
                       ->allow_extra_args(false);
                   app.add_option("--out", request->out, "weights file; the record FILE.txt goes beside it")
                       ->capture_default_str();
                   app.add_option("--epochs", request->epochs, "passes over the training split")->capture_default_str();
                   app.add_option("--batch", request->batch, "batch size")->capture_default_str();
                   app.add_option("--lr", request->lr, "Adam learning rate")->capture_default_str();
                   app.add_option("--seed", request->seed, "initialisation and shuffling seed")->capture_default_str();
                   app.add_option("--train-limit", request->train_limit, "first N training images only (0: all)");
                   app.add_option("--test-limit", request->test_limit, "first N test images only (0: all)");
                   app.add_option("--threads", *threads, "threads (default: all cores)");
                   CLI::Option* data_option = app.get_option("--data");
                   return [=] {
                       set_num_threads(*threads);
                       const bool section = !source->plugin.empty() || is_data_section(request->data_dir);
                       if (section && source->plugin.empty()) source->experiment = request->data_dir;
                       if (!source->plugin.empty() && data_option->count() > 0)
                           source->experiment = request->data_dir;  // both: refused by resolve_data_source
                       GANTRY_CHECK_AS(ConfigError, section || source->overrides.empty(),
                                       "gantry train-classifier: --set is for a data section (--data FILE or "
                                       "--data-plugin NAME), not a folder of IDX files");
                       std::ostringstream command;
                       command << "gantry train-classifier";
                       if (!source->plugin.empty()) command << " --data-plugin " << source->plugin;
                       else command << " --data " << request->data_dir;
                       for (const std::string& o : source->overrides) command << " --set " << o;
                       command << " --out " << request->out << " --epochs " << request->epochs << " --batch "
                               << request->batch << " --lr " << io::format_double(request->lr) << " --seed "
                               << request->seed << " --threads " << num_threads();
                       if (request->train_limit) command << " --train-limit " << request->train_limit;
                       if (request->test_limit) command << " --test-limit " << request->test_limit;
                       request->command = command.str();
                       auto progress = [](const std::string& line) {
                           std::printf("%s\n", line.c_str());
                           std::fflush(stdout);
                       };
                       eval::TrainClassifierResult r;
                       if (section) {
                           train::LabelledImages images = train::classifier_data(
                               *source, request->seed, request->train_limit, request->test_limit);
                           r = eval::train_classifier(*request,
                                                      eval::TrainClassifierData{std::move(images.train),
                                                                                std::move(images.test), images.classes,
                                                                                std::move(images.description)},
                                                      progress);
                       } else {
                           r = eval::train_classifier(*request, progress);
                       }
                       std::printf("test accuracy: %.4f (%s s of training)\nweights: %s\nsha256: %s\nrecord: %s\n",
                                   r.test_accuracy, io::format_double(r.seconds).c_str(), request->out.c_str(),
                                   r.sha256.c_str(), r.record_path.c_str());
                       return 0;
                   };
               });

}  // namespace gantry::cli
