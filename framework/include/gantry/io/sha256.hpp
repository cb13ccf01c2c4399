// SPDX-License-Identifier: Apache-2.0
#pragma once
/// SHA-256 (FIPS 180-4), for the checksums of shipped artefacts such as the reference
/// classifier's weights: a CRC catches accidents, a cryptographic hash also names the content.
#include <filesystem>
#include <string>
#include <string_view>

namespace gantry::io {

/// The digest of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);
/// The digest of a whole file. Throws DataError naming the file when it cannot be read.
std::string file_sha256_hex(const std::filesystem::path& path);

}  // namespace gantry::io
