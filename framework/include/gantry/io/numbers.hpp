// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Numbers in text outputs (JSONL, CSV): the shortest decimal that reads back to the same bits,
/// independent of the C and C++ locales, so metrics files compare byte for byte between runs.
/// JSON itself (the JsonLine writer, the reader) is gantry/io/json.hpp.
#include <string>

namespace gantry::io {

/// "0.1", "1e-07", "3", "-0"; non-finite values as "nan", "inf", "-inf".
std::string format_float(float value);
std::string format_double(double value);

}  // namespace gantry::io
