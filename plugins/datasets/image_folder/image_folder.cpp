// SPDX-License-Identifier: Apache-2.0
// image_folder: the PNG files of a directory, like torchvision's ImageFolder: each sub-folder of
// `root` is a class (sorted names -> ids 0, 1, ...), or, with no sub-folders, `root` holds
// unlabelled images. Every image is cropped to a centred square (fit: crop) or not (fit:
// stretch), resampled to size x size (area averaging or bilinear), converted to `channels` and
// kept in memory as bytes: N * channels * size^2 bytes (12 KiB per 64x64 RGB image, so 100k
// images take 1.2 GB). Served as (channels, size, size) in [-1, 1].
//
// Files that are not PNG (by extension) and PNG files that do not decode are skipped and counted;
// one line on stderr reports the counts and the first failure. Hidden entries (".name") are
// ignored. The order is deterministic: classes by name, files by path within each class.
#include <gantry/io/png.hpp>
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <system_error>

namespace {

using namespace gantry;
namespace fs = std::filesystem;

const double kNaN = std::nan("");

// A PNG file beyond this is not a dataset image; skipping it avoids reading it whole.
constexpr uintmax_t kMaxFileBytes = uintmax_t{256} << 20;
// What the decoded set may occupy (N * channels * size^2 bytes), checked before decoding.
constexpr uint64_t kMaxBytes = uint64_t{8} << 30;

const plugin::OptionSpec kOptions[] = {
    {"root", plugin::OptionType::path, nullptr, kNaN, kNaN, nullptr,
     "the folder (relative: to the file that writes it); sub-folders are classes"},
    {"size", plugin::OptionType::integer, "64", 4, 1024, nullptr, "side of the square images served"},
    {"channels", plugin::OptionType::integer, "3", 1, 3, nullptr, "1 (grayscale) or 3 (RGB)"},
    {"resize", plugin::OptionType::string, "area", kNaN, kNaN, "area|bilinear",
     "resampling: area averaging (best for shrinking) or bilinear (for enlarging)"},
    {"fit", plugin::OptionType::string, "crop", kNaN, kNaN, "crop|stretch",
     "crop: the centred square of each image; stretch: the whole image, aspect ratio lost"},
    {"labelled", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
     "sub-folders are classes; false: every PNG below root, unlabelled"},
};

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

bool has_png_extension(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".png";
}

/// The non-hidden regular files below `dir` (recursively or not), sorted by path.
std::vector<fs::path> files_in(const fs::path& dir, bool recursive) {
    std::vector<fs::path> files;
    auto visit = [&](auto it) {
        for (auto end = decltype(it){}; it != end; ++it) {
            if (hidden(it->path())) {
                if (it->is_directory()) {
                    if constexpr (std::is_same_v<decltype(it), fs::recursive_directory_iterator>)
                        it.disable_recursion_pending();
                }
                continue;
            }
            if (it->is_regular_file()) files.push_back(it->path());
        }
    };
    if (recursive)
        visit(fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied));
    else
        visit(fs::directory_iterator(dir, fs::directory_options::skip_permission_denied));
    std::sort(files.begin(), files.end());
    return files;
}

/// For each output coordinate of an axis resampled from `in` to `out` samples: the first input
/// sample it reads and the weight of each one from there (weights sum to 1).
struct Taps {
    int64_t first = 0;
    std::vector<float> weights;
};

std::vector<Taps> area_taps(int64_t in, int64_t out) {
    // Output sample j covers [j, j + 1) * in / out of the input; each input sample weighs the
    // length of its overlap (OpenCV's INTER_AREA). Enlarging, this is nearest-neighbour-like.
    std::vector<Taps> taps(static_cast<size_t>(out));
    const double scale = static_cast<double>(in) / static_cast<double>(out);
    for (int64_t j = 0; j < out; ++j) {
        const double lo = static_cast<double>(j) * scale, hi = lo + scale;
        Taps& t = taps[static_cast<size_t>(j)];
        t.first = static_cast<int64_t>(std::floor(lo));
        const int64_t last = std::min<int64_t>(in - 1, static_cast<int64_t>(std::ceil(hi)) - 1);
        for (int64_t i = t.first; i <= last; ++i) {
            const double overlap = std::min(hi, static_cast<double>(i + 1)) - std::max(lo, static_cast<double>(i));
            t.weights.push_back(static_cast<float>(std::max(0.0, overlap) / scale));
        }
    }
    return taps;
}

std::vector<Taps> bilinear_taps(int64_t in, int64_t out) {
    // Pixel centres aligned (align_corners = false), borders clamped: PIL / OpenCV INTER_LINEAR.
    std::vector<Taps> taps(static_cast<size_t>(out));
    const double scale = static_cast<double>(in) / static_cast<double>(out);
    for (int64_t j = 0; j < out; ++j) {
        const double src = std::clamp((static_cast<double>(j) + 0.5) * scale - 0.5, 0.0,
                                      static_cast<double>(in - 1));
        Taps& t = taps[static_cast<size_t>(j)];
        t.first = static_cast<int64_t>(std::floor(src));
        const float frac = static_cast<float>(src - static_cast<double>(t.first));
        t.weights = t.first + 1 < in ? std::vector<float>{1.f - frac, frac} : std::vector<float>{1.f};
    }
    return taps;
}

/// The candidate files of a folder, in a fixed order, with their class (-1: unlabelled).
struct Listing {
    std::vector<std::pair<fs::path, int64_t>> files;
    std::vector<std::string> classes;
    /// Files directly in root when there are class folders (not part of any class).
    int64_t outside_classes = 0;
};

Listing list_folder(const fs::path& root, bool labelled) {
    Listing listing;
    try {
        std::vector<fs::path> class_dirs;
        if (labelled)
            for (const auto& e : fs::directory_iterator(root, fs::directory_options::skip_permission_denied))
                if (e.is_directory() && !hidden(e.path())) class_dirs.push_back(e.path());
        std::sort(class_dirs.begin(), class_dirs.end());
        if (class_dirs.empty()) {
            // No class folders, or labelled: false: every file below root, unlabelled.
            for (const fs::path& f : files_in(root, !labelled)) listing.files.push_back({f, -1});
            return listing;
        }
        listing.outside_classes = static_cast<int64_t>(files_in(root, false).size());
        for (size_t c = 0; c < class_dirs.size(); ++c) {
            listing.classes.push_back(class_dirs[c].filename().string());
            for (const fs::path& f : files_in(class_dirs[c], true))
                listing.files.push_back({f, static_cast<int64_t>(c)});
        }
    } catch (const fs::filesystem_error& e) {
        throw DataError(detail::concat("image_folder: ", root.string(), ": cannot list its files (",
                                       e.what(), ")"));
    }
    return listing;
}

class ImageFolder final : public Dataset {
public:
    ImageFolder(const plugin::Options& o, const plugin::Context&)
        : size_(o.get_int("size")), channels_(o.get_int("channels")) {
        GANTRY_CHECK(channels_ == 1 || channels_ == 3, "image_folder: channels must be 1 (grayscale) or 3 (RGB), got ",
                     channels_);
        const fs::path root(o.get_string("root"));  // a `path` option: absolute
        std::error_code ec;
        GANTRY_CHECK_AS(DataError, fs::is_directory(root, ec), "image_folder: ", root.string(),
                        ": no such directory; set data.root to a folder of PNG files");
        const bool bilinear = o.get_string("resize") == "bilinear";
        const bool crop = o.get_string("fit") == "crop";

        const Listing listing = list_folder(root, o.get_bool("labelled"));
        const auto& candidates = listing.files;
        class_names_ = listing.classes;
        GANTRY_CHECK_AS(DataError, !candidates.empty(), "image_folder: ", root.string(),
                        ": no files found; expected PNG files in it or in class sub-folders");
        const uint64_t per_image = static_cast<uint64_t>(channels_ * size_ * size_);
        GANTRY_CHECK_AS(DataError, candidates.size() * per_image <= kMaxBytes, "image_folder: ",
                        root.string(), ": ", candidates.size(), " files at ", channels_, " x ", size_,
                        " x ", size_, " would take more than ", kMaxBytes >> 30,
                        " GiB in memory; use a smaller size or a subset of the folder");

        // ---- decode, convert, resample ----
        int64_t not_png = 0, undecodable = 0;
        std::string first_failure;
        std::vector<int64_t> per_class(class_names_.size(), 0);
        uint64_t hash = 14695981039346656037ull;  // FNV-1a of every kept file's path and size
        auto mix = [&hash](const std::string& bytes) {
            for (unsigned char b : bytes) hash = (hash ^ b) * 1099511628211ull;
        };
        for (const auto& [path, label] : candidates) {
            if (!has_png_extension(path)) {
                ++not_png;
                continue;
            }
            ec.clear();
            const uintmax_t bytes = fs::file_size(path, ec);
            io::Image image;
            try {
                GANTRY_CHECK_AS(DataError, !ec && bytes <= kMaxFileBytes, "image ", path.string(),
                                ": ", ec ? ec.message() : std::to_string(bytes) + " bytes is too large");
                image = io::read_png_image(path);
            } catch (const DataError& e) {
                ++undecodable;
                if (first_failure.empty()) first_failure = e.what();
                continue;
            }
            append(image, crop, bilinear);
            if (label >= 0) {
                label_ids_.push_back(static_cast<int32_t>(label));
                ++per_class[static_cast<size_t>(label)];
            }
            mix(fs::relative(path, root, ec).string() + ":" + std::to_string(bytes) + ";");
        }
        count_ = static_cast<int64_t>(pixels_.size() / per_image);
        if (not_png + undecodable + listing.outside_classes > 0) {
            std::ostringstream note;
            note << "image_folder: " << root.string() << ": skipped " << not_png
                 << " file(s) that are not PNG and " << undecodable << " PNG file(s) that do not decode";
            if (listing.outside_classes > 0)
                note << "; ignored " << listing.outside_classes << " file(s) beside the class folders";
            if (!first_failure.empty()) note << " (first: " << first_failure << ")";
            std::fprintf(stderr, "%s\n", note.str().c_str());
        }
        GANTRY_CHECK_AS(DataError, count_ > 0, "image_folder: ", root.string(), ": none of its ",
                        candidates.size(), " files is a readable PNG image",
                        first_failure.empty() ? std::string() : " (first failure: " + first_failure + ")");
        for (size_t c = 0; c < per_class.size(); ++c)
            GANTRY_CHECK_AS(DataError, per_class[c] > 0, "image_folder: ", root.string(), ": class folder '",
                            class_names_[c], "' holds no readable PNG image; remove it, or set "
                            "labelled: false to ignore the class folders");

        std::ostringstream id;
        id << "image_folder:" << fs::weakly_canonical(root, ec).string() << ":size=" << size_
           << ":channels=" << channels_ << ":" << o.get_string("resize") << ":" << o.get_string("fit")
           << ":classes=" << class_names_.size() << ":n=" << count_ << ":files=" << std::hex << hash;
        identity_ = id.str();
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{channels_, size_, size_};
        info.size = count_;
        info.classes = static_cast<int64_t>(class_names_.size());
        info.images = true;
        info.identity = identity_;
        return info;
    }

    Batch get(const std::vector<int64_t>& indices) const override {
        const int64_t n = static_cast<int64_t>(indices.size());
        const int64_t per = channels_ * size_ * size_;
        Batch batch;
        batch.x = Tensor::empty({n, channels_, size_, size_});
        if (!label_ids_.empty()) batch.labels = Tensor::empty({n});
        float* x = batch.x.data();
        for (int64_t i = 0; i < n; ++i) {
            const int64_t index = indices[static_cast<size_t>(i)];
            GANTRY_CHECK(index >= 0 && index < count_, "image_folder: index ", index,
                         " is outside [0, ", count_, ")");
            const uint8_t* src = pixels_.data() + index * per;
            for (int64_t k = 0; k < per; ++k) x[i * per + k] = static_cast<float>(src[k]) / 127.5f - 1.f;
            if (!label_ids_.empty())
                batch.labels.data()[i] = static_cast<float>(label_ids_[static_cast<size_t>(index)]);
        }
        return batch;
    }

private:
    /// Appends `image` as (channels_, size_, size_) bytes.
    void append(const io::Image& image, bool crop, bool bilinear) {
        const int64_t w = image.width, h = image.height, c_in = image.channels;
        // The source rectangle: the centred square, or everything.
        const int64_t side = std::min(w, h);
        const int64_t x0 = crop ? (w - side) / 2 : 0, y0 = crop ? (h - side) / 2 : 0;
        const int64_t src_w = crop ? side : w, src_h = crop ? side : h;
        const std::vector<Taps> along_x = bilinear ? bilinear_taps(src_w, size_) : area_taps(src_w, size_);
        const std::vector<Taps> along_y = bilinear ? bilinear_taps(src_h, size_) : area_taps(src_h, size_);

        auto value = [&](int64_t y, int64_t x, int64_t c) -> float {
            const uint8_t* p = image.pixels.data() + ((y0 + y) * w + (x0 + x)) * c_in;
            if (channels_ == c_in) return p[c];
            if (channels_ == 3) return p[0];  // gray -> RGB: the same value thrice
            // RGB -> gray: ITU-R BT.601 luma, as PIL's convert("L").
            return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
        };
        // Rows first (src_h x size_), then columns (size_ x size_), per channel.
        std::vector<float> rows(static_cast<size_t>(src_h * size_));
        const size_t at = pixels_.size();
        pixels_.resize(at + static_cast<size_t>(channels_ * size_ * size_));
        for (int64_t c = 0; c < channels_; ++c) {
            for (int64_t y = 0; y < src_h; ++y)
                for (int64_t j = 0; j < size_; ++j) {
                    const Taps& t = along_x[static_cast<size_t>(j)];
                    float acc = 0.f;
                    for (size_t k = 0; k < t.weights.size(); ++k)
                        acc += t.weights[k] * value(y, t.first + static_cast<int64_t>(k), c);
                    rows[static_cast<size_t>(y * size_ + j)] = acc;
                }
            for (int64_t i = 0; i < size_; ++i) {
                const Taps& t = along_y[static_cast<size_t>(i)];
                for (int64_t j = 0; j < size_; ++j) {
                    float acc = 0.f;
                    for (size_t k = 0; k < t.weights.size(); ++k)
                        acc += t.weights[k] * rows[static_cast<size_t>((t.first + static_cast<int64_t>(k)) * size_ + j)];
                    pixels_[at + static_cast<size_t>((c * size_ + i) * size_ + j)] =
                        static_cast<uint8_t>(std::clamp(std::lround(acc), 0L, 255L));
                }
            }
        }
    }

    int64_t size_;
    int64_t channels_;
    int64_t count_ = 0;
    std::vector<std::string> class_names_;
    std::vector<uint8_t> pixels_;
    std::vector<int32_t> label_ids_;
    std::string identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "image_folder", "1.0.0",
              "PNG files of a folder (class sub-folders optional), cropped and resized to a square",
              kOptions, ImageFolder)
