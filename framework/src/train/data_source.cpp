// SPDX-License-Identifier: Apache-2.0
#include "train/data_source.hpp"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "gantry/datasets/condition.hpp"
#include "gantry/error.hpp"
#include "gantry/ops.hpp"
#include "gantry/random.hpp"
#include "plugin/host.hpp"
#include "train/assembly.hpp"

namespace gantry::train {

namespace fs = std::filesystem;

namespace {
/// The stream of `seed` that picks held-out images when the data has no test split.
constexpr uint64_t kHeldOutStream = 11;
}  // namespace

config::ExperimentSpec resolve_data_source(const DataSource& source, PluginSession& session,
                                           const std::vector<std::string>& metrics) {
    GANTRY_CHECK_AS(ConfigError, source.experiment.empty() != source.plugin.empty(), "give the data either as ",
                    source.file_flag, " FILE (an experiment file or a run directory: its data section) or as ",
                    source.plugin_flag, " NAME with --set data.<option>=VALUE, ",
                    source.experiment.empty() ? "got neither" : "not both");
    std::string file = source.experiment;
    if (!file.empty() && fs::is_directory(file)) {
        GANTRY_CHECK_AS(ConfigError, fs::exists(fs::path(file) / "experiment.yaml"), source.file_flag, " ", file,
                        ": a directory without experiment.yaml; give an experiment file or a run directory");
        file = (fs::path(file) / "experiment.yaml").string();
    }
    std::vector<std::string> overrides = source.overrides;
    if (!metrics.empty()) {
        std::string list;
        for (const std::string& m : metrics) list += (list.empty() ? "" : ", ") + m;
        overrides.push_back("evaluate.metrics=[" + list + "]");
    }
    return resolve_data_sections(file, source.plugin, overrides, session);
}

std::unique_ptr<Dataset> create_data(const config::ExperimentSpec& spec, PluginSession& session, bool test_split) {
    const plugin::Context context{spec.seed, spec.base_dir};
    if (!test_split) return session.host->create_dataset(spec.data.plugin, spec.data.options, context);
    return create_heldout(spec, session, context);
}

Batch all_samples(const Dataset& dataset, int64_t limit) {
    const int64_t size = limit > 0 ? std::min(limit, dataset.info().size) : dataset.info().size;
    std::vector<Tensor> xs, labels;
    for (int64_t start = 0; start < size; start += 1000) {
        std::vector<int64_t> indices(static_cast<size_t>(std::min<int64_t>(1000, size - start)));
        std::iota(indices.begin(), indices.end(), start);
        Batch b = dataset.get(indices);
        xs.push_back(b.x);
        if (b.labels.defined()) labels.push_back(b.labels);
    }
    GANTRY_CHECK_AS(DataError, !xs.empty(), "the data has no samples");
    return {concat(xs, 0), labels.size() == xs.size() ? concat(labels, 0) : Tensor()};
}

namespace {

Batch pick(const Batch& all, const std::vector<int64_t>& indices) {
    const int64_t row = all.x.numel() / all.x.size(0);
    std::vector<int64_t> dims = all.x.shape().dims();
    dims[0] = static_cast<int64_t>(indices.size());
    Batch out{Tensor::empty(Shape(dims)), Tensor::empty({static_cast<int64_t>(indices.size())})};
    for (size_t i = 0; i < indices.size(); ++i) {
        std::copy_n(all.x.data() + indices[i] * row, row, out.x.data() + static_cast<int64_t>(i) * row);
        out.labels.data()[i] = all.labels.data()[indices[i]];
    }
    return out;
}

}  // namespace

LabelledImages classifier_data(const DataSource& source, uint64_t seed, int64_t train_limit,
                                          int64_t test_limit) {
    PluginSession session;
    const config::ExperimentSpec spec = resolve_data_source(source, session);
    const std::unique_ptr<Dataset> dataset = create_data(spec, session, false);
    const DataInfo info = dataset->info();
    const std::string what = "gantry train-classifier: data '" + spec.data.plugin + "'";
    GANTRY_CHECK_AS(ConfigError, info.images && info.sample_shape.rank() == 3, what, " has samples ",
                    info.sample_shape, "; the reference classifier is for images (channels, height, width)");
    GANTRY_CHECK_AS(ConfigError, !datasets::find_condition_shape(info), what,
                    " gives a condition per sample; train the classifier on the targets' own dataset");
    GANTRY_CHECK_AS(ConfigError, info.classes >= 2, what, " has ",
                    info.classes == 0 ? std::string("no labels") : "one class",
                    "; the reference classifier learns to tell classes apart (image_folder: one sub-folder per "
                    "class and labelled: true)");
    LabelledImages data;
    data.classes = info.classes;
    Batch all = all_samples(*dataset, 0);
    GANTRY_CHECK_AS(ConfigError, all.labels.defined(), what, " gave no labels");
    std::string identity = info.identity.empty() ? spec.data.plugin : info.identity;
    if (const std::unique_ptr<Dataset> test = create_data(spec, session, true)) {
        data.test = all_samples(*test, test_limit);
        GANTRY_CHECK_AS(ConfigError, data.test.labels.defined(), what, ": its test split gave no labels");
        data.train = train_limit > 0 ? pick(all, [&] {
            std::vector<int64_t> first(static_cast<size_t>(std::min(train_limit, all.x.size(0))));
            std::iota(first.begin(), first.end(), int64_t{0});
            return first;
        }()) : all;
        data.description = identity + "; test: its split 'test' (" + std::to_string(data.test.x.size(0)) + " images)";
        return data;
    }
    // No test split: a fixed sixth of the data is held out.
    const int64_t n = all.x.size(0);
    const int64_t held = std::max<int64_t>(1, n / 6);
    GANTRY_CHECK_AS(ConfigError, n - held >= 2, what, " has ", n, " images; too few to train and test a classifier");
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    Rng rng(seed, kHeldOutStream);
    for (int64_t i = n - 1; i > 0; --i)
        std::swap(order[static_cast<size_t>(i)], order[rng.next_below(static_cast<uint64_t>(i + 1))]);
    std::vector<int64_t> test(order.begin(), order.begin() + held), train(order.begin() + held, order.end());
    std::sort(test.begin(), test.end());
    std::sort(train.begin(), train.end());
    if (test_limit > 0 && static_cast<int64_t>(test.size()) > test_limit) test.resize(static_cast<size_t>(test_limit));
    if (train_limit > 0 && static_cast<int64_t>(train.size()) > train_limit) train.resize(static_cast<size_t>(train_limit));
    data.train = pick(all, train);
    data.test = pick(all, test);
    data.description = identity + "; test: " + std::to_string(data.test.x.size(0)) +
                       " images held out (a fixed choice of seed " + std::to_string(seed) + ", stream " +
                       std::to_string(kHeldOutStream) + ")";
    return data;
}

}  // namespace gantry::train
