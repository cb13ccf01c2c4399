// SPDX-License-Identifier: Apache-2.0
// A descriptor written by hand (not with GANTRY_PLUGIN), so each field can be made wrong on
// purpose. tests/plugins/CMakeLists.txt builds it once per broken field, each into its own
// directory; the compile definitions below say which field is broken.
#include <limits>

#include "gantry/plugin.hpp"

#ifndef HANDMADE_MAGIC
#define HANDMADE_MAGIC ::gantry::plugin::kDescriptorMagic
#endif
#ifndef HANDMADE_STRUCT_SIZE
#define HANDMADE_STRUCT_SIZE sizeof(::gantry::plugin::Descriptor)
#endif
#ifndef HANDMADE_API_MAJOR
#define HANDMADE_API_MAJOR ::gantry::plugin::kApiMajor
#endif
#ifndef HANDMADE_API_MINOR
#define HANDMADE_API_MINOR ::gantry::plugin::kApiMinor
#endif
#ifndef HANDMADE_FINGERPRINT
#define HANDMADE_FINGERPRINT GANTRY_BUILD_FINGERPRINT
#endif
#ifndef HANDMADE_KIND
#define HANDMADE_KIND 2
#endif
#ifndef HANDMADE_NAME
#define HANDMADE_NAME "handmade"
#endif
#ifndef HANDMADE_ADDED_OPTIONS
#define HANDMADE_ADDED_OPTIONS nullptr
#endif

namespace {

constexpr double kUnbounded = std::numeric_limits<double>::quiet_NaN();

const gantry::plugin::OptionSpec kOptions[] = {
    {"alpha", gantry::plugin::OptionType::number, "1", kUnbounded, kUnbounded, nullptr, "a"},
#ifdef HANDMADE_DUPLICATE_OPTION
    {"alpha", gantry::plugin::OptionType::integer, "2", kUnbounded, kUnbounded, nullptr, "b"},
#endif
#ifdef HANDMADE_BAD_OPTION_TYPE
    {"beta", static_cast<gantry::plugin::OptionType>(42), "2", kUnbounded, kUnbounded, nullptr,
     "b"},
#endif
};

const gantry::plugin::Descriptor kDescriptor{
    HANDMADE_MAGIC,
    static_cast<uint32_t>(HANDMADE_STRUCT_SIZE),
    HANDMADE_API_MAJOR,
    HANDMADE_API_MINOR,
    HANDMADE_FINGERPRINT,
    static_cast<gantry::plugin::Kind>(HANDMADE_KIND),
    HANDMADE_NAME,
    "9.9.9",
    "a hand-written descriptor",
    kOptions,
    static_cast<uint32_t>(sizeof kOptions / sizeof kOptions[0]),
    nullptr,
    HANDMADE_ADDED_OPTIONS,
};

const gantry::plugin::Descriptor* handmade_descriptor() { return &kDescriptor; }

class HandmadeLoss : public gantry::Loss {
public:
    gantry::LossTerms discriminator_loss(const gantry::DiscriminatorStep&) override { return {}; }
    gantry::LossTerms generator_loss(const gantry::GeneratorStep&) override { return {}; }
};

[[maybe_unused]] std::unique_ptr<gantry::plugin::Object> handmade_create(
    const gantry::plugin::Options&, const gantry::plugin::Context&) {
    return std::make_unique<HandmadeLoss>();
}

}  // namespace

BOOST_DLL_ALIAS_SECTIONED(handmade_descriptor, gantry_plugin_descriptor, gantry)
#ifndef HANDMADE_OMIT_CREATE
BOOST_DLL_ALIAS_SECTIONED(handmade_create, gantry_plugin_create, gantry)
#endif
