// SPDX-License-Identifier: Apache-2.0
#include "gantry/io/png.hpp"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "gantry/error.hpp"
#include "io/atomic_file.hpp"
#include "io/posix_io.hpp"

// libpng reports errors by longjmp. A longjmp must not cross a C++ frame with live destructors,
// so every function below that calls setjmp keeps only trivially destructible locals, and every
// C++ object (buffers, messages) lives in a caller's frame or in the context struct.

namespace gantry::io {

namespace {
struct PngContext {
    // Encoding: the growing output. Decoding: the input and a read position.
    std::string* out = nullptr;
    bool out_of_memory = false;
    const char* in = nullptr;
    size_t in_size = 0;
    size_t in_pos = 0;
    char message[256] = {};
};

void on_error(png_structp png, png_const_charp message) {
    auto* ctx = static_cast<PngContext*>(png_get_error_ptr(png));
    std::snprintf(ctx->message, sizeof ctx->message, "%s", message);
    png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

void on_write(png_structp png, png_bytep data, png_size_t size) {
    auto* ctx = static_cast<PngContext*>(png_get_io_ptr(png));
    bool failed = false;
    try {
        ctx->out->append(reinterpret_cast<const char*>(data), size);
    } catch (...) {
        failed = true;
    }
    // png_error outside the catch block: longjmp out of a handler would leak the exception.
    if (failed) {
        ctx->out_of_memory = true;
        png_error(png, "out of memory");
    }
}

void on_flush(png_structp) {}

void on_read(png_structp png, png_bytep data, png_size_t size) {
    auto* ctx = static_cast<PngContext*>(png_get_io_ptr(png));
    if (size > ctx->in_size - ctx->in_pos) png_error(png, "unexpected end of data (truncated file)");
    std::memcpy(data, ctx->in + ctx->in_pos, size);
    ctx->in_pos += size;
}

// Returns false with ctx.message set on a libpng error.
bool encode_rows(PngContext& ctx, int width, int height, int channels, png_bytep* rows) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) return false;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, nullptr);
        return false;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_set_write_fn(png, &ctx, on_write, on_flush);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return true;
}

struct Header {
    png_uint_32 width = 0, height = 0;
    int channels = 0;
    size_t rowbytes = 0;
};

// Stage 1 of decoding: the header, with the transforms that reduce every PNG to 8-bit gray or RGB.
bool decode_header(PngContext& ctx, png_structp png, png_infop info, Header& header) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_read_fn(png, &ctx, on_read);
    png_set_user_limits(png, kMaxPngSide, kMaxPngSide);
    // Ancillary chunks (text, ICC profiles) are not needed; capping them stops memory bombs.
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    png_set_expand(png);  // palette -> RGB, gray < 8 bit -> 8 bit, tRNS -> alpha
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    header.width = png_get_image_width(png, info);
    header.height = png_get_image_height(png, info);
    header.channels = png_get_channels(png, info);
    header.rowbytes = png_get_rowbytes(png, info);
    return true;
}

// Stage 2: the pixels, into rows allocated by the caller.
bool decode_rows(png_structp png, png_infop info, png_bytep* rows) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_read_image(png, rows);
    png_read_end(png, nullptr);
    (void)info;
    return true;
}

// Owns the libpng read structs so that every exit path frees them.
struct ReadStructs {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~ReadStructs() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};
}  // namespace

std::string encode_png(int width, int height, int channels, const uint8_t* pixels) {
    GANTRY_CHECK(width > 0 && height > 0 && width <= kMaxPngSide && height <= kMaxPngSide,
                 "encode_png: expected 1 to ", kMaxPngSide, " pixels per side and ", kMaxPngPixels, " pixels, got ", width, "x",
                 height);
    GANTRY_CHECK(channels == 1 || channels == 3, "encode_png: expected 1 or 3 channels, got ",
                 channels);
    GANTRY_CHECK(pixels != nullptr, "encode_png: pixels are null");
    std::vector<png_bytep> rows(static_cast<size_t>(height));
    const size_t stride = static_cast<size_t>(width) * static_cast<size_t>(channels);
    for (int y = 0; y < height; ++y)
        rows[static_cast<size_t>(y)] = const_cast<png_bytep>(pixels + stride * static_cast<size_t>(y));
    std::string out;
    PngContext ctx;
    ctx.out = &out;
    if (!encode_rows(ctx, width, height, channels, rows.data())) {
        if (ctx.out_of_memory) throw std::bad_alloc();
        throw Error(std::string("encode_png: libpng failed: ") + ctx.message);
    }
    return out;
}

void write_png(const std::filesystem::path& path, int width, int height, int channels,
               const uint8_t* pixels) {
    atomic_write(path, encode_png(width, height, channels, pixels));
}

Image decode_png(std::string_view bytes, const std::string& source) {
    static constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0)
        throw DataError("image " + source + ": expected a PNG file, got " +
                        (bytes.size() < 8 ? std::to_string(bytes.size()) + " bytes" : "other data"));
    PngContext ctx;
    ctx.in = bytes.data();
    ctx.in_size = bytes.size();
    ReadStructs s;
    s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (s.png) s.info = png_create_info_struct(s.png);
    if (!s.png || !s.info) throw std::bad_alloc();
    Header header;
    if (!decode_header(ctx, s.png, s.info, header))
        throw DataError("image " + source + ": not a valid PNG: " + ctx.message);
    if (header.width == 0 || header.height == 0 || header.width > kMaxPngSide ||
        header.height > kMaxPngSide ||
        static_cast<uint64_t>(header.width) * header.height > kMaxPngPixels ||
        (header.channels != 1 && header.channels != 3) ||
        header.rowbytes != static_cast<size_t>(header.width) * static_cast<size_t>(header.channels))
        throw DataError(gantry::detail::concat("image ", source, ": expected an 8-bit gray or RGB image of at most ",
                                       kMaxPngSide, " pixels per side and ", kMaxPngPixels, " pixels, got ", header.width, "x",
                                       header.height, " with ", header.channels, " channels"));
    Image image;
    image.width = static_cast<int>(header.width);
    image.height = static_cast<int>(header.height);
    image.channels = header.channels;
    image.pixels.resize(header.rowbytes * header.height);
    std::vector<png_bytep> rows(header.height);
    for (size_t y = 0; y < header.height; ++y) rows[y] = image.pixels.data() + y * header.rowbytes;
    if (!decode_rows(s.png, s.info, rows.data()))
        throw DataError("image " + source + ": not a valid PNG: " + ctx.message);
    return image;
}

Image read_png_image(const std::filesystem::path& path) {
    return decode_png(detail::read_file_bytes(path, "image"), path.string());
}

std::vector<uint8_t> planar_pixels(const Image& image) {
    const size_t plane = static_cast<size_t>(image.width) * static_cast<size_t>(image.height);
    const auto channels = static_cast<size_t>(image.channels);
    std::vector<uint8_t> out(plane * channels);
    for (size_t c = 0; c < channels; ++c)
        for (size_t p = 0; p < plane; ++p) out[c * plane + p] = image.pixels[p * channels + c];
    return out;
}

Tensor read_png(const std::filesystem::path& path) {
    const Image image = read_png_image(path);
    Tensor t = Tensor::empty(Shape{image.channels, image.height, image.width});
    float* out = t.data();
    const size_t plane = static_cast<size_t>(image.height) * static_cast<size_t>(image.width);
    for (size_t p = 0; p < plane; ++p)
        for (int c = 0; c < image.channels; ++c)
            out[static_cast<size_t>(c) * plane + p] =
                static_cast<float>(image.pixels[p * static_cast<size_t>(image.channels) + static_cast<size_t>(c)]) / 255.f;
    return t;
}

}  // namespace gantry::io
