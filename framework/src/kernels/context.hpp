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
#include <vector>

#include "gantry/shape.hpp"

namespace gantry::kernels {

dnnl::engine& engine();
dnnl::stream& stream();

/// oneDNN dims of `shape`; a rank-0 shape becomes (1).
dnnl::memory::dims dims_of(const Shape& shape);
/// The plain row-major layout of `shape` (a, ab, abc, abcd).
dnnl::memory::desc plain_desc(const Shape& shape);
dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims);

/// A primitive's identity: the integers that decide it (algorithm, shapes, flags, float bits).
/// A training step asks for a primitive per op; building and hashing a string key per call cost
/// more than executing a small primitive, so the common key lives inline and never allocates.
class Key {
public:
    Key& add(int64_t v) {
        if (n_ < kInline) inline_[n_] = v;
        else spill_.push_back(v);
        ++n_;
        return *this;
    }
    int64_t size() const { return n_; }
    int64_t at(int64_t i) const {
        return i < kInline ? inline_[static_cast<size_t>(i)]
                           : spill_[static_cast<size_t>(i - kInline)];
    }
    bool operator==(const Key& o) const {
        if (n_ != o.n_) return false;
        for (int64_t i = 0; i < n_; ++i)
            if (at(i) != o.at(i)) return false;
        return true;
    }
    size_t hash() const {
        uint64_t h = 1469598103934665603ull;
        for (int64_t i = 0; i < n_; ++i) {
            h ^= static_cast<uint64_t>(at(i)) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        }
        return static_cast<size_t>(h);
    }
    /// For error messages only.
    std::string str() const {
        std::string s;
        for (int64_t i = 0; i < n_; ++i) s += std::to_string(at(i)) + '|';
        return s;
    }

private:
    static constexpr int64_t kInline = 24;
    int64_t inline_[kInline];
    int64_t n_ = 0;
    std::vector<int64_t> spill_;  // only for keys longer than kInline (concat of many inputs)
};

struct KeyHash {
    size_t operator()(const Key& k) const { return k.hash(); }
};

inline void add_to_key(Key& k, const Shape& s) {
    k.add(s.rank());
    for (int i = 0; i < s.rank(); ++i) k.add(s[i]);
}
inline void add_to_key(Key& k, bool v) { k.add(v ? 1 : 0); }
inline void add_to_key(Key& k, int v) { k.add(v); }
inline void add_to_key(Key& k, int64_t v) { k.add(v); }
// Exact bits: two parameters that print alike (1e-12 and 0 with %f) must not share a primitive.
inline void add_to_key(Key& k, float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    k.add(bits);
}
inline void add_to_key(Key& k, const dnnl::memory::dims& d) {
    k.add(static_cast<int64_t>(d.size()));
    for (auto v : d) k.add(v);
}
inline void add_to_key(Key& k, const Key& inner) {
    k.add(inner.size());
    for (int64_t i = 0; i < inner.size(); ++i) k.add(inner.at(i));
}

/// A key from values: key_of(static_cast<int>(alg), shape, stride...).
template <typename... Args>
Key key_of(const Args&... args) {
    Key key;
    (add_to_key(key, args), ...);
    return key;
}

/// Runs `fn`, turning a dnnl::error into gantry::Error that names the primitive and the key.
template <typename Fn>
auto guarded(const char* primitive, const Key& key, Fn&& fn) -> decltype(fn());
[[noreturn]] void rethrow(const dnnl::error& e, const char* primitive, const std::string& shapes);

template <typename Fn>
auto guarded(const char* primitive, const Key& key, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const dnnl::error& e) {
        rethrow(e, primitive, key.str());
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
    Entry& get(const Key& key, Make&& make) {
        Key full_key;
        full_key.add(omp_get_max_threads());
        add_to_key(full_key, key);
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(full_key);
        if (it == entries_.end())
            it = entries_.emplace(std::move(full_key), std::make_unique<Entry>(make())).first;
        return *it->second;
    }

private:
    std::mutex mutex_;
    std::unordered_map<Key, std::unique_ptr<Entry>, KeyHash> entries_;
};

/// Memory objects over caller buffers, made once per cache entry and rebound per call: creating
/// a dnnl::memory allocates, and an execute needs its argument map, so both are kept.
struct BoundArgs {
    std::unordered_map<int, dnnl::memory> args;
    // Rebinding mutates shared handles: one caller at a time per entry.
    std::unique_ptr<std::mutex> busy = std::make_unique<std::mutex>();

    void add(int arg, const dnnl::memory::desc& md) {
        args.emplace(arg, dnnl::memory(md, engine(), DNNL_MEMORY_NONE));
    }
    void bind(int arg, const float* data) {
        args.at(arg).set_data_handle(const_cast<float*>(data));
    }

    /// The two arguments of a src -> dst primitive (eltwise, softmax, reduction, resampling, ...).
    void add_src_dst(const dnnl::memory::desc& src, const dnnl::memory::desc& dst) {
        add(DNNL_ARG_SRC, src);
        add(DNNL_ARG_DST, dst);
    }
    /// A src -> dst primitive's whole call: bind both buffers, execute, wait.
    void run_src_dst(const dnnl::primitive& prim, const float* src, float* dst) {
        std::lock_guard<std::mutex> hold(*busy);
        bind(DNNL_ARG_SRC, src);
        bind(DNNL_ARG_DST, dst);
        prim.execute(stream(), args);
        stream().wait();
    }
};

}  // namespace gantry::kernels
