// SPDX-License-Identifier: Apache-2.0
#pragma once
/// Named tensors (module parameters, optimizer state, RNG states) and the one file format Gantry
/// stores them in: the tensor file.
///
/// A StateDict maps names to f32 tensors, like PyTorch's state_dict(). Everything a checkpoint
/// holds is a tensor, so module, optimizer and RNG entries merge into one map under prefixes
/// ("generator.", "optimizer.generator.", ...) and one file.
///
/// Integers and doubles (step counts, RNG counters, hyperparameters) are stored losslessly as a
/// rank-1 tensor of four floats, each an integer in [0, 65535]: the 16-bit limbs of the 64-bit
/// value (a uint64, or the IEEE-754 bits of a double), least significant first. Every such
/// integer is exact in f32, so the value survives anything that preserves float values — not
/// only a bit-exact copy — and a reader can tell a damaged or mistyped entry from a valid one.
/// (Two 32-bit halves would not do: f32 holds integers exactly only up to 2^24.)
///
/// A tensor file is a StateDict plus a JSON metadata object. Run checkpoints (`.gck`, the run's
/// state in the metadata: gantry/io/checkpoint.hpp), the reference classifier's weights and the
/// image metrics' feature caches (`.gtf`) are all tensor files. Format version 1, every integer
/// little-endian, tensor data raw IEEE-754 f32 in row-major order (docs/run-directory.md has the
/// table with offsets):
///
///     "GANTRYTF"  u32 format version  u32 tensor count
///     u64 metadata length  u32 metadata CRC32C  u32 table CRC32C  u64 table length
///     metadata: a JSON object, stored byte for byte
///     tensor table, by name in ascending byte order, per tensor: u32 name length, name,
///         u32 dtype (1 = f32), u32 rank, rank x u64 dims, u64 data offset (from the file's
///         start), u64 data length, u32 data CRC32C
///     tensor data in table order, each tensor starting on a 64-byte boundary, zero padding
///     "GTFTRAIL"  u64 file length  u32 CRC32C of every byte before this field
///
/// The encoding is canonical: a TensorFile has exactly one encoding and the reader accepts only
/// that one (order, offsets and padding are checked too), so decoding then encoding gives back
/// the same bytes. The reader bounds every count and length by the bytes really there and by the
/// caps below, with overflow-checked arithmetic, before it allocates anything; any damage is a
/// DataError naming the source and the part ("<source> is corrupt: tensor 'w' CRC mismatch").
///
/// Older files: checkpoints of the format before this one ("GANTRYCK" version 1, the same layout
/// without the dtype field and with the trailer "GCKTRAIL") are still read. GTSD state dicts (the
/// earlier weights format) are refused with a message saying how to re-create them.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "gantry/random.hpp"
#include "gantry/tensor.hpp"

namespace gantry {

using StateDict = std::map<std::string, Tensor>;

/// The tensor file version written; readers refuse newer ones.
inline constexpr uint32_t kTensorFileVersion = 1;
/// Caps a reader enforces beyond the file's size (a writer refuses to exceed them too).
inline constexpr uint32_t kMaxTensorNameLength = 4096;
inline constexpr uint32_t kMaxTensorCount = uint32_t{1} << 20;
inline constexpr uint64_t kMaxTensorFileMetadata = uint64_t{64} << 20;

struct TensorFile {
    /// A JSON object: what the writer says about the tensors (a checkpoint's iteration, config
    /// hash, ...). Stored byte for byte.
    std::string metadata_json = "{}";
    /// By unique name of 1 to kMaxTensorNameLength bytes; every tensor defined.
    StateDict tensors;
};

/// The file's bytes (the values are copied; the tensors are not modified). Throws gantry::Error,
/// before producing anything, when the metadata is not a JSON object, a name is empty or too
/// long, a tensor is undefined, or a cap is exceeded.
std::string encode_tensor_file(const TensorFile& file);
/// Parses and verifies a whole file held in memory; `source` names it in messages (e.g.
/// "checkpoint runs/x/checkpoints/ckpt-000002000.gck"). Throws DataError.
TensorFile decode_tensor_file(std::string_view bytes, const std::string& source);

/// encode_tensor_file then io::atomic_write: crash-safe and durable. Throws OutputError when the
/// file cannot be written (a previous file at `path` then stays intact).
void write_tensor_file(const std::filesystem::path& path, const TensorFile& file);
/// Reads and verifies `path` (its size comes from the file system, never from the file). `what`
/// starts the source in messages: "<what> <path> is corrupt: ...". Throws DataError when the
/// file is missing, unreadable or damaged.
TensorFile read_tensor_file(const std::filesystem::path& path, std::string_view what = "tensor file");

/// A StateDict alone, with the metadata "{}": `save_state_dict(path, net.state_dict())` and
/// `net.load_state_dict(load_state_dict(path))` save and restore a network.
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
