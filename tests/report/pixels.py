"""A small PNG reader for the browser test: 8-bit greyscale/RGB/RGBA, non-interlaced, as Chromium
writes screenshots. Test-only, so that checking a screenshot needs no imaging package."""

from __future__ import annotations

import struct
import zlib

import numpy as np

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}     # PNG colour type -> samples per pixel


def read_png(data: bytes) -> np.ndarray:
    """The image as a (height, width, channels) uint8 array; ValueError for anything else."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    header, compressed, position = None, bytearray(), 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or interlace or colour not in _CHANNELS:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    channels = _CHANNELS[colour]
    return _unfilter(zlib.decompress(bytes(compressed)), width, height, channels)


def _unfilter(raw: bytes, width: int, height: int, channels: int) -> np.ndarray:
    stride = width * channels
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, stride + 1)
    image = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            current = line.copy()
        elif kind == 1:     # Sub: a running sum per channel, modulo 256
            current = np.cumsum(line.reshape(width, channels), axis=0, dtype=np.uint8).reshape(stride)
        elif kind == 2:     # Up
            current = line + previous
        elif kind in (3, 4):
            current = _sequential(kind, line, previous, channels)
        else:
            raise ValueError(f"bad PNG filter type {kind} in row {y}")
        image[y] = current
        previous = current
    return image.reshape(height, width, channels)


def _sequential(kind: int, line: np.ndarray, previous: np.ndarray, channels: int) -> np.ndarray:
    """Average and Paeth filters depend on the byte just decoded, so they go byte by byte."""
    out = bytearray(len(line))
    above = previous.tolist()
    for i, value in enumerate(line.tolist()):
        left = out[i - channels] if i >= channels else 0
        up = above[i]
        if kind == 3:
            out[i] = (value + (left + up) // 2) & 0xFF
            continue
        upper_left = above[i - channels] if i >= channels else 0
        estimate = left + up - upper_left
        pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
        predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else upper_left)
        out[i] = (value + predictor) & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)
