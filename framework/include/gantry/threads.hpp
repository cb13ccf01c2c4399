// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>

namespace gantry {

/// Sets the number of threads oneDNN primitives and Gantry's loops use (<= 0: all cores).
void set_num_threads(int threads);
int num_threads();
/// The instruction set oneDNN dispatches to on this machine, e.g. "avx512_core_bf16".
std::string cpu_isa();

}  // namespace gantry
