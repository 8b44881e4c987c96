# Copyright 2026 The jetson_dnn_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
Image size from the file header, before any pixel is decoded.

A 386 KB PNG can hold a 20000 × 20000 image: decoding it costs 1.2 GB. :func:`header_size`
reads width and height from the first bytes of PNG, JPEG, BMP, GIF, WebP, PNM and TIFF data, so
a caller can refuse an image above a pixel budget before ``cv2.imdecode`` allocates it.
OpenCV has no header-only reader in Python; these layouts are fixed by their specifications.
"""

import struct
from typing import Optional, Tuple

_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""JPEG start-of-frame markers (baseline, progressive, lossless, …; not DHT/JPG/DAC)."""


def _png(b: bytes):
    if len(b) >= 24 and b[12:16] == b'IHDR':
        return struct.unpack('>II', b[16:24])
    return None


def _jpeg(b: bytes):
    i = 2
    while i + 9 < len(b):
        if b[i] != 0xFF:
            return None
        marker = b[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack('>H', b[i + 2:i + 4])
        if marker in _JPEG_SOF:
            h, w = struct.unpack('>HH', b[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def _bmp(b: bytes):
    if len(b) >= 26:
        w, h = struct.unpack('<ii', b[18:26])
        return abs(w), abs(h)
    return None


def _gif(b: bytes):
    return struct.unpack('<HH', b[6:10]) if len(b) >= 10 else None


def _webp(b: bytes):
    kind = b[12:16]
    if kind == b'VP8 ' and len(b) >= 30:
        w, h = struct.unpack('<HH', b[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b'VP8L' and len(b) >= 25:
        (bits,) = struct.unpack('<I', b[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b'VP8X' and len(b) >= 30:
        w = int.from_bytes(b[24:27], 'little') + 1
        h = int.from_bytes(b[27:30], 'little') + 1
        return w, h
    return None


def _pnm(b: bytes):
    fields = []
    for line in b[2:].split(b'\n'):
        line = line.split(b'#', 1)[0]
        fields += line.split()
        if len(fields) >= 2:
            try:
                return int(fields[0]), int(fields[1])
            except ValueError:
                return None
    return None


def _tiff(b: bytes):
    order = '<' if b[:2] == b'II' else '>'
    try:
        (ifd,) = struct.unpack(order + 'I', b[4:8])
        (count,) = struct.unpack(order + 'H', b[ifd:ifd + 2])
        size = {}
        for k in range(count):
            entry = b[ifd + 2 + 12 * k:ifd + 14 + 12 * k]
            tag, kind = struct.unpack(order + 'HH', entry[:4])
            if tag in (256, 257):
                fmt = order + ('H' if kind == 3 else 'I')
                size[tag] = struct.unpack(fmt, entry[8:8 + struct.calcsize(fmt)])[0]
        return (size[256], size[257]) if len(size) == 2 else None
    except (struct.error, KeyError):
        return None


def header_size(data) -> Optional[Tuple[int, int]]:
    """
    Return ``(width, height)`` in pixels from an encoded image's header, or None.

    :param data: the encoded bytes (bytes, memoryview, uint8 ndarray, …).
    :return: the size the header declares, or None for a format this function does not read
        (or a header it cannot parse; the decoder then decides).
    """
    view = memoryview(data).cast('B')
    b = bytes(view[:1 << 16])
    if b.startswith(b'\x89PNG\r\n\x1a\n'):
        return _png(b)
    if b.startswith(b'\xff\xd8'):  # the frame header follows EXIF/ICC segments of any size
        return _jpeg(bytes(view))
    if b.startswith(b'BM'):
        return _bmp(b)
    if b[:6] in (b'GIF87a', b'GIF89a'):
        return _gif(b)
    if b[:4] == b'RIFF' and b[8:12] == b'WEBP':
        return _webp(b)
    if len(b) > 2 and b[0:1] == b'P' and b[1:2] in b'123456':
        return _pnm(b)
    if b[:4] in (b'II*\x00', b'MM\x00*'):
        return _tiff(b)
    return None


__all__ = ['header_size']
