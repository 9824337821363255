#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# toy2d's browser test, last part: is the screenshot a picture, not a blank page? Decodes the PNG
# (8-bit RGB or RGBA, non-interlaced, as Chromium writes it) with zlib alone and prints the number
# of distinct colours; exits 1 when there are fewer than the minimum given.
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def colours(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"toy2d_screenshot: {path} is not a PNG file")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour_type, interlace = header[8], header[9], header[12]
    if depth != 8 or colour_type not in (2, 6) or interlace:
        sys.exit(f"toy2d_screenshot: {path}: only 8-bit RGB(A) non-interlaced PNGs are read "
                 f"(bit depth {depth}, colour type {colour_type}, interlace {interlace})")
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous, seen = bytearray(stride), set()
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 255
            elif kind == 2:
                row[i] = (row[i] + b) & 255
            elif kind == 3:
                row[i] = (row[i] + ((a + b) >> 1)) & 255
            elif kind == 4:
                row[i] = (row[i] + paeth(a, b, c)) & 255
        seen.update(bytes(row[i:i + 3]) for i in range(0, stride, bpp))
        previous = row
    return width, height, len(seen)


if __name__ == "__main__":
    width, height, n = colours(sys.argv[1])
    least = int(sys.argv[2])
    print(f"toy2d_screenshot: {sys.argv[1]}: {width} x {height}, {n} distinct colours "
          f"(at least {least} wanted)")
    sys.exit(0 if n >= least else 1)
