// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "tensor/tensor_impl.hpp"

namespace gantry {

namespace {
constexpr size_t kAlignment = 64;
// Above this many cached bytes, freed buffers go back to the system instead.
constexpr size_t kMaxCachedBytes = size_t{1} << 30;

struct StorageCache {
    std::mutex mutex;
    std::unordered_map<int64_t, std::vector<float*>> free_by_numel;
    size_t cached_bytes = 0;

    void clear() {
        std::lock_guard<std::mutex> lock(mutex);
        for (auto& [numel, buffers] : free_by_numel)
            for (float* p : buffers) std::free(p);
        free_by_numel.clear();
        cached_bytes = 0;
    }
};

// Never destroyed: tensors held by static objects may be freed after main() returns.
StorageCache& cache() {
    static StorageCache* instance = new StorageCache;
    return *instance;
}

size_t bytes_for(int64_t numel) {
    const size_t bytes = static_cast<size_t>(numel > 0 ? numel : 1) * sizeof(float);
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}
}  // namespace

Storage::Storage(int64_t numel) : data_(nullptr), numel_(numel) {
    StorageCache& c = cache();
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        auto it = c.free_by_numel.find(numel);
        if (it != c.free_by_numel.end() && !it->second.empty()) {
            data_ = it->second.back();
            it->second.pop_back();
            c.cached_bytes -= bytes_for(numel);
            return;
        }
    }
    data_ = static_cast<float*>(std::aligned_alloc(kAlignment, bytes_for(numel)));
    if (!data_) throw std::bad_alloc();
}

Storage::~Storage() {
    StorageCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached_bytes + bytes_for(numel_) <= kMaxCachedBytes) {
        c.free_by_numel[numel_].push_back(data_);
        c.cached_bytes += bytes_for(numel_);
    } else {
        std::free(data_);
    }
}

void release_cached_storage() { cache().clear(); }

}  // namespace gantry
