#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the object count under each image of a gantry sample grid (docs/results.md, "Counting").

    python3 tools/count_grid.py RUN/samples/iter-000003000.png OUT.png [--size 32] [--padding 2]
        [--threshold 0] [--min-area 4] [--counts 1,2,3,4]

The grid is the one `gantry run` writes (io::image_grid: gray cells of --size pixels, --padding
black pixels around each). Each cell is counted as the counting_metrics plugin counts it: pixels
above --threshold (in [-1, 1]; byte > 127.5 * (threshold + 1)) form 8-connected components, and
components of fewer than --min-area pixels are ignored. Under each cell a strip shows the count;
a count outside --counts (one the data never has) is drawn black on white. Prints the histogram.
Python's standard library only (zlib for the PNG)."""
import argparse
import struct
import sys
import zlib

FONT = {  # 3x5 digits
    "0": ["111", "101", "101", "101", "111"], "1": ["010", "110", "010", "010", "111"],
    "2": ["111", "001", "111", "100", "111"], "3": ["111", "001", "111", "001", "111"],
    "4": ["101", "101", "111", "001", "001"], "5": ["111", "100", "111", "001", "111"],
    "6": ["111", "100", "111", "101", "111"], "7": ["111", "001", "010", "010", "010"],
    "8": ["111", "101", "111", "101", "111"], "9": ["111", "101", "111", "001", "111"],
}


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (0, 2) or interlace:
                sys.exit(f"{path}: expected an 8-bit gray or RGB PNG without interlace")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = 1 if color == 0 else 3
    raw, stride = zlib.decompress(idat), width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([sum(line[x * channels:(x + 1) * channels]) // channels for x in range(width)])
        prev = line
    return width, height, rows


def write_png(path, rows):
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)


def count(cell, cut, min_area):
    h, w = len(cell), len(cell[0])
    on = [[v > cut for v in row] for row in cell]
    objects = 0
    for y0 in range(h):
        for x0 in range(w):
            if not on[y0][x0]:
                continue
            on[y0][x0], stack, area = False, [(y0, x0)], 0
            while stack:
                y, x = stack.pop()
                area += 1
                for yy in (y - 1, y, y + 1):
                    for xx in (x - 1, x, x + 1):
                        if 0 <= yy < h and 0 <= xx < w and on[yy][xx]:
                            on[yy][xx] = False
                            stack.append((yy, xx))
            objects += area >= min_area
    return objects


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("grid")
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--padding", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=0.0)
    ap.add_argument("--min-area", type=int, default=4)
    ap.add_argument("--counts", default="1,2,3,4")
    a = ap.parse_args()
    width, height, rows = read_png(a.grid)
    s, p = a.size, a.padding
    cols, nrows = (width - p) // (s + p), (height - p) // (s + p)
    if cols * (s + p) + p != width or nrows * (s + p) + p != height:
        sys.exit(f"{a.grid}: {width}x{height} is not a grid of {s}-pixel cells with padding {p}")
    possible = {int(k) for k in a.counts.split(",")}
    cut = 127.5 * (a.threshold + 1.0)
    strip = 7
    out = [[0] * width for _ in range(height + nrows * strip)]
    hist = {}
    for r in range(nrows):
        for c in range(cols):
            y0, x0 = p + r * (s + p), p + c * (s + p)
            cell = [rows[y0 + y][x0:x0 + s] for y in range(s)]
            k = count(cell, cut, a.min_area)
            hist[k] = hist.get(k, 0) + 1
            oy = y0 + r * strip
            for y in range(s):
                out[oy + y][x0:x0 + s] = cell[y]
            fg, bg = (255, 0) if k in possible else (0, 255)
            for y in range(strip - 1):
                out[oy + s + y][x0:x0 + s] = [bg] * s
            text = str(k)
            tx = x0 + (s - 4 * len(text) + 1) // 2
            for i, ch in enumerate(text):
                for y, bits in enumerate(FONT[ch]):
                    for x, bit in enumerate(bits):
                        if bit == "1":
                            out[oy + s + y][tx + 4 * i + x] = fg
    write_png(a.out, out)
    print(" ".join(f"{k}:{v}" for k, v in sorted(hist.items())))


if __name__ == "__main__":
    main()
