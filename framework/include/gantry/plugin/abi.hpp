// SPDX-License-Identifier: Apache-2.0
#pragma once
/// How a plugin library identifies itself. The host reads the Descriptor (plain data) and checks
/// API version and build fingerprint before it calls any of the plugin's C++ code.
///
/// Example (a whole loss plugin's export):
/// ```
/// static const gantry::plugin::OptionSpec kOptions[] = {
///     {"lambda", gantry::plugin::OptionType::number, "10", 0, 1e6, nullptr, "penalty weight"},
/// };
/// class WganGp : public gantry::Loss { public: WganGp(const Options&, const Context&); ... };
/// GANTRY_PLUGIN(loss, "wgan_gp", "1.0.0", "WGAN + gradient penalty (arXiv:1704.00028)",
///               kOptions, WganGp)
/// ```
#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

#include <cstdint>
#include <memory>
#include <span>

#include "gantry/plugin/object.hpp"
#include "gantry/plugin/options.hpp"

namespace gantry::plugin {

/// Bump the major on any change to a class that crosses the boundary (layout or virtual
/// functions); bump the minor for additions old plugins do not notice. What each version added:
/// docs/writing-a-plugin.md ("Plugin API versions").
///   1.0  the Descriptor, the four interfaces, OptionSpec
///   1.1  OptionType::path
///   2.0  DataInfo::metadata replaces DataInfo::modes and DataInfo::mode_std (a layout change)
///   2.1  conditions: Dataset::condition and ::baseline, NetworkSpec::condition, the steps'
///        condition and target, Loss::needs_pairs, MetricContext::condition and ::target
///        (appended fields and virtuals, called only on 2.1 plugins: 2.0 plugins keep loading)
///   2.2  GeneratorStep::generator: G on other contexts, for a loss (appended; 2.0 and 2.1
///        plugins never read it, and a 2.2 plugin is refused by an older host)
///   2.3  Descriptor::added_options (appended; read only from 2.3 descriptors)
constexpr uint32_t kApiMajor = 2;
constexpr uint32_t kApiMinor = 3;
constexpr uint32_t kDescriptorMagic = 0x4C505447;  // "GTPL"
#define GANTRY_SDK_VERSION "0.1.0"

#define GANTRY_DETAIL_STR2(x) #x
#define GANTRY_DETAIL_STR(x) GANTRY_DETAIL_STR2(x)
/// What the compiler of *this* translation unit was: in a plugin, what the plugin was built with.
/// Host and plugin must agree exactly (Boost.DLL gives no ABI guarantee across compilers).
#define GANTRY_BUILD_FINGERPRINT                                                   \
    "g++ " __VERSION__ "; libstdc++ " GANTRY_DETAIL_STR(_GLIBCXX_RELEASE)           \
    " cxx11-abi " GANTRY_DETAIL_STR(_GLIBCXX_USE_CXX11_ABI) "; C++ " GANTRY_DETAIL_STR( \
        __cplusplus) "; gantry sdk " GANTRY_SDK_VERSION

/// Plain data, append-only: never reorder, retype or remove a field (struct_size tells the host
/// which fields a plugin knows).
struct Descriptor {
    uint32_t magic;
    uint32_t struct_size;
    uint32_t api_major;
    uint32_t api_minor;
    const char* fingerprint;
    Kind kind;
    const char* name;
    const char* version;
    const char* summary;
    const OptionSpec* options;
    uint32_t option_count;
    /// Metric plugins: the metric names they compute, comma-separated ("modes,high_quality").
    const char* provides;
    /// 2.3: options added to the plugin after experiments using it existed, comma-separated, or
    /// nullptr. The resolved experiment writes such an option only when its value differs from its
    /// default, so those experiments keep their configuration hash (their sweeps' run ids); the
    /// default must therefore reproduce the plugin's behaviour from before the option existed.
    const char* added_options;
};

/// The factory every plugin exports: a new object of its kind from checked options.
using Factory = std::unique_ptr<Object>(const Options&, const Context&);

inline constexpr std::span<const OptionSpec> kNoOptions{};

}  // namespace gantry::plugin

#define GANTRY_DETAIL_PLUGIN(KIND, NAME, VERSION, SUMMARY, OPTIONS, PROVIDES, ADDED, CLASS)     \
    namespace {                                                                                 \
    const ::gantry::plugin::Descriptor* gantry_plugin_descriptor_impl() {                       \
        static const std::span<const ::gantry::plugin::OptionSpec> options{OPTIONS};            \
        static const ::gantry::plugin::Descriptor descriptor{                                   \
            ::gantry::plugin::kDescriptorMagic,                                                 \
            sizeof(::gantry::plugin::Descriptor),                                               \
            ::gantry::plugin::kApiMajor,                                                        \
            ::gantry::plugin::kApiMinor,                                                        \
            GANTRY_BUILD_FINGERPRINT,                                                           \
            ::gantry::plugin::Kind::KIND,                                                       \
            NAME,                                                                               \
            VERSION,                                                                            \
            SUMMARY,                                                                            \
            options.data(),                                                                     \
            static_cast<uint32_t>(options.size()),                                              \
            PROVIDES,                                                                           \
            ADDED};                                                                             \
        return &descriptor;                                                                     \
    }                                                                                           \
    std::unique_ptr<::gantry::plugin::Object> gantry_plugin_create_impl(                        \
        const ::gantry::plugin::Options& options, const ::gantry::plugin::Context& context) {   \
        return std::make_unique<CLASS>(options, context);                                       \
    }                                                                                           \
    }                                                                                           \
    BOOST_DLL_ALIAS_SECTIONED(gantry_plugin_descriptor_impl, gantry_plugin_descriptor, gantry)  \
    BOOST_DLL_ALIAS_SECTIONED(gantry_plugin_create_impl, gantry_plugin_create, gantry)

/// Exports plugin CLASS (constructed from (const Options&, const Context&)) of kind KIND
/// (architecture, loss or dataset) with its option table OPTIONS (an array of OptionSpec, or
/// gantry::plugin::kNoOptions).
#define GANTRY_PLUGIN(KIND, NAME, VERSION, SUMMARY, OPTIONS, CLASS) \
    GANTRY_DETAIL_PLUGIN(KIND, NAME, VERSION, SUMMARY, OPTIONS, nullptr, nullptr, CLASS)

/// GANTRY_PLUGIN for a plugin that gained options after experiments using it were written: ADDED
/// names them, comma-separated ("fp32_edges"); see Descriptor::added_options.
#define GANTRY_PLUGIN_WITH_ADDED_OPTIONS(KIND, NAME, VERSION, SUMMARY, OPTIONS, ADDED, CLASS) \
    GANTRY_DETAIL_PLUGIN(KIND, NAME, VERSION, SUMMARY, OPTIONS, nullptr, ADDED, CLASS)

/// Exports a metric plugin; PROVIDES lists its metric names, comma-separated.
#define GANTRY_METRIC_PLUGIN(NAME, VERSION, SUMMARY, OPTIONS, PROVIDES, CLASS) \
    GANTRY_DETAIL_PLUGIN(metric, NAME, VERSION, SUMMARY, OPTIONS, PROVIDES, nullptr, CLASS)
