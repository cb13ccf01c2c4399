// SPDX-License-Identifier: Apache-2.0
// gantry/precision.hpp: here because the ISA question is oneDNN's.
#include "gantry/precision.hpp"

#include "kernels/context.hpp"

namespace gantry {

namespace {
thread_local Precision t_precision = Precision::fp32;
}  // namespace

const char* to_string(Precision precision) { return precision == Precision::bf16 ? "bf16" : "fp32"; }

Precision precision() { return t_precision; }

PrecisionScope::PrecisionScope(Precision precision) : previous_(t_precision) { t_precision = precision; }

PrecisionScope::~PrecisionScope() { t_precision = previous_; }

std::string missing_cpu_isa(Precision precision) {
    if (precision == Precision::fp32) return {};
    // oneDNN's ISA values are nested bit sets: an ISA includes every one whose bits it holds
    // (avx512_core_amx includes avx512_core_bf16; avx2_vnni does not).
    const auto needed = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
    const auto effective = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    return (effective & needed) == needed ? std::string() : std::string("avx512_core_bf16");
}

}  // namespace gantry
