// SPDX-License-Identifier: Apache-2.0
#pragma once
/// The arithmetic of convolutions, transposed convolutions and matmuls (the experiment's
/// `precision:` key; docs/performance.md, "bf16 mixed precision"). In the SDK beside threads.hpp:
/// the runtime sets it around each training iteration, and a plugin that must keep some work in
/// fp32 inside an iteration can say so with a PrecisionScope of its own.
#include <string>

namespace gantry {

/// fp32: everything in float. bf16: those products read their operands as bfloat16 on oneDNN's
/// avx512_core_bf16 kernels and accumulate and write float; all else stays float.
enum class Precision { fp32, bf16 };

/// "fp32", "bf16": the spelling of the experiment key and of the bench's JSON.
const char* to_string(Precision precision);

/// The precision the kernels use on this thread (fp32 unless a PrecisionScope says otherwise).
/// Ambient and per thread like autograd's recording switch: the Trainer sets it around its
/// iteration, so every op (and every op of a backward, penalties included) follows without a
/// parameter, and evaluation or sampling outside the iteration stays fp32. The tape records it
/// with each op: an op's backward runs in the precision its forward ran in, so a PrecisionScope
/// around part of a forward covers that part's gradients too (as PyTorch's autocast does).
Precision precision();

/// Sets this thread's precision for its lifetime.
class PrecisionScope {
public:
    explicit PrecisionScope(Precision precision);
    ~PrecisionScope();
    PrecisionScope(const PrecisionScope&) = delete;
    PrecisionScope& operator=(const PrecisionScope&) = delete;

private:
    Precision previous_;
};

/// The instruction set `precision` needs that oneDNN will not use here, "" when it has it: fp32
/// runs everywhere; bf16 needs avx512_core_bf16. Asks oneDNN for its effective ISA, so a cap set
/// with ONEDNN_MAX_CPU_ISA counts as a CPU without it (oneDNN would otherwise emulate bf16 on
/// avx512_core or fall back to its reference kernels, slower than fp32).
std::string missing_cpu_isa(Precision precision);

}  // namespace gantry
