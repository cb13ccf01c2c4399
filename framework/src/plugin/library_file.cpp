// SPDX-License-Identifier: Apache-2.0
// ELF pre-checks. Boost.DLL's library_info trusts the section headers it reads (sizes and offsets
// go straight into allocations and seeks), so a truncated or foreign file is checked here first:
// the aim is a clear message for an accident (a text file, a half-copied library, an ARM build),
// not defence against a hostile file — the host dlopens these files anyway.
#include "library_file.hpp"

#include <elf.h>

#include <boost/dll/library_info.hpp>

#include <cstring>
#include <fstream>

namespace gantry::plugin::detail {

namespace {

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#elif defined(__powerpc64__)
constexpr uint16_t kHostMachine = EM_PPC64;
#elif defined(__riscv)
constexpr uint16_t kHostMachine = EM_RISCV;
#else
#define GANTRY_NO_MACHINE_CHECK
#endif

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
using Ehdr = Elf64_Ehdr;
using Shdr = Elf64_Shdr;
using Sym = Elf64_Sym;
constexpr unsigned char kHostClass = ELFCLASS64;
#define GANTRY_ELF_ST_BIND ELF64_ST_BIND
#define GANTRY_ELF_ST_VISIBILITY ELF64_ST_VISIBILITY
#else
using Ehdr = Elf32_Ehdr;
using Shdr = Elf32_Shdr;
using Sym = Elf32_Sym;
constexpr unsigned char kHostClass = ELFCLASS32;
#define GANTRY_ELF_ST_BIND ELF32_ST_BIND
#define GANTRY_ELF_ST_VISIBILITY ELF32_ST_VISIBILITY
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kHostData = ELFDATA2LSB;
#else
constexpr unsigned char kHostData = ELFDATA2MSB;
#endif

const char* class_name(unsigned char c) {
    return c == ELFCLASS64 ? "64-bit" : c == ELFCLASS32 ? "32-bit" : "unknown-class";
}

}  // namespace

std::string elf_problem(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot be opened for reading";
    in.seekg(0, std::ios::end);
    const auto size = static_cast<uint64_t>(in.tellg());
    in.seekg(0);

    unsigned char ident[EI_NIDENT] = {};
    in.read(reinterpret_cast<char*>(ident), sizeof ident);
    if (in.gcount() < 4 || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
        return "not an ELF file (no \\x7fELF header)";
    if (static_cast<size_t>(in.gcount()) < sizeof ident) return "file too short for an ELF header";
    if (ident[EI_CLASS] != kHostClass)
        return std::string("wrong ELF class: ") + class_name(ident[EI_CLASS]) +
               " library, this gantry is " + class_name(kHostClass);
    if (ident[EI_DATA] != kHostData) return "wrong byte order for this machine";

    Ehdr header{};
    in.seekg(0);
    in.read(reinterpret_cast<char*>(&header), sizeof header);
    if (static_cast<size_t>(in.gcount()) < sizeof header) return "file too short for an ELF header";
    if (header.e_type != ET_DYN)
        return "an ELF file but not a shared library (e_type " + std::to_string(header.e_type) + ")";
#ifndef GANTRY_NO_MACHINE_CHECK
    if (header.e_machine != kHostMachine)
        return "built for another CPU architecture (ELF machine " +
               std::to_string(header.e_machine) + ", this gantry is " +
               std::to_string(kHostMachine) + ")";
#endif
    if (header.e_shnum == 0 || header.e_shentsize != sizeof(Shdr) ||
        header.e_shstrndx >= header.e_shnum)
        return "not a valid ELF file (no usable section headers)";
    const uint64_t table_end =
        static_cast<uint64_t>(header.e_shoff) + uint64_t{header.e_shnum} * sizeof(Shdr);
    if (header.e_shoff == 0 || table_end > size)
        return "file too short: truncated (section headers end at byte " +
               std::to_string(table_end) + ", file has " + std::to_string(size) + ")";

    in.seekg(static_cast<std::streamoff>(header.e_shoff));
    for (unsigned i = 0; i < header.e_shnum; ++i) {
        Shdr section{};
        in.read(reinterpret_cast<char*>(&section), sizeof section);
        if (!in) return "file too short: truncated section headers";
        if (section.sh_type == SHT_NOBITS) continue;
        if (static_cast<uint64_t>(section.sh_offset) + section.sh_size > size)
            return "file too short: truncated (section " + std::to_string(i) + " ends past byte " +
                   std::to_string(size) + ")";
    }
    return {};
}

namespace {

// Boost 1.74's library_info only reads .symtab, which `strip` removes; an installed or packaged
// plugin is usually stripped, yet its exported aliases are still in .dynsym. Call only after
// elf_problem() found the section headers in bounds.
std::vector<std::string> dynamic_symbols_in(const std::string& path, const char* section_name) {
    std::ifstream in(path, std::ios::binary);
    in.exceptions(std::ios::failbit | std::ios::badbit | std::ios::eofbit);
    Ehdr header{};
    in.read(reinterpret_cast<char*>(&header), sizeof header);
    std::vector<Shdr> sections(header.e_shnum);
    in.seekg(static_cast<std::streamoff>(header.e_shoff));
    in.read(reinterpret_cast<char*>(sections.data()),
            static_cast<std::streamsize>(sections.size() * sizeof(Shdr)));

    auto read_section = [&](const Shdr& section) {
        std::string bytes(section.sh_size, '\0');
        in.seekg(static_cast<std::streamoff>(section.sh_offset));
        in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return bytes;
    };
    auto name_at = [](const std::string& table, size_t offset) -> std::string {
        if (offset >= table.size()) return {};
        const size_t end = table.find('\0', offset);
        return table.substr(offset, end == std::string::npos ? std::string::npos : end - offset);
    };

    const std::string section_names = read_section(sections[header.e_shstrndx]);
    size_t wanted = 0;
    for (size_t i = 1; i < sections.size() && wanted == 0; ++i)
        if (name_at(section_names, sections[i].sh_name) == section_name) wanted = i;
    if (wanted == 0) return {};

    std::vector<std::string> out;
    for (const Shdr& table : sections) {
        if (table.sh_type != SHT_DYNSYM || table.sh_link >= sections.size()) continue;
        const std::string symbols = read_section(table);
        const std::string names = read_section(sections[table.sh_link]);
        for (size_t at = 0; at + sizeof(Sym) <= symbols.size(); at += sizeof(Sym)) {
            Sym symbol;
            std::memcpy(&symbol, symbols.data() + at, sizeof symbol);
            if (symbol.st_shndx != wanted || GANTRY_ELF_ST_BIND(symbol.st_info) == STB_LOCAL ||
                GANTRY_ELF_ST_VISIBILITY(symbol.st_other) != STV_DEFAULT)
                continue;
            if (std::string name = name_at(names, symbol.st_name); !name.empty())
                out.push_back(std::move(name));
        }
    }
    return out;
}

}  // namespace

std::vector<std::string> gantry_section_symbols(const std::string& path) {
    boost::dll::library_info info(boost::dll::fs::path(path), /*throw_if_not_native_format=*/true);
    std::vector<std::string> symbols = info.symbols("gantry");
    if (symbols.empty()) symbols = dynamic_symbols_in(path, "gantry");
    return symbols;
}

}  // namespace gantry::plugin::detail
