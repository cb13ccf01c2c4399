// SPDX-License-Identifier: Apache-2.0
#include "trainer/poison.hpp"

#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>

#include "gantry/error.hpp"

namespace gantry::train::detail {

namespace {
struct Poison {
    PoisonPlace place;
    int64_t iteration;  // 1-based
    int64_t step;       // 1-based
    float value;
};

std::optional<Poison> parse(const char* text) {
    if (text == nullptr || *text == '\0') return std::nullopt;
    const std::string usage = std::string("GANTRY_TEST_POISON='") + text +
                              "': expected <loss|grad|weight>:<iteration>:<step>[:nan|inf|-inf]";
    std::istringstream in(text);
    std::string place, iteration, step, value = "nan";
    if (!std::getline(in, place, ':') || !std::getline(in, iteration, ':') || !std::getline(in, step, ':'))
        throw ConfigError(usage);
    std::getline(in, value);
    Poison p{};
    if (place == "loss") p.place = PoisonPlace::loss;
    else if (place == "grad") p.place = PoisonPlace::grad;
    else if (place == "weight") p.place = PoisonPlace::weight;
    else throw ConfigError(usage);
    try {
        p.iteration = std::stoll(iteration);
        p.step = std::stoll(step);
    } catch (const std::exception&) {
        throw ConfigError(usage);
    }
    if (value == "nan") p.value = std::numeric_limits<float>::quiet_NaN();
    else if (value == "inf") p.value = std::numeric_limits<float>::infinity();
    else if (value == "-inf") p.value = -std::numeric_limits<float>::infinity();
    else throw ConfigError(usage);
    return p;
}
}  // namespace

std::optional<float> poison_at(PoisonPlace place, int64_t iteration, size_t step) {
    static const std::optional<Poison> poison = parse(std::getenv("GANTRY_TEST_POISON"));
    if (!poison || poison->place != place || poison->iteration != iteration + 1 ||
        poison->step != static_cast<int64_t>(step) + 1)
        return std::nullopt;
    return poison->value;
}

}  // namespace gantry::train::detail
