// SPDX-License-Identifier: Apache-2.0
// The measurement behind docs/results.md, "iGAN" — hidden ([.]): it needs a trained
// fashion/dcgan (or cgan) run and takes minutes. Run it as
//
//   GANTRY_IGAN_RUN=RUN_DIR GANTRY_IGAN_OUT=results/igan build/bin/gantry_tests "[igan-results]"
//
// (optional: GANTRY_IGAN_N images, default 200; GANTRY_IGAN_STEPS, GANTRY_IGAN_RESTARTS,
// GANTRY_IGAN_LR for `gantry project`). What it does, as a user would with the binary:
//   1. the first N Fashion-MNIST test images become PNGs;
//   2. `gantry project RUN --image ...` projects them all (one batch), then again with a 12x12
//      centre mask (inpainting by projection);
//   3. the reference classifier labels the originals and the reconstructions: the share of
//      reconstructions given the original's class;
//   4. in the 12x12 hole: the mean |reconstruction - original| against the mean training image's;
//   5. `gantry sample --from shirt/z.npy --to boot/z.npy` (chord and --slerp) between the first
//      shirt and the first ankle boot of the N.
// It writes OUT/per_image.csv, OUT/summary.json, the strips and the comparison images of both.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/eval/classifier.hpp"
#include "gantry/eval/idx_images.hpp"
#include "gantry/io/png.hpp"
#include "gantry/ops.hpp"
#include "support/files.hpp"
#include "support/gantry_process.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace gantry;

namespace {

const std::string kFashion = "/usr/share/datasets/fashion-mnist";
const fs::path kClassifier = fs::path(GANTRY_SOURCE_DIR) / "plugins/metrics/image/reference/fashion_mnist_cnn.gtf";

std::string env(const char* name, const std::string& fallback = "") {
    const char* v = std::getenv(name);
    return v != nullptr ? std::string(v) : fallback;
}

std::string classifier_sha() {
    std::ifstream in(fs::path(GANTRY_SOURCE_DIR) / "plugins/metrics/image/reference/fashion_mnist_cnn.txt");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("sha256: ", 0) == 0) return line.substr(8);
    return "";
}

/// (1, 28, 28) in [-1, 1] of a gray PNG.
Tensor read_gray(const fs::path& file) { return affine(io::read_png(file), 2.f, -1.f); }

bool in_hole(int64_t pixel) {
    const int64_t y = pixel / 28, x = pixel % 28;
    return y >= 8 && y < 20 && x >= 8 && x < 20;
}

}  // namespace

TEST_CASE("igan results: projection of Fashion-MNIST test images (needs GANTRY_IGAN_RUN)", "[.][igan-results]") {
    const std::string run = env("GANTRY_IGAN_RUN");
    if (run.empty()) {
        WARN("SKIPPED: set GANTRY_IGAN_RUN to a trained fashion run directory");
        return;
    }
    const fs::path out = env("GANTRY_IGAN_OUT", "results/igan");
    const int64_t n = std::stoll(env("GANTRY_IGAN_N", "200"));
    const std::string steps = env("GANTRY_IGAN_STEPS", "200"), restarts = env("GANTRY_IGAN_RESTARTS", "4"),
                      lr = env("GANTRY_IGAN_LR", "0.05");
    fs::create_directories(out);
    testing::TempDir work;

    // 1. The first n test images as PNGs, and the centre mask.
    const Batch test = eval::read_idx_images(eval::idx_path(kFashion, "t10k", "images"),
                                             eval::idx_path(kFashion, "t10k", "labels"), n);
    std::vector<std::string> files;
    for (int64_t i = 0; i < n; ++i) {
        std::vector<uint8_t> px(784);
        for (int64_t k = 0; k < 784; ++k)
            px[static_cast<size_t>(k)] = static_cast<uint8_t>(std::lround((test.x.data()[i * 784 + k] + 1.f) * 127.5f));
        char name[32];
        std::snprintf(name, sizeof name, "test-%03ld.png", static_cast<long>(i));
        io::write_png(work.path / name, 28, 28, 1, px.data());
        files.push_back((work.path / name).string());
    }
    {
        std::vector<uint8_t> px(784);
        for (int64_t k = 0; k < 784; ++k) px[static_cast<size_t>(k)] = in_hole(k) ? 0 : 255;
        io::write_png(work.path / "centre-mask.png", 28, 28, 1, px.data());
        io::write_png(out / "centre-mask.png", 28, 28, 1, px.data());
    }

    // 2. gantry project, whole images and with the hole.
    auto project = [&](const std::string& dir, bool masked) {
        std::vector<std::string> args = {"project", run, "--steps", steps, "--restarts", restarts, "--lr", lr,
                                         "--out", (work.path / dir).string()};
        for (const std::string& f : files) {
            args.push_back("--image");
            args.push_back(f);
        }
        if (masked) {
            args.push_back("--mask");
            args.push_back((work.path / "centre-mask.png").string());
        }
        const auto start = std::chrono::steady_clock::now();
        const auto r = testing::GantryProcess(args).finish(std::chrono::seconds(7200));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        INFO(r.output.substr(0, 3000));
        REQUIRE(r.exit_code == 0);
        return seconds;
    };
    const double full_s = project("full", false);
    const double masked_s = project("masked", true);

    // 3. The classifier on originals and reconstructions.
    const auto classifier = eval::load_classifier(kClassifier, classifier_sha());
    Tensor recon = Tensor::empty({n, 1, 28, 28}), inpainted = Tensor::empty({n, 1, 28, 28});
    for (int64_t i = 0; i < n; ++i) {
        const std::string stem = fs::path(files[static_cast<size_t>(i)]).stem().string();
        const Tensor a = read_gray(work.path / "full" / stem / "reconstruction.png");
        const Tensor b = read_gray(work.path / "masked" / stem / "reconstruction.png");
        std::copy(a.data(), a.data() + 784, recon.data() + i * 784);
        std::copy(b.data(), b.data() + 784, inpainted.data() + i * 784);
    }
    Tensor logits_real, logits_recon;
    eval::classifier_features(*classifier, test.x, &logits_real);
    eval::classifier_features(*classifier, recon, &logits_recon);
    auto argmax = [](const Tensor& logits, int64_t i) {
        int64_t best = 0;
        for (int64_t k = 1; k < 10; ++k)
            if (logits.data()[i * 10 + k] > logits.data()[i * 10 + best]) best = k;
        return best;
    };

    // 4. The hole: projection against the mean training image.
    const Batch train = eval::read_idx_images(eval::idx_path(kFashion, "train", "images"),
                                              eval::idx_path(kFashion, "train", "labels"));
    const Tensor mean_image = mean(train.x, {0});  // (1, 28, 28)

    std::ofstream csv(out / "per_image.csv");
    csv << "index,label,classifier_original,classifier_reconstruction,l1_full,l1_hole_projection,l1_hole_mean_fill\n";
    int64_t agree = 0, agree_true = 0, original_right = 0;
    double l1_full = 0, hole_proj = 0, hole_mean = 0;
    int64_t shirt = -1, boot = -1;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t label = static_cast<int64_t>(test.labels.data()[i]);
        const int64_t p0 = argmax(logits_real, i), p1 = argmax(logits_recon, i);
        agree += p0 == p1;
        agree_true += p1 == label;
        original_right += p0 == label;
        double full = 0, hp = 0, hm = 0;
        for (int64_t k = 0; k < 784; ++k) {
            const float x = test.x.data()[i * 784 + k];
            full += std::fabs(recon.data()[i * 784 + k] - x) / 2.0 / 784.0;  // in [0, 1] units
            if (in_hole(k)) {
                hp += std::fabs(inpainted.data()[i * 784 + k] - x) / 2.0 / 144.0;
                hm += std::fabs(mean_image.data()[k] - x) / 2.0 / 144.0;
            }
        }
        l1_full += full / n;
        hole_proj += hp / n;
        hole_mean += hm / n;
        if (label == 6 && shirt < 0) shirt = i;
        if (label == 9 && boot < 0) boot = i;
        char row[200];
        std::snprintf(row, sizeof row, "%ld,%ld,%ld,%ld,%.5f,%.5f,%.5f\n", static_cast<long>(i), static_cast<long>(label),
                      static_cast<long>(p0), static_cast<long>(p1), full, hp, hm);
        csv << row;
    }
    csv.close();

    // 5. The strip between a shirt and an ankle boot, and their comparison images.
    REQUIRE(shirt >= 0);
    REQUIRE(boot >= 0);
    const fs::path zs = work.path / "full" / fs::path(files[static_cast<size_t>(shirt)]).stem();
    const fs::path zb = work.path / "full" / fs::path(files[static_cast<size_t>(boot)]).stem();
    for (const bool slerp : {false, true}) {
        std::vector<std::string> args = {"sample", run, "--from", (zs / "z.npy").string(), "--to", (zb / "z.npy").string(),
                                         "-n", "10", "--out", (out / (slerp ? "strip-slerp.png" : "strip.png")).string()};
        if (slerp) args.push_back("--slerp");
        const auto r = testing::run_gantry(args);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }
    fs::copy_file(zs / "comparison.png", out / "shirt-comparison.png", fs::copy_options::overwrite_existing);
    fs::copy_file(zb / "comparison.png", out / "boot-comparison.png", fs::copy_options::overwrite_existing);
    fs::copy_file(zs / "z.npy", out / "shirt-z.npy", fs::copy_options::overwrite_existing);
    fs::copy_file(zb / "z.npy", out / "boot-z.npy", fs::copy_options::overwrite_existing);
    // A few inpainting comparisons: target, with the hole, filled.
    for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{2}, shirt, boot}) {
        const std::string stem = fs::path(files[static_cast<size_t>(i)]).stem().string();
        fs::copy_file(work.path / "masked" / stem / "comparison.png", out / ("inpaint-" + stem + ".png"),
                      fs::copy_options::overwrite_existing);
    }

    std::ofstream summary(out / "summary.json");
    char text[1200];
    std::snprintf(text, sizeof text,
                  "{\"run\": \"%s\", \"images\": %ld, \"steps\": %s, \"restarts\": %s, \"lr\": %s,\n"
                  " \"classifier_agreement\": %.4f, \"reconstruction_true_class\": %.4f, \"original_true_class\": %.4f,\n"
                  " \"l1_full\": %.5f, \"l1_hole_projection\": %.5f, \"l1_hole_mean_fill\": %.5f,\n"
                  " \"shirt_index\": %ld, \"boot_index\": %ld, \"project_seconds\": %.1f, \"project_masked_seconds\": %.1f}\n",
                  run.c_str(), static_cast<long>(n), steps.c_str(), restarts.c_str(), lr.c_str(),
                  double(agree) / n, double(agree_true) / n, double(original_right) / n, l1_full, hole_proj, hole_mean,
                  static_cast<long>(shirt), static_cast<long>(boot), full_s, masked_s);
    summary << text;
    summary.close();
    WARN(text);
    CHECK(agree > 0);
}
