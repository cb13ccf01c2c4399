// SPDX-License-Identifier: Apache-2.0
#pragma once
// One report page built once and written twice: as Markdown (images linked) and as one
// self-contained HTML file (CSS inline, PNGs embedded as base64 data URIs).
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace gantry::report::detail {

std::string base64(const std::string& bytes);

class Page {
public:
    explicit Page(std::string title) : title_(std::move(title)) {}
    void heading(const std::string& text);
    /// Markdown-ish text: `code` and **bold** are rendered in HTML too.
    void paragraph(const std::string& text);
    /// `highlight`: the indices of the rows to emphasise (none: empty).
    void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
               std::set<size_t> highlight = {});
    /// An image by path; Markdown links it relative to `base`, HTML embeds it.
    void figure(const std::string& png, const std::string& caption, const std::filesystem::path& base,
                bool sample = false);

    std::string markdown() const;
    std::string html() const;

private:
    struct Block {
        enum Kind { heading, paragraph, table, figure } kind;
        std::string text;
        std::vector<std::string> header;
        std::vector<std::vector<std::string>> rows;
        std::set<size_t> highlight;
        std::string path, relative;
        bool sample = false;
    };
    std::string title_;
    std::vector<Block> blocks_;
};

}  // namespace gantry::report::detail
