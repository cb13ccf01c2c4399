// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The one place oneDNN is set up. Only framework/src/kernels/ includes dnnl.hpp.
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gantry/shape.hpp"

namespace gantry::kernels {

dnnl::engine& engine();
dnnl::stream& stream();

/// oneDNN dims of `shape`; a rank-0 shape becomes (1).
dnnl::memory::dims dims_of(const Shape& shape);
/// The plain row-major layout of `shape` (a, ab, abc, abcd).
dnnl::memory::desc plain_desc(const Shape& shape);
dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims);
/// A memory object over caller-owned data (no allocation).
dnnl::memory wrap(const dnnl::memory::desc& desc, const float* data);

/// Runs `fn`, turning a dnnl::error into gantry::Error that names the primitive and the shapes.
template <typename Fn>
auto guarded(const char* primitive, const std::string& shapes, Fn&& fn) -> decltype(fn());
[[noreturn]] void rethrow(const dnnl::error& e, const char* primitive, const std::string& shapes);

template <typename Fn>
auto guarded(const char* primitive, const std::string& shapes, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const dnnl::error& e) {
        rethrow(e, primitive, shapes);
    }
}

/// Primitives (and whatever else is expensive to build) created once per key, kept for the life of
/// the process: a training loop asks for the same shapes every iteration.
template <typename Entry>
class PrimitiveCache {
public:
    /// The entry for `key` under the current thread count: oneDNN fixes a primitive's work split
    /// (and scratchpad) when it is created, so a primitive made for 1 thread never serves 2.
    template <typename Make>
    Entry& get(const std::string& key, Make&& make) {
        const std::string full_key = std::to_string(omp_get_max_threads()) + '#' + key;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(full_key);
        if (it == entries_.end())
            it = entries_.emplace(full_key, std::make_unique<Entry>(make())).first;
        return *it->second;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
};

inline std::string to_key(const Shape& s) { return s.str(); }
inline std::string to_key(const char* s) { return s; }
inline std::string to_key(const std::string& s) { return s; }
inline std::string to_key(bool v) { return v ? "1" : "0"; }
inline std::string to_key(int v) { return std::to_string(v); }
inline std::string to_key(int64_t v) { return std::to_string(v); }
// Exact bits: two parameters that print alike (1e-12 and 0 with %f) must not share a primitive.
inline std::string to_key(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return std::to_string(bits);
}
inline std::string to_key(const dnnl::memory::dims& d) {
    std::string s;
    for (auto v : d) s += std::to_string(v) + ',';
    return s;
}


/// A key from any printable values: key_of("conv", shape, stride...).
template <typename... Args>
std::string key_of(const Args&... args) {
    std::string key;
    ((key += to_key(args), key += '|'), ...);
    return key;
}
}  // namespace gantry::kernels
