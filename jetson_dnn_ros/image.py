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
Image encodings: buffer views and colour conversion, without ROS.

Encodings follow ``sensor_msgs/image_encodings.hpp`` (ROS 2 Humble): ``yuv422`` is UYVY
(U0 Y0 V0 Y1) and ``yuv422_yuy2`` is YUYV (Y0 U0 Y1 V0). Arrays are row-major, (H, W, C) for
multi-channel encodings and (H, W) for single-channel ones; yuv422 images are (H, W, 2) uint8.
"""

from dataclasses import dataclass
import sys
from typing import Optional

import cv2
from jetson_dnn_ros.errors import ImageEncodingError
import numpy as np


@dataclass(frozen=True)
class EncodingInfo:
    """
    Memory layout of one encoding.

    :param channels: values per pixel (2 for packed yuv422: one chroma and one luma byte).
    :param dtype: numpy dtype of one value (little-endian form).
    :param color: colour order, one of ``rgb``, ``bgr``, ``rgba``, ``bgra``, ``gray``,
        ``uyvy``, ``yuyv`` or ``data`` (non-image values such as depth).
    """

    channels: int
    dtype: str
    color: str

    @property
    def bytes_per_pixel(self) -> int:
        """Return the bytes of one pixel."""
        return self.channels * np.dtype(self.dtype).itemsize


ENCODINGS = {
    'rgb8': EncodingInfo(3, 'uint8', 'rgb'),
    'bgr8': EncodingInfo(3, 'uint8', 'bgr'),
    'rgba8': EncodingInfo(4, 'uint8', 'rgba'),
    'bgra8': EncodingInfo(4, 'uint8', 'bgra'),
    'mono8': EncodingInfo(1, 'uint8', 'gray'),
    'mono16': EncodingInfo(1, 'uint16', 'gray'),
    'yuv422': EncodingInfo(2, 'uint8', 'uyvy'),
    'uyvy': EncodingInfo(2, 'uint8', 'uyvy'),
    'yuv422_yuy2': EncodingInfo(2, 'uint8', 'yuyv'),
    'yuyv': EncodingInfo(2, 'uint8', 'yuyv'),
    '8UC1': EncodingInfo(1, 'uint8', 'gray'),
    '8UC3': EncodingInfo(3, 'uint8', 'bgr'),
    '16UC1': EncodingInfo(1, 'uint16', 'data'),
    '32FC1': EncodingInfo(1, 'float32', 'data'),
}
"""Supported encodings; the first ten are camera inputs, the last four are outputs."""

INPUT_ENCODINGS = ('rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8', 'mono16',
                   'yuv422', 'uyvy', 'yuv422_yuy2', 'yuyv', '8UC1', '8UC3')
"""Encodings the pipeline accepts as camera images."""


def encoding_info(encoding: str) -> EncodingInfo:
    """
    Return the layout of ``encoding``.

    :param encoding: a ``sensor_msgs/image_encodings`` name, e.g. ``bgr8``.
    :return: its :class:`EncodingInfo`.
    :raises ImageEncodingError: if the encoding is not supported.
    """
    try:
        return ENCODINGS[encoding]
    except (KeyError, TypeError):
        raise ImageEncodingError(
            f'unsupported image encoding {encoding!r}; supported: {", ".join(ENCODINGS)}'
        ) from None


def image_from_buffer(data, height: int, width: int, encoding: str,
                      step: Optional[int] = None, is_bigendian: bool = False) -> np.ndarray:
    """
    View a raw image buffer as an array, without copying.

    :param data: the pixel bytes (``bytes``, ``bytearray``, ``memoryview``,
        ``array.array('B')`` or a uint8 ndarray), rows ``step`` bytes apart.
    :param height: rows, > 0.
    :param width: columns, > 0.
    :param encoding: a name from :data:`ENCODINGS`.
    :param step: bytes from one row to the next (>= width × bytes per pixel); ``None`` means
        tightly packed rows.
    :param is_bigendian: byte order of multi-byte values (mono16, 16UC1, 32FC1).
    :return: (H, W) or (H, W, C) array of the encoding's dtype; a view into ``data`` whenever
        the byte order is native (row padding is skipped by strides), else a native copy.
    :raises ImageEncodingError: on an unsupported encoding, a zero size, a step smaller than a
        row, or a buffer shorter than ``step × height``.
    """
    info = encoding_info(encoding)
    height, width = int(height), int(width)
    if height <= 0 or width <= 0:
        raise ImageEncodingError(f'zero-size image: {width}x{height} ({encoding})')
    row_bytes = width * info.bytes_per_pixel
    step = row_bytes if step is None or int(step) == 0 else int(step)
    if step < row_bytes:
        raise ImageEncodingError(
            f'step {step} is smaller than width x bytes per pixel = {width} x '
            f'{info.bytes_per_pixel} = {row_bytes} for {encoding}')
    buf = np.frombuffer(data, dtype=np.uint8)
    needed = step * (height - 1) + row_bytes
    if buf.size < needed:
        raise ImageEncodingError(
            f'truncated image data: {buf.size} bytes, {encoding} {width}x{height} with step '
            f'{step} needs {step * height}')
    itemsize = np.dtype(info.dtype).itemsize
    big = bool(is_bigendian) and itemsize > 1
    dtype = np.dtype(info.dtype).newbyteorder('>' if big else '<')
    shape = (height, width) if info.channels == 1 else (height, width, info.channels)
    strides = (step, info.bytes_per_pixel) if info.channels == 1 else (
        step, info.bytes_per_pixel, itemsize)
    view = np.ndarray(shape, dtype=dtype, buffer=buf, offset=0, strides=strides)
    if itemsize > 1 and (big != (sys.byteorder == 'big')):
        return view.astype(np.dtype(info.dtype))
    return view


def check_image(image: np.ndarray, encoding: str) -> EncodingInfo:
    """
    Check that an array has the shape and dtype its encoding implies.

    :param image: (H, W) or (H, W, C) array.
    :param encoding: a name from :data:`ENCODINGS`.
    :return: the encoding's :class:`EncodingInfo`.
    :raises ImageEncodingError: on a mismatch, a zero size or a non-array.
    """
    info = encoding_info(encoding)
    if not isinstance(image, np.ndarray):
        raise ImageEncodingError(f'expected a numpy array, got {type(image).__name__}')
    if image.ndim not in (2, 3) or image.shape[0] == 0 or image.shape[1] == 0:
        raise ImageEncodingError(f'zero-size or malformed image of shape {image.shape}')
    channels = 1 if image.ndim == 2 else image.shape[2]
    if channels != info.channels or image.dtype != np.dtype(info.dtype):
        raise ImageEncodingError(
            f'{encoding} needs {info.channels} channel(s) of {info.dtype}, got shape '
            f'{image.shape} of {image.dtype}')
    return info


_TO_COLOR = {
    ('rgb', 'rgb'): None, ('bgr', 'bgr'): None, ('gray', 'gray'): None,
    ('rgb', 'bgr'): cv2.COLOR_RGB2BGR, ('bgr', 'rgb'): cv2.COLOR_BGR2RGB,
    ('rgba', 'rgb'): cv2.COLOR_RGBA2RGB, ('rgba', 'bgr'): cv2.COLOR_RGBA2BGR,
    ('bgra', 'rgb'): cv2.COLOR_BGRA2RGB, ('bgra', 'bgr'): cv2.COLOR_BGRA2BGR,
    ('gray', 'rgb'): cv2.COLOR_GRAY2RGB, ('gray', 'bgr'): cv2.COLOR_GRAY2BGR,
    ('rgb', 'gray'): cv2.COLOR_RGB2GRAY, ('bgr', 'gray'): cv2.COLOR_BGR2GRAY,
    ('rgba', 'gray'): cv2.COLOR_RGBA2GRAY, ('bgra', 'gray'): cv2.COLOR_BGRA2GRAY,
    ('uyvy', 'rgb'): cv2.COLOR_YUV2RGB_UYVY, ('uyvy', 'bgr'): cv2.COLOR_YUV2BGR_UYVY,
    ('uyvy', 'gray'): cv2.COLOR_YUV2GRAY_UYVY,
    ('yuyv', 'rgb'): cv2.COLOR_YUV2RGB_YUY2, ('yuyv', 'bgr'): cv2.COLOR_YUV2BGR_YUY2,
    ('yuyv', 'gray'): cv2.COLOR_YUV2GRAY_YUY2,
}


def convert_color(image: np.ndarray, encoding: str, target: str) -> np.ndarray:
    """
    Convert an image to 8-bit ``rgb``, ``bgr`` or ``gray``.

    mono16 is reduced to 8 bits by keeping the high byte (``value >> 8``).

    :param image: (H, W[, C]) array in ``encoding`` (checked with :func:`check_image`).
    :param encoding: the image's encoding.
    :param target: ``rgb`` or ``bgr`` for (H, W, 3) uint8, ``gray`` for (H, W) uint8.
    :return: the converted image; ``image`` itself when no conversion is needed.
    :raises ImageEncodingError: on a mismatched image or an encoding with no colour
        (16UC1, 32FC1).
    """
    info = check_image(image, encoding)
    color = info.color
    if info.dtype == 'uint16' and color == 'gray':
        image = (image >> 8).astype(np.uint8)
    elif info.dtype != 'uint8' or color == 'data':
        raise ImageEncodingError(f'{encoding} holds data, not colour; cannot convert to {target}')
    code = _TO_COLOR.get((color, target), -1)
    if code == -1:
        raise ImageEncodingError(f'cannot convert {encoding} to {target}')
    if code is None:
        return image
    if color in ('uyvy', 'yuyv'):
        if image.shape[1] % 2:
            raise ImageEncodingError(f'{encoding} needs an even width, got {image.shape[1]}')
        image = np.ascontiguousarray(image)
    return cv2.cvtColor(image, code)


DEFAULT_MAX_PIXELS = 1 << 26
"""Largest image (width × height, 64 MP) :func:`decode_compressed` decodes by default."""


def check_pixels(width: int, height: int, max_pixels: Optional[int], source: str) -> None:
    """
    Refuse an image larger than ``max_pixels`` (None = :data:`DEFAULT_MAX_PIXELS`, 0 = no cap).

    :raises ImageEncodingError: naming the size, the cap and how to raise it.
    """
    cap = DEFAULT_MAX_PIXELS if max_pixels is None else int(max_pixels)
    if cap > 0 and int(width) * int(height) > cap:
        raise ImageEncodingError(
            f'{source}: {width}x{height} = {int(width) * int(height) / 1e6:.1f} MP is larger '
            f'than the decoded-size cap of {cap / 1e6:.1f} MP; refused before decoding (raise '
            'the cap with --max-pixels if the image is trusted)')


def decode_compressed(data, fmt: str = '', source: str = 'compressed image',
                      max_pixels: Optional[int] = None):
    """
    Decode JPEG/PNG/… bytes (a ``sensor_msgs/CompressedImage`` or an image file).

    The codec is detected from the data (``format`` strings such as image_transport's
    ``bgr8; jpeg compressed bgr8`` are informative only). Colour decodes to OpenCV's BGR order:
    ``bgr8`` (``bgra8`` with alpha); grey to ``mono8`` (``mono16`` for 16-bit PNG/TIFF); 16-bit
    colour keeps its high byte.

    Supported sample types are unsigned 8 and 16 bits with 1, 3 or 4 channels. Floating-point
    (HDR: Radiance ``.hdr``, float TIFF, OpenEXR) and signed-integer images are refused: they
    have no defined mapping to 8-bit camera colour (that would need a tone-mapping choice).

    :param data: the encoded bytes (bytes, array.array, uint8 ndarray, …).
    :param fmt: the message's ``format`` string ('' for files).
    :param source: what the bytes are, for error messages (a file path, a topic, …).
    :param max_pixels: decoded-size cap in pixels, checked from the header before decoding
        (formats whose header is not read are checked after); None = :data:`DEFAULT_MAX_PIXELS`,
        0 = no cap.
    :return: ``(image, encoding)``: (H, W) or (H, W, C) array and its encoding.
    :raises ImageEncodingError: on empty data, ``compressedDepth`` data, an image over the
        cap, bytes that do not decode, or a decoded image that is not unsigned 8/16-bit with
        1, 3 or 4 channels.
    """
    if 'compresseddepth' in str(fmt).replace(' ', '').lower():
        raise ImageEncodingError(f'{source}: compressedDepth images are not supported '
                                 f'(format {fmt!r})')
    buf = np.frombuffer(data, np.uint8)
    if buf.size == 0:
        raise ImageEncodingError(f'{source}: empty image data (format {fmt!r})')
    from jetson_dnn_ros.imageheader import header_size
    size = header_size(buf)
    if size is not None:
        check_pixels(size[0], size[1], max_pixels, source)
    try:
        image = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise ImageEncodingError(f'{source}: cannot decode {buf.size} bytes (format {fmt!r}): '
                                 f'{exc}') from exc
    if image is None or image.size == 0:
        raise ImageEncodingError(f'{source}: cannot decode {buf.size} bytes (format {fmt!r}); '
                                 'the data is corrupt or not an image format OpenCV reads')
    check_pixels(image.shape[1], image.shape[0], max_pixels, source)
    channels = 1 if image.ndim == 2 else image.shape[2]
    if image.dtype not in (np.uint8, np.uint16) or channels not in (1, 3, 4):
        kind = ('floating-point (HDR)' if image.dtype.kind == 'f' else
                'signed-integer' if image.dtype.kind == 'i' else str(image.dtype))
        raise ImageEncodingError(
            f'{source}: decoded a {kind} image ({image.dtype}, {channels} channel(s), format '
            f'{fmt!r}); only unsigned 8- or 16-bit images with 1, 3 or 4 channels are '
            'supported: convert it to 8-bit (e.g. tone-map HDR) first')
    if image.ndim == 2:
        return image, 'mono16' if image.dtype == np.uint16 else 'mono8'
    if image.dtype != np.uint8:
        image = (image >> 8).astype(np.uint8)
    return image, 'bgra8' if image.shape[2] == 4 else 'bgr8'


def to_bgr8(image: np.ndarray, encoding: str) -> np.ndarray:
    """Return the image as (H, W, 3) uint8 BGR (OpenCV's order), converting if needed."""
    return convert_color(image, encoding, 'bgr')


def to_rgb8(image: np.ndarray, encoding: str) -> np.ndarray:
    """Return the image as (H, W, 3) uint8 RGB, converting if needed."""
    return convert_color(image, encoding, 'rgb')


def image_size(image: np.ndarray) -> tuple:
    """Return ``(height, width)`` of an (H, W[, C]) image in pixels."""
    return int(image.shape[0]), int(image.shape[1])
