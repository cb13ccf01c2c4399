// SPDX-License-Identifier: Apache-2.0
// counting: the "counting" problem of the GAN introduction (a monkey with too many eyes) made
// measurable. Each image (1, S, S) in [-1, 1] holds k filled objects (squares and discs, white on
// black) placed without overlap and at least `gap` pixels apart, so that the connected components
// of the image are exactly its objects; k is drawn uniformly from the `counts` list (repeat a
// count to weight it), and the label of the image is k. Sample i is a pure function of (seed, i),
// drawn from its own Philox stream: nothing is held in memory. The counting metric plugin
// (plugins/metrics/counting) counts the objects of generated images.
#include <gantry/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace {

using namespace gantry;

const double kNaN = std::nan("");
constexpr uint64_t kStreamBase = uint64_t{0x636f} << 40;  // apart from the trainer's streams
constexpr int64_t kMaxCount = 16;
constexpr int kTries = 10000;

const plugin::OptionSpec kOptions[] = {
    {"size", plugin::OptionType::integer, "32", 8, 256, nullptr, "side of the square images"},
    {"counts", plugin::OptionType::integer_list, "[1, 2, 3, 4]", 0, kMaxCount, nullptr,
     "the number of objects is drawn uniformly from this list (repeat a count to weight it)"},
    {"shapes", plugin::OptionType::string, "mixed", kNaN, kNaN, "square|disc|mixed",
     "the objects: squares, discs, or each one either with probability 1/2"},
    {"min_side", plugin::OptionType::integer, "5", 2, 256, nullptr, "smallest object side, pixels"},
    {"max_side", plugin::OptionType::integer, "8", 2, 256, nullptr, "largest object side, pixels"},
    {"gap", plugin::OptionType::integer, "2", 1, 64, nullptr,
     "least number of background pixels between the bounding boxes of two objects"},
    {"samples", plugin::OptionType::integer, "60000", 1, 1e9, nullptr, "images in one epoch"},
    {"labelled", plugin::OptionType::boolean, "true", kNaN, kNaN, nullptr,
     "false: no labels (unlabelled data, for an unconditional mlp or pack > 1); the counts stay the same"},
};

class Counting final : public Dataset {
public:
    Counting(const plugin::Options& o, const plugin::Context& context)
        : seed_(context.seed),
          size_(o.get_int("size")),
          counts_(o.get_int_list("counts")),
          shapes_(o.get_string("shapes")),
          min_side_(o.get_int("min_side")),
          max_side_(o.get_int("max_side")),
          gap_(o.get_int("gap")),
          samples_(o.get_int("samples")),
          labelled_(o.get_bool("labelled")) {
        GANTRY_CHECK(!counts_.empty(), "counting: `counts` must list at least one count");
        GANTRY_CHECK(min_side_ <= max_side_, "counting: min_side ", min_side_,
                     " is larger than max_side ", max_side_);
        GANTRY_CHECK(max_side_ <= size_, "counting: max_side ", max_side_,
                     " does not fit in an image of side ", size_);
        // Random sequential placement must always succeed: the largest count of the largest
        // objects, with their gaps, may cover at most 40 % of the image.
        const int64_t most = *std::max_element(counts_.begin(), counts_.end());
        const int64_t cell = max_side_ + gap_;
        GANTRY_CHECK(static_cast<double>(most * cell * cell) <= 0.4 * static_cast<double>(size_ * size_),
                     "counting: ", most, " objects of side up to ", max_side_, " with gap ", gap_,
                     " do not fit without overlap in ", size_, "x", size_,
                     " (their boxes may cover at most 40 % of the image): lower counts or max_side, "
                     "or raise size");
        std::ostringstream id;
        id << "counting:" << size_ << ":" << shapes_ << ":" << min_side_ << "-" << max_side_ << ":gap"
           << gap_ << ":counts";
        for (int64_t k : counts_) id << "," << k;
        id << ":" << samples_ << (labelled_ ? "" : ":unlabelled") << ":" << seed_;
        identity_ = id.str();
    }

    DataInfo info() const override {
        DataInfo info;
        info.sample_shape = Shape{1, size_, size_};
        info.size = samples_;
        const int64_t most = *std::max_element(counts_.begin(), counts_.end());
        info.classes = labelled_ ? most + 1 : 0;
        info.images = true;
        // P(k) for k = 0..max: the declared count distribution, for the counting metric.
        std::vector<double> p(static_cast<size_t>(most + 1), 0.0);
        for (int64_t k : counts_) p[static_cast<size_t>(k)] += 1.0 / static_cast<double>(counts_.size());
        info.metadata["counting.distribution"] = p;
        info.identity = identity_;
        return info;
    }

    Batch get(const std::vector<int64_t>& indices) const override {
        const int64_t per = size_ * size_;
        Batch batch;
        batch.x = Tensor::full(Shape{static_cast<int64_t>(indices.size()), 1, size_, size_}, -1.f);
        if (labelled_) batch.labels = Tensor::empty(Shape{static_cast<int64_t>(indices.size())});
        for (size_t i = 0; i < indices.size(); ++i) {
            GANTRY_CHECK(indices[i] >= 0 && indices[i] < samples_, "counting: index ", indices[i],
                         " is outside [0, ", samples_, ")");
            Rng rng(seed_, kStreamBase + static_cast<uint64_t>(indices[i]));
            const int64_t k = counts_[rng.next_below(counts_.size())];
            draw(rng, k, batch.x.data() + static_cast<int64_t>(i) * per);
            if (labelled_) batch.labels.data()[i] = static_cast<float>(k);
        }
        return batch;
    }

private:
    struct Box {
        int64_t x, y, side;
    };

    void draw(Rng& rng, int64_t k, float* image) const {
        std::vector<Box> boxes;
        for (int tries = 0; static_cast<int64_t>(boxes.size()) < k; ++tries) {
            GANTRY_CHECK(tries < kTries, "counting: could not place ", k, " objects in ", kTries,
                         " tries");
            const int64_t side = min_side_ + static_cast<int64_t>(rng.next_below(
                                                 static_cast<uint64_t>(max_side_ - min_side_ + 1)));
            const Box b{static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(size_ - side + 1))),
                        static_cast<int64_t>(rng.next_below(static_cast<uint64_t>(size_ - side + 1))), side};
            const bool apart = std::all_of(boxes.begin(), boxes.end(), [&](const Box& o) {
                return b.x >= o.x + o.side + gap_ || o.x >= b.x + b.side + gap_ ||
                       b.y >= o.y + o.side + gap_ || o.y >= b.y + b.side + gap_;
            });
            if (apart) boxes.push_back(b);
        }
        for (const Box& b : boxes) {
            const bool disc = shapes_ == "disc" || (shapes_ == "mixed" && rng.next_below(2) == 1);
            const double r = 0.5 * static_cast<double>(b.side), c = r;
            for (int64_t y = 0; y < b.side; ++y)
                for (int64_t x = 0; x < b.side; ++x) {
                    const double dx = static_cast<double>(x) + 0.5 - c, dy = static_cast<double>(y) + 0.5 - c;
                    if (!disc || dx * dx + dy * dy <= r * r)
                        image[(b.y + y) * size_ + b.x + x] = 1.f;
                }
        }
    }

    uint64_t seed_;
    int64_t size_;
    std::vector<int64_t> counts_;
    std::string shapes_;
    int64_t min_side_, max_side_, gap_, samples_;
    bool labelled_;
    std::string identity_;
};

}  // namespace

GANTRY_PLUGIN(dataset, "counting", "1.0.0",
              "k squares or discs on a black square, placed apart, k from a declared list; label = k",
              kOptions, Counting)
