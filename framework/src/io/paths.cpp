// SPDX-License-Identifier: Apache-2.0
#include "io/paths.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "gantry/error.hpp"

namespace gantry::io {

namespace {
// Printable form of a refused name: control bytes would garble the terminal the error lands on.
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out.size() > 80 ? out.substr(0, 77) + "..." : out;
}

[[noreturn]] void refuse(std::string_view what, std::string_view value, std::string_view reason) {
    throw OutputError(gantry::detail::concat(what, ": expected a safe path, got '", printable(value), "' (",
                                     reason, ")"));
}

std::vector<std::string_view> split_components(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start) parts.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return parts;
}

bool has_control(std::string_view text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return true;
    }
    return false;
}
}  // namespace

std::filesystem::path resolve_output_path(std::string_view user_path, std::string_view what) {
    if (user_path.empty()) refuse(what, user_path, "empty");
    if (user_path.find('\0') != std::string_view::npos) refuse(what, user_path, "contains a NUL byte");
    if (user_path.size() > kMaxPathBytes) refuse(what, user_path, "longer than 4095 bytes");
    for (const auto part : split_components(user_path))
        if (part.size() > kMaxComponentBytes)
            refuse(what, user_path, "a component is longer than 255 bytes");
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(std::filesystem::path(std::string(user_path)), ec);
    if (ec) throw OutputError(gantry::detail::concat(what, ": cannot resolve '", printable(user_path), "': ",
                                             ec.message()));
    auto normal = absolute.lexically_normal();
    // "/a/b/" normalises to "/a/b/"; drop the empty filename so callers can append names.
    if (normal.has_parent_path() && normal.filename().empty()) normal = normal.parent_path();
    if (normal.native().size() > kMaxPathBytes) refuse(what, user_path, "longer than 4095 bytes once absolute");
    return normal;
}

void check_path_component(std::string_view name, std::string_view what) {
    if (name.empty()) refuse(what, name, "empty");
    if (name == "." || name == "..") refuse(what, name, "'.' and '..' are not names");
    if (name.find('/') != std::string_view::npos) refuse(what, name, "contains '/'");
    if (name.find('\0') != std::string_view::npos) refuse(what, name, "contains a NUL byte");
    if (has_control(name)) refuse(what, name, "contains a control character");
    if (name.size() > kMaxComponentBytes) refuse(what, name, "longer than 255 bytes");
}

std::filesystem::path safe_join(const std::filesystem::path& root, std::string_view relative) {
    constexpr std::string_view what = "safe_join";
    if (relative.empty()) refuse(what, relative, "empty");
    if (relative.find('\0') != std::string_view::npos) refuse(what, relative, "contains a NUL byte");
    if (has_control(relative)) refuse(what, relative, "contains a control character");
    if (relative.front() == '/') refuse(what, relative, "absolute; expected a name inside " + root.string());
    std::filesystem::path joined = root;
    bool any = false;
    for (const auto part : split_components(relative)) {
        if (part == ".") continue;
        if (part == "..") refuse(what, relative, "'..' would leave " + root.string());
        if (part.size() > kMaxComponentBytes) refuse(what, relative, "a component is longer than 255 bytes");
        joined /= std::string(part);
        any = true;
        // A symbolic link below the root could lead anywhere: refuse it rather than follow it.
        struct stat st {};
        if (::lstat(joined.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
            refuse(what, relative, joined.string() + " is a symbolic link");
    }
    if (!any) refuse(what, relative, "names the root itself");
    if (joined.native().size() > kMaxPathBytes) refuse(what, relative, "longer than 4095 bytes");
    return joined;
}

}  // namespace gantry::io
