"""Hostile image content, built on the fly: what strangers' media URLs may serve."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noisy(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def png_with_header_size(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims another size (what a decompression bomb looks like up front)."""
    data = bytearray(encode(Image.new("RGB", (1, 1))))
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def decompression_bomb() -> bytes:
    """42 megapixels of one colour in a few kilobytes: over the 40 Mpx limit once decoded."""
    return encode(Image.new("1", (7_000, 6_000)), optimize=True)


def truncated_png() -> bytes:
    """The first 2,000 bytes of a noisy 64x64 PNG: a valid header, then the data stops."""
    return encode(noisy(64, 64))[:2000]
