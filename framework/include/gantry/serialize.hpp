// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Named tensors (module parameters, optimizer state, RNG states) and their on-disk format.
///
/// A StateDict maps names to f32 tensors, like PyTorch's state_dict(). Everything a checkpoint
/// holds is a tensor, so module, optimizer and RNG entries merge into one map under prefixes
/// ("generator.", "optim_g.", ...) and one file.
///
/// Integers and doubles (step counts, RNG counters, hyperparameters) are stored losslessly as a
/// rank-1 tensor of four floats, each an integer in [0, 65535]: the 16-bit limbs of the 64-bit
/// value (a uint64, or the IEEE-754 bits of a double), least significant first. Every such
/// integer is exact in f32, so the value survives anything that preserves float values — not
/// only a bit-exact copy — and a reader can tell a damaged or mistyped entry from a valid one.
/// (Two 32-bit halves would not do: f32 holds integers exactly only up to 2^24.)
///
/// File format, version 1, all little-endian:
///   "GTSD"                      magic, 4 bytes
///   u32 version                 1
///   u64 count                   number of entries, in ascending name order
///   count x entry:
///     u32 name_length           1 .. kMaxNameLength
///     name_length bytes         the name
///     u32 rank                  0 .. Shape::kMaxRank
///     rank x i64 dims           each >= 0
///     numel x f32               row-major values
///   u32 crc32                   CRC-32 (IEEE) of every preceding byte, from the magic on
/// Size fields are checked against the bytes left in the stream before anything is allocated (a
/// stream that cannot seek, such as a pipe, is read in 1 MiB slices instead), so a damaged header
/// cannot ask for gigabytes; any truncation or corruption raises DataError (a gantry::Error).
///
/// This is the in-memory and stream form of named tensors; gantry/io/checkpoint.hpp stores a
/// StateDict (its `tensors`, the same map type) inside a run's checkpoint file.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>

#include "gantry/random.hpp"
#include "gantry/tensor.hpp"

namespace gantry {

using StateDict = std::map<std::string, Tensor>;

inline constexpr uint32_t kStateDictFormatVersion = 1;
inline constexpr uint32_t kMaxStateDictNameLength = 4096;

/// Writes `dict` to `out` (the values are copied; the tensors are not modified). Throws
/// gantry::Error for an undefined tensor or a bad name (before writing anything), OutputError
/// when the stream fails.
void write_state_dict(std::ostream& out, const StateDict& dict);
/// Reads one state dict written by write_state_dict, leaving `in` just past it. Throws DataError
/// for truncated, damaged or foreign input.
StateDict read_state_dict(std::istream& in);

/// The same through a file. save_state_dict replaces `path` with io::atomic_write (crash-safe and
/// durable; OutputError on failure). load_state_dict throws DataError when the file is missing,
/// damaged, or has bytes after the state dict.
void save_state_dict(const std::filesystem::path& path, const StateDict& dict);
StateDict load_state_dict(const std::filesystem::path& path);

/// The tensor under `key`; throws gantry::Error naming `where` and the key when it is missing.
const Tensor& state_dict_at(const StateDict& dict, const std::string& key, const char* where);

/// A uint64 / double under `key`, in the four-limb encoding described above.
void put_u64(StateDict& dict, const std::string& key, uint64_t value);
void put_f64(StateDict& dict, const std::string& key, double value);
/// Read them back; throw gantry::Error (naming `where`) when the key is missing or its tensor is
/// not a valid four-limb encoding.
uint64_t get_u64(const StateDict& dict, const std::string& key, const char* where = "get_u64");
double get_f64(const StateDict& dict, const std::string& key, const char* where = "get_f64");

/// An Rng's state as `prefix`seed, `prefix`stream and `prefix`counter.
void put_rng_state(StateDict& dict, const std::string& prefix, const RngState& state);
RngState get_rng_state(const StateDict& dict, const std::string& prefix,
                       const char* where = "get_rng_state");

}  // namespace gantry
