// SPDX-License-Identifier: Apache-2.0
#include "html.hpp"

#include <fstream>
#include <sstream>

namespace gantry::report::detail {
namespace fs = std::filesystem;
namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

/// Escaped text with `code` and **bold** turned into tags.
std::string inline_html(const std::string& s) {
    std::string e = escape(s), out;
    bool code = false, bold = false;
    for (size_t i = 0; i < e.size(); ++i) {
        if (e[i] == '`') {
            out += code ? "</code>" : "<code>";
            code = !code;
        } else if (!code && e.compare(i, 2, "**") == 0) {
            out += bold ? "</b>" : "<b>";
            bold = !bold;
            ++i;
        } else {
            out += e[i];
        }
    }
    if (code) out += "</code>";
    if (bold) out += "</b>";
    return out;
}

/// Markdown table cells may not hold a bare '|'.
std::string md_cell(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    return out;
}

const char* kCss = R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #4477aa;padding-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;color:#234}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}th,td{border:1px solid #ccd;padding:.3em .7em;text-align:left;vertical-align:top}
th{background:#eef2f7}tr.best td{background:#fff4cc;font-weight:600}td{font-variant-numeric:tabular-nums}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.88em;color:#555}
figure.sample{display:inline-block;width:300px;margin:.5em;vertical-align:top}figure.sample img{width:300px;image-rendering:pixelated}
code{background:#f3f3f3;padding:0 .25em;border-radius:3px})";

}  // namespace

std::string base64(const std::string& bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const uint32_t b0 = static_cast<unsigned char>(bytes[i]);
        const uint32_t b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
        const uint32_t b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0;
        const uint32_t v = (b0 << 16) | (b1 << 8) | b2;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? table[v & 63] : '=';
    }
    return out;
}

void Page::heading(const std::string& text) { blocks_.push_back({Block::heading, text, {}, {}, {}, {}, {}, false}); }
void Page::paragraph(const std::string& text) { blocks_.push_back({Block::paragraph, text, {}, {}, {}, {}, {}, false}); }
void Page::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                 std::set<size_t> highlight) {
    blocks_.push_back({Block::table, {}, header, rows, std::move(highlight), {}, {}, false});
}
void Page::figure(const std::string& png, const std::string& caption, const fs::path& base, bool sample) {
    blocks_.push_back({Block::figure, caption, {}, {}, {}, png, fs::path(png).lexically_relative(base).string(), sample});
}

std::string Page::markdown() const {
    std::ostringstream out;
    out << "# Report: " << title_ << "\n\n";
    for (const Block& b : blocks_) {
        switch (b.kind) {
            case Block::heading: out << "## " << b.text << "\n\n"; break;
            case Block::paragraph: out << b.text << "\n\n"; break;
            case Block::table: {
                out << "|";
                for (const std::string& h : b.header) out << " " << md_cell(h) << " |";
                out << "\n|";
                for (size_t i = 0; i < b.header.size(); ++i) out << " --- |";
                out << "\n";
                for (size_t r = 0; r < b.rows.size(); ++r) {
                    out << "|";
                    for (size_t i = 0; i < b.rows[r].size(); ++i) {
                        const std::string cell = md_cell(b.rows[r][i]);
                        out << " " << (b.highlight.count(r) && i < 2 ? "**" + cell + "**" : cell) << " |";
                    }
                    out << "\n";
                }
                out << "\n";
                break;
            }
            case Block::figure: out << "![" << md_cell(b.text) << "](" << b.relative << ")\n\n*" << b.text << "*\n\n"; break;
        }
    }
    return out.str();
}

std::string Page::html() const {
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gantry report: " << escape(title_)
        << "</title>\n<style>" << kCss << "</style></head>\n<body>\n<h1>Gantry report: " << escape(title_) << "</h1>\n";
    for (const Block& b : blocks_) {
        switch (b.kind) {
            case Block::heading: out << "<h2>" << escape(b.text) << "</h2>\n"; break;
            case Block::paragraph: out << "<p>" << inline_html(b.text) << "</p>\n"; break;
            case Block::table: {
                out << "<table><thead><tr>";
                for (const std::string& h : b.header) out << "<th>" << escape(h) << "</th>";
                out << "</tr></thead><tbody>\n";
                for (size_t r = 0; r < b.rows.size(); ++r) {
                    out << (b.highlight.count(r) ? "<tr class=\"best\">" : "<tr>");
                    for (const std::string& cell : b.rows[r]) out << "<td>" << escape(cell) << "</td>";
                    out << "</tr>\n";
                }
                out << "</tbody></table>\n";
                break;
            }
            case Block::figure: {
                std::ifstream in(b.path, std::ios::binary);
                std::stringstream bytes;
                bytes << in.rdbuf();
                out << (b.sample ? "<figure class=\"sample\">" : "<figure>") << "<img alt=\"" << escape(b.text)
                    << "\" src=\"data:image/png;base64," << base64(bytes.str()) << "\"><figcaption>" << escape(b.text)
                    << "</figcaption></figure>\n";
                break;
            }
        }
    }
    out << "</body></html>\n";
    return out.str();
}

}  // namespace gantry::report::detail
