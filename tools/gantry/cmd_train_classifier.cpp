// SPDX-License-Identifier: Apache-2.0
// `gantry train-classifier [--data DIR] [--out FILE] [--epochs N] [--batch N] [--lr X] [--seed S]
//                          [--threads N]`: trains the reference classifier of the image metrics.
#include <cstdio>
#include <memory>
#include <sstream>

#include "command.hpp"
#include "eval/train_classifier.hpp"
#include "gantry/io/numbers.hpp"
#include "gantry/threads.hpp"

namespace gantry::cli {

GANTRY_COMMAND("train-classifier",
               "train the reference classifier the image metrics use (Fashion-MNIST IDX files)",
               [](CLI::App& app) {
                   auto request = std::make_shared<eval::TrainClassifierRequest>();
                   auto threads = std::make_shared<int>(0);
                   app.add_option("--data", request->data_dir, "folder of the IDX files")
                       ->capture_default_str();
                   app.add_option("--out", request->out, "weights file; the record FILE.txt goes beside it")
                       ->capture_default_str();
                   app.add_option("--epochs", request->epochs, "passes over the training split")->capture_default_str();
                   app.add_option("--batch", request->batch, "batch size")->capture_default_str();
                   app.add_option("--lr", request->lr, "Adam learning rate")->capture_default_str();
                   app.add_option("--seed", request->seed, "initialisation and shuffling seed")->capture_default_str();
                   app.add_option("--train-limit", request->train_limit, "first N training images only (0: all)");
                   app.add_option("--test-limit", request->test_limit, "first N test images only (0: all)");
                   app.add_option("--threads", *threads, "threads (default: all cores)");
                   return [=] {
                       set_num_threads(*threads);
                       std::ostringstream command;
                       command << "gantry train-classifier --data " << request->data_dir << " --out "
                               << request->out << " --epochs " << request->epochs << " --batch "
                               << request->batch << " --lr " << io::format_double(request->lr) << " --seed "
                               << request->seed << " --threads " << num_threads();
                       if (request->train_limit) command << " --train-limit " << request->train_limit;
                       if (request->test_limit) command << " --test-limit " << request->test_limit;
                       request->command = command.str();
                       const eval::TrainClassifierResult r = eval::train_classifier(
                           *request, [](const std::string& line) { std::printf("%s\n", line.c_str()); std::fflush(stdout); });
                       std::printf("test accuracy: %.4f (%s s of training)\nweights: %s\nsha256: %s\nrecord: %s\n",
                                   r.test_accuracy, io::format_double(r.seconds).c_str(), request->out.c_str(),
                                   r.sha256.c_str(), r.record_path.c_str());
                       return 0;
                   };
               });

}  // namespace gantry::cli
