// SPDX-License-Identifier: Apache-2.0
#include "kernels/context.hpp"

#include <omp.h>

#include "gantry/error.hpp"
#include "gantry/threads.hpp"

namespace gantry::kernels {

dnnl::engine& engine() {
    static dnnl::engine instance(dnnl::engine::kind::cpu, 0);
    return instance;
}

dnnl::stream& stream() {
    static dnnl::stream instance(engine());
    return instance;
}

dnnl::memory::dims dims_of(const Shape& shape) {
    if (shape.rank() == 0) return {1};
    return dnnl::memory::dims(shape.dims().begin(), shape.dims().end());
}

dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims) {
    using tag = dnnl::memory::format_tag;
    static const tag tags[] = {tag::a, tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
    GANTRY_ASSERT(!dims.empty() && dims.size() <= 5);
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tags[dims.size()]);
}

dnnl::memory::desc plain_desc(const Shape& shape) { return plain_desc(dims_of(shape)); }

void rethrow(const dnnl::error& e, const char* primitive, const std::string& shapes) {
    throw Error(detail::concat("oneDNN ", primitive, " ", shapes, ": ", e.what(), " (status ",
                               static_cast<int>(e.status), ")"));
}

}  // namespace gantry::kernels

namespace gantry {

void set_num_threads(int threads) {
    omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
}

int num_threads() { return omp_get_max_threads(); }

std::string cpu_isa() {
    using isa = dnnl::cpu_isa;
    switch (dnnl::get_effective_cpu_isa()) {
        case isa::sse41: return "sse41";
        case isa::avx: return "avx";
        case isa::avx2: return "avx2";
        case isa::avx2_vnni: return "avx2_vnni";
        case isa::avx512_core: return "avx512_core";
        case isa::avx512_core_vnni: return "avx512_core_vnni";
        case isa::avx512_core_bf16: return "avx512_core_bf16";
        case isa::avx512_core_amx: return "avx512_core_amx";
        default: return "other";
    }
}

}  // namespace gantry
