// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: bytes -> a plugin Descriptor -> the host's descriptor gates (read_descriptor).
// A Descriptor is plain data with string pointers; the harness builds one from the input: the
// first bytes give the numeric fields, the rest is split at NUL bytes into the strings (name,
// version, summary, provides, then per option name/default/choices/doc, then added_options). Two flag bits replace
// magic and fingerprint with the right values so that the fuzzer also reaches the later gates.
// Only PluginError may come out; an accepted descriptor yields a name the host would accept.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gantry/error.hpp"
#include "gantry/plugin/abi.hpp"
#include "plugin/host.hpp"
#include "plugin/descriptor.hpp"

namespace {
struct Reader {
    const uint8_t* data;
    size_t size;
    size_t pos = 0;
    template <class T>
    T take() {
        T value{};
        const size_t n = std::min(sizeof(T), size - pos);
        std::memcpy(&value, data + pos, n);
        pos += n;
        return value;
    }
};
}  // namespace

// The suite replays the corpora through the same function under another name
// (tests/reliability/fuzz_corpus_test.cpp).
#ifndef GANTRY_FUZZ_ENTRY
#define GANTRY_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GANTRY_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    using namespace gantry::plugin;
    Reader in{data, size};
    const uint8_t flags = in.take<uint8_t>();
    Descriptor d{};
    d.magic = (flags & 1) ? kDescriptorMagic : in.take<uint32_t>();
    d.struct_size = (flags & 2) ? static_cast<uint32_t>(sizeof(Descriptor)) : in.take<uint32_t>();
    d.api_major = (flags & 4) ? kApiMajor : in.take<uint32_t>();
    d.api_minor = in.take<uint8_t>() % 4;
    d.kind = static_cast<Kind>(in.take<uint8_t>() % 6);
    d.option_count = in.take<uint8_t>() % 9;
    const bool null_options = flags & 8;

    // The strings: each a NUL-terminated piece of the rest of the input (copied so they are
    // terminated even when the input is not), absent ones null.
    std::vector<std::string> pieces;
    std::string piece;
    for (size_t i = in.pos; i < size; ++i) {
        if (data[i] == 0) {
            pieces.push_back(piece);
            piece.clear();
        } else {
            piece += static_cast<char>(data[i]);
        }
    }
    pieces.push_back(piece);
    size_t next = 0;
    auto string = [&]() -> const char* { return next < pieces.size() ? pieces[next++].c_str() : nullptr; };
    d.fingerprint = (flags & 16) ? host_fingerprint() : string();
    d.name = string();
    d.version = string();
    d.summary = string();
    d.provides = string();
    std::vector<OptionSpec> options(d.option_count);
    for (OptionSpec& o : options) {
        o.name = string();
        const char* type = string();
        o.type = static_cast<OptionType>(type ? std::strlen(type) % 9 : 0);
        o.default_value = string();
        o.min = type && std::strlen(type) % 2 ? -1.0 : 0.0;
        o.max = type && std::strlen(type) % 3 ? 1.0 : -1.0;
        o.choices = string();
        o.doc = string();
    }
    d.options = null_options ? nullptr : options.data();
    d.added_options = string();  // API 2.3; last, so the older corpora keep their meaning
    try {
        const PluginInfo info = detail::read_descriptor("fuzz.so", &d);
        if (info.name.empty() || info.name.size() > 64 || info.options.size() != d.option_count) std::abort();
    } catch (const gantry::PluginError&) {
    }
    return 0;
}
