// SPDX-License-Identifier: Apache-2.0
#include "io/checkpoint_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "io/posix_io.hpp"

namespace gantry::io {

namespace {
constexpr std::string_view kPrefix = "ckpt-";
constexpr std::string_view kSuffix = ".gck";
constexpr const char* kLatest = "latest";
}  // namespace

std::string checkpoint_file_name(uint64_t iteration) {
    std::string digits = std::to_string(iteration);
    if (digits.size() < 9) digits.insert(0, 9 - digits.size(), '0');
    return std::string(kPrefix) + digits + std::string(kSuffix);
}

std::optional<uint64_t> parse_checkpoint_file_name(const std::string& name) {
    if (name.size() < kPrefix.size() + 9 + kSuffix.size() || !name.starts_with(kPrefix) ||
        !name.ends_with(kSuffix))
        return std::nullopt;
    const std::string digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    if (digits.size() > 20) return std::nullopt;
    uint64_t value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        if (__builtin_mul_overflow(value, uint64_t{10}, &value) ||
            __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value))
            return std::nullopt;
    }
    // Only the canonical spelling is ours: "ckpt-0000000007.gck" is somebody else's file.
    if (checkpoint_file_name(value) != name) return std::nullopt;
    return value;
}

std::vector<std::pair<uint64_t, std::filesystem::path>> list_checkpoints(
    const std::filesystem::path& dir) {
    std::vector<std::pair<uint64_t, std::filesystem::path>> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto iteration = parse_checkpoint_file_name(entry.path().filename().string());
        if (iteration && entry.is_regular_file(ec)) found.emplace_back(*iteration, entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

SavedCheckpoint save_checkpoint(const std::filesystem::path& dir, uint64_t iteration,
                                const CheckpointData& data, int keep) {
    GANTRY_CHECK(keep >= 0, "save_checkpoint: keep must be >= 0, got ", keep);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) detail::throw_output_error(dir, "creating the checkpoint directory", ec.value());
    SavedCheckpoint saved;
    saved.path = dir / checkpoint_file_name(iteration);
    // Durable (fsync'ed, renamed, directory fsync'ed) before `latest` may name it.
    write_checkpoint(saved.path, data);
    atomic_write(dir / kLatest, checkpoint_file_name(iteration) + "\n");
    if (keep == 0) return saved;

    auto all = list_checkpoints(dir);
    std::erase_if(all, [&](const auto& item) { return item.second == saved.path; });
    // The new checkpoint counts as one of the `keep`; the rest are the newest others.
    const size_t others = static_cast<size_t>(keep) - 1;
    if (all.size() <= others) return saved;
    for (size_t i = 0; i + others < all.size(); ++i) {
        const auto& path = all[i].second;
        if (::unlink(path.c_str()) == 0)
            saved.removed.push_back(path);
        else if (errno != ENOENT)
            saved.warnings.push_back(detail::os_error_message(path, "removing an old checkpoint", errno));
    }
    return saved;
}

std::optional<FoundCheckpoint> find_latest_good(const std::filesystem::path& dir) {
    std::vector<std::string> problems;
    std::filesystem::path tried;
    const auto pointer = dir / kLatest;
    std::error_code ec;
    if (std::filesystem::exists(pointer, ec)) {
        std::string name;
        try {
            name = detail::read_file_bytes(pointer, "checkpoint pointer");
        } catch (const DataError& e) {
            problems.push_back(e.what());
        }
        while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
        if (problems.empty()) {
            // `latest` holds a bare file name of ours, never a path: it cannot point elsewhere.
            if (const auto iteration = parse_checkpoint_file_name(name)) {
                tried = dir / name;
                try {
                    FoundCheckpoint found{tried, *iteration, read_checkpoint(tried), false, {}};
                    return found;
                } catch (const DataError& e) {
                    problems.push_back(std::string("latest names a bad checkpoint: ") + e.what());
                }
            } else {
                problems.push_back(pointer.string() + ": expected a checkpoint file name, got '" +
                                   name.substr(0, 60) + "'");
            }
        }
    } else {
        problems.push_back(pointer.string() + " is missing");
    }

    auto all = list_checkpoints(dir);
    if (all.empty()) {
        if (tried.empty() && problems.size() == 1 && !std::filesystem::exists(pointer, ec))
            return std::nullopt;  // a fresh directory: nothing was ever saved
        std::string message = "checkpoints " + dir.string() + ": expected a checkpoint, got none";
        for (const auto& p : problems) message += "; " + p;
        throw DataError(message);
    }
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        if (it->second == tried) continue;
        try {
            FoundCheckpoint found{it->second, it->first, read_checkpoint(it->second), true, {}};
            for (const auto& p : problems) found.note += p + "; ";
            found.note += "using " + it->second.string() + " (iteration " +
                          std::to_string(it->first) + ") instead";
            return found;
        } catch (const DataError& e) {
            problems.push_back(e.what());
        }
    }
    std::string message = "checkpoints " + dir.string() + ": expected one that verifies, got none";
    for (const auto& p : problems) message += "; " + p;
    throw DataError(message);
}

}  // namespace gantry::io
