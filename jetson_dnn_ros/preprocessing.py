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
Turn a camera image into a network input tensor, and map network pixels back to the source.

Coordinates are continuous pixel coordinates: pixel ``(col, row)`` covers ``[col, col + 1)``,
so its centre is at ``col + 0.5``. A :class:`GeometricTransform` maps source-image
coordinates to network-input coordinates as ``net = src * scale + offset`` per axis; every
decoder uses its inverse so that results are always in source-image pixels.

Normalisation is ``(pixel * scale - mean) / std`` per channel, with ``pixel`` in 0..255 and
``mean``/``std`` in the scaled units (e.g. ``scale = 1/255``, ImageNet ``mean = (0.485,
0.456, 0.406)``, ``std = (0.229, 0.224, 0.225)`` as torchvision's models use).
"""

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Optional, Tuple

import cv2
from jetson_dnn_ros.errors import ImageEncodingError
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.image import check_image
from jetson_dnn_ros.image import convert_color
from jetson_dnn_ros.image import encoding_info
import numpy as np

RESIZE_MODES = ('stretch', 'letterbox', 'center_crop')
ALIGNMENTS = ('center', 'top_left')
COLORS = ('rgb', 'bgr', 'gray')
LAYOUTS = ('NCHW', 'NHWC')
DTYPES = ('float32', 'float16')
SIZE_ROUNDINGS = ('round', 'floor')
INTERPOLATIONS = {'linear': cv2.INTER_LINEAR, 'nearest': cv2.INTER_NEAREST,
                  'area': cv2.INTER_AREA, 'cubic': cv2.INTER_CUBIC}


def _triple(value, name) -> Tuple[float, ...]:
    if np.isscalar(value):
        return (float(value),) * 3
    values = tuple(float(v) for v in value)
    if len(values) not in (1, 3):
        raise ModelError(f'{name} needs 1 or 3 values, got {len(values)}')
    return values * 3 if len(values) == 1 else values


@dataclass(frozen=True)
class PreprocessSpec:
    """
    How a model wants its input.

    :param width: network input width in pixels.
    :param height: network input height in pixels.
    :param resize: ``stretch`` (ignore aspect ratio), ``letterbox`` (keep aspect ratio, pad)
        or ``center_crop`` (resize the shorter side to ``resize_shorter``, crop the centre).
    :param align: letterbox placement, ``center`` or ``top_left`` (YOLOX).
    :param pad_value: letterbox fill in 0..255 pixel units, before normalisation
        (114 in YOLOX/YOLOv5/v8).
    :param resize_shorter: shorter-side length for ``center_crop``; ``None`` means
        ``round(max(width, height) / 0.875)`` (256 for 224, as torchvision's ImageNet eval).
    :param color: channel order the network expects, ``rgb``, ``bgr`` or ``gray``.
    :param scale: multiplier applied to 0..255 pixel values.
    :param mean: per-channel mean in scaled units, in the network's channel order.
    :param std: per-channel standard deviation in scaled units.
    :param layout: ``NCHW`` or ``NHWC``.
    :param dtype: ``float32`` or ``float16``.
    :param interpolation: resize filter, ``linear`` (bilinear, half-pixel centres, as
        OpenCV's ``INTER_LINEAR``), ``nearest``, ``area`` or ``cubic``.
    :param size_rounding: how a letterbox turns ``w × r`` into whole pixels: ``round``
        (ultralytics ``LetterBox``: ``int(round(w * r))``) or ``floor`` (the YOLOX demo's
        ``preproc``: ``int(w * r)``).
    :raises ModelError: on an unknown mode or a non-positive size.
    """

    width: int
    height: int
    resize: str = 'stretch'
    align: str = 'center'
    pad_value: float = 0.0
    resize_shorter: Optional[int] = None
    color: str = 'rgb'
    scale: float = 1.0 / 255.0
    mean: Tuple[float, ...] = (0.0, 0.0, 0.0)
    std: Tuple[float, ...] = (1.0, 1.0, 1.0)
    layout: str = 'NCHW'
    dtype: str = 'float32'
    interpolation: str = 'linear'
    size_rounding: str = 'round'

    def __post_init__(self):
        for value, allowed, name in ((self.resize, RESIZE_MODES, 'resize'),
                                     (self.align, ALIGNMENTS, 'align'),
                                     (self.color, COLORS, 'color'),
                                     (self.layout, LAYOUTS, 'layout'),
                                     (self.dtype, DTYPES, 'dtype'),
                                     (self.interpolation, tuple(INTERPOLATIONS), 'interpolation'),
                                     (self.size_rounding, SIZE_ROUNDINGS, 'size_rounding')):
            if value not in allowed:
                raise ModelError(f'preprocessing {name} {value!r} is not one of {allowed}')
        if int(self.width) <= 0 or int(self.height) <= 0:
            raise ModelError(
                f'network input size must be positive, got {self.width}x{self.height}')
        object.__setattr__(self, 'width', int(self.width))
        object.__setattr__(self, 'height', int(self.height))
        object.__setattr__(self, 'mean', _triple(self.mean, 'mean'))
        object.__setattr__(self, 'std', _triple(self.std, 'std'))
        if any(s == 0 for s in self.std):
            raise ModelError('std must not contain zeros')

    @property
    def channels(self) -> int:
        """Return how many input channels the network takes: 1 for gray, else 3."""
        return 1 if self.color == 'gray' else 3

    @property
    def input_shape(self) -> Tuple[int, int, int, int]:
        """Return the batch-1 tensor shape, (1, C, H, W) or (1, H, W, C)."""
        c, h, w = self.channels, self.height, self.width
        return (1, c, h, w) if self.layout == 'NCHW' else (1, h, w, c)

    def affine(self) -> Tuple[np.ndarray, np.ndarray]:
        """Return per-channel ``(a, b)`` float32 so that ``normalised = pixel * a + b``."""
        n = self.channels
        std = np.asarray(self.std[:n], np.float64)
        a = (self.scale / std).astype(np.float32)
        b = (-np.asarray(self.mean[:n], np.float64) / std).astype(np.float32)
        return a, b

    def with_size(self, width: int, height: int) -> 'PreprocessSpec':
        """Return a copy with another network input size (dynamic-shape models)."""
        return replace(self, width=width, height=height)


@dataclass(frozen=True)
class GeometricTransform:
    """
    Source-image ↔ network-input mapping, ``net = src * scale + offset`` per axis.

    :param source_size: (height, width) of the source image in pixels.
    :param network_size: (height, width) of the network input in pixels.
    :param scale_x: horizontal scale, network pixels per source pixel.
    :param scale_y: vertical scale, network pixels per source pixel.
    :param offset_x: horizontal offset in network pixels (letterbox padding, minus crop).
    :param offset_y: vertical offset in network pixels.
    """

    source_size: Tuple[int, int]
    network_size: Tuple[int, int]
    scale_x: float
    scale_y: float
    offset_x: float = 0.0
    offset_y: float = 0.0

    def to_source(self, xy: np.ndarray) -> np.ndarray:
        """
        Map network-input coordinates to source-image coordinates.

        :param xy: (..., 2) array of (x, y) in network pixels.
        :return: (..., 2) float32 (x, y) in source-image pixels (not clipped).
        """
        xy = np.asarray(xy, np.float32)
        out = np.empty(xy.shape, np.float32)
        out[..., 0] = (xy[..., 0] - self.offset_x) / self.scale_x
        out[..., 1] = (xy[..., 1] - self.offset_y) / self.scale_y
        return out

    def to_network(self, xy: np.ndarray) -> np.ndarray:
        """Map source-image coordinates (..., 2) to network-input coordinates (float32)."""
        xy = np.asarray(xy, np.float32)
        out = np.empty(xy.shape, np.float32)
        out[..., 0] = xy[..., 0] * self.scale_x + self.offset_x
        out[..., 1] = xy[..., 1] * self.scale_y + self.offset_y
        return out

    def boxes_to_source(self, xyxy: np.ndarray, clip: bool = True) -> np.ndarray:
        """
        Map boxes from network-input to source-image pixels.

        :param xyxy: (N, 4) boxes (x1, y1, x2, y2) in network pixels.
        :param clip: clip to the source image, ``[0, width] × [0, height]``.
        :return: (N, 4) float32 xyxy in source-image pixels.
        """
        boxes = np.asarray(xyxy, np.float32).reshape(-1, 4)
        out = self.to_source(boxes.reshape(-1, 2, 2)).reshape(-1, 4)
        if clip:
            h, w = self.source_size
            np.clip(out[:, 0::2], 0.0, float(w), out=out[:, 0::2])
            np.clip(out[:, 1::2], 0.0, float(h), out=out[:, 1::2])
        return out

    def network_region(self) -> Tuple[int, int, int, int]:
        """
        Return the network-input pixels that hold source content, (x0, y0, x1, y1).

        For a letterbox this excludes the padding; integer pixel bounds, end exclusive.
        """
        h, w = self.source_size
        nh, nw = self.network_size
        x0, y0 = self.to_network(np.array([0.0, 0.0]))
        x1, y1 = self.to_network(np.array([float(w), float(h)]))
        return (max(0, int(round(float(x0)))), max(0, int(round(float(y0)))),
                min(nw, int(round(float(x1)))), min(nh, int(round(float(y1)))))

    def map_to_source(self, values: np.ndarray, interpolation: str = 'linear') -> np.ndarray:
        """
        Resample a map on the network grid (logits, labels, depth) to source pixels.

        The map may be at any output stride; its grid is taken to span the whole network
        input, so grid point ``(i, j)`` of an (h, w) map sits at network pixel
        ``((j + 0.5) * W_net / w, (i + 0.5) * H_net / h)``. Each source pixel centre is mapped
        through this transform onto the grid and sampled there. When the source image covers
        whole grid cells (stretch, or a letterbox whose padding is a multiple of the stride)
        that is a crop plus ``cv2.resize`` (same half-pixel grid, exact float weights, fastest);
        otherwise one ``cv2.warpAffine`` (sub-pixel offsets; source pixels outside what the
        network saw, as with a centre crop, take the nearest edge value).

        :param values: (h, w) or (h, w, C) uint8, uint16, int16 or float32 map.
        :param interpolation: ``linear`` (bilinear) or ``nearest``/``point``.
        :return: (H_src, W_src) or (H_src, W_src, C) array of the same dtype.
        """
        nh, nw = self.network_size
        mh, mw = values.shape[:2]
        fx, fy = mw / nw, mh / nh
        matrix = np.array([
            [self.scale_x * fx, 0.0, (0.5 * self.scale_x + self.offset_x) * fx - 0.5],
            [0.0, self.scale_y * fy, (0.5 * self.scale_y + self.offset_y) * fy - 0.5]],
            np.float64)
        nearest = interpolation in ('nearest', 'point')
        flag = INTERPOLATIONS['nearest' if nearest else 'linear']
        h, w = self.source_size
        fast = self._grid_crop(fx, fy, mw, mh)
        resize_flag = getattr(cv2, 'INTER_NEAREST_EXACT', None) if nearest else cv2.INTER_LINEAR
        channels = 1 if values.ndim == 2 else values.shape[2]
        if fast is not None and resize_flag is not None and channels <= 512:
            x0, y0, x1, y1 = fast
            out = cv2.resize(values[y0:y1, x0:x1], (int(w), int(h)), interpolation=resize_flag)
            return out[:, :, None] if values.ndim == 3 and out.ndim == 2 else out

        def warp(plane):
            return cv2.warpAffine(np.ascontiguousarray(plane), matrix, (int(w), int(h)),
                                  flags=flag | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REPLICATE)

        if values.ndim == 2:
            return warp(values)
        out = np.empty((int(h), int(w), channels), values.dtype)
        for c in range(0, channels, 4):  # OpenCV warps at most 4 channels at a time
            part = warp(values[:, :, c:c + 4])
            out[:, :, c:c + 4] = part[:, :, None] if part.ndim == 2 else part
        return out

    def _grid_crop(self, fx: float, fy: float, mw: int, mh: int):
        """Return the (x0, y0, x1, y1) grid cells the source covers exactly, or None."""
        h, w = self.source_size
        edges = (self.offset_x * fx, self.offset_y * fy,
                 (self.offset_x + w * self.scale_x) * fx, (self.offset_y + h * self.scale_y) * fy)
        if not all(_is_whole(e) for e in edges):
            return None
        x0, y0, x1, y1 = (int(round(e)) for e in edges)
        if 0 <= x0 < x1 <= mw and 0 <= y0 < y1 <= mh:
            return x0, y0, x1, y1
        return None


def _is_whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-6


def compute_transform(spec: PreprocessSpec, source_size: Tuple[int, int]) -> GeometricTransform:
    """
    Return the geometric transform ``spec`` applies to a source image of this size.

    :param spec: the preprocessing spec.
    :param source_size: (height, width) of the source image in pixels.
    :return: the :class:`GeometricTransform`; its scales use the rounded resized size, so
        it matches the pixels actually produced.
    """
    h, w = int(source_size[0]), int(source_size[1])
    net_w, net_h = spec.width, spec.height
    if spec.resize == 'stretch':
        return GeometricTransform((h, w), (net_h, net_w), net_w / w, net_h / h)
    if spec.resize == 'letterbox':
        r = min(net_w / w, net_h / h)
        whole = int if spec.size_rounding == 'floor' else round
        new_w = max(1, min(net_w, int(whole(w * r))))
        new_h = max(1, min(net_h, int(whole(h * r))))
        if spec.align == 'center':
            ox, oy = (net_w - new_w) // 2, (net_h - new_h) // 2
        else:
            ox, oy = 0, 0
        return GeometricTransform((h, w), (net_h, net_w), new_w / w, new_h / h, ox, oy)
    shorter = spec.resize_shorter or int(round(max(net_w, net_h) / 0.875))
    r = shorter / min(h, w)
    new_w, new_h = max(net_w, int(round(w * r))), max(net_h, int(round(h * r)))
    ox, oy = (new_w - net_w) // 2, (new_h - net_h) // 2
    return GeometricTransform((h, w), (net_h, net_w), new_w / w, new_h / h, -ox, -oy)


class Preprocessor:
    """
    CPU preprocessing of one spec, reusing its output buffer between calls.

    :param spec: the :class:`PreprocessSpec` to apply.
    """

    def __init__(self, spec: PreprocessSpec):
        self.spec = spec
        self._a, self._b = spec.affine()
        self._identity_scale = bool(np.all(self._a == 1.0))
        self._has_offset = bool(np.any(self._b != 0.0))
        # NHWC: per-channel factors tiled along a row, so the arithmetic runs on plain
        # (H, W*C) rows (broadcasting a length-3 axis is several times slower)
        self._a_row = np.tile(self._a, spec.width)
        self._b_row = np.tile(self._b, spec.width)
        self._out = np.empty(spec.input_shape, np.dtype(spec.dtype))

    def __call__(self, image: np.ndarray, encoding: str):
        """
        Preprocess one image.

        :param image: (H, W[, C]) array in ``encoding`` (see :mod:`jetson_dnn_ros.image`).
        :param encoding: the image's encoding, e.g. ``bgr8``.
        :return: ``(tensor, transform)``: the (1, C, H, W) or (1, H, W, C) tensor of the
            spec's dtype (owned by this preprocessor and overwritten by the next call), and
            the :class:`GeometricTransform` from source to network pixels.
        :raises ImageEncodingError: if the image does not match its encoding.
        """
        spec = self.spec
        info = check_image(image, encoding)
        transform = compute_transform(spec, image.shape[:2])
        # colour conversions that need the full image come first; others run after resizing
        early = info.color in ('uyvy', 'yuyv') or info.dtype != 'uint8'
        if early:
            image = convert_color(image, encoding, spec.color)
            encoding = 'mono8' if spec.color == 'gray' else spec.color + '8'
        resized = self._geometry(image, transform)
        if not early:
            resized = convert_color(resized, encoding, spec.color)
        self._normalise(resized)
        return self._out, transform

    def _geometry(self, image: np.ndarray, t: GeometricTransform) -> np.ndarray:
        spec = self.spec
        flag = INTERPOLATIONS[spec.interpolation]
        h, w = image.shape[:2]
        new_w, new_h = int(round(w * t.scale_x)), int(round(h * t.scale_y))
        resized = image if (new_w, new_h) == (w, h) else cv2.resize(
            image, (new_w, new_h), interpolation=flag)
        if resized.ndim == 2 and image.ndim == 3:
            resized = resized[:, :, None]
        if spec.resize == 'stretch':
            return resized
        ox, oy = int(round(t.offset_x)), int(round(t.offset_y))
        if spec.resize == 'center_crop':
            return resized[-oy:-oy + spec.height, -ox:-ox + spec.width]
        pad = [float(spec.pad_value)] * 4
        return cv2.copyMakeBorder(resized, oy, spec.height - new_h - oy, ox,
                                  spec.width - new_w - ox, cv2.BORDER_CONSTANT, value=pad)

    def _normalise(self, pixels: np.ndarray) -> None:
        """Write ``pixels * a + b`` into the output tensor in one or two vectorised passes."""
        out = self._out[0]
        if pixels.ndim == 2:
            pixels = pixels[:, :, None]
        if self.spec.layout == 'NCHW':
            pixels = pixels.transpose(2, 0, 1)
            a, b = self._a[:, None, None], self._b[:, None, None]
        else:
            rows = self.spec.height
            pixels, out = pixels.reshape(rows, -1), out.reshape(rows, -1)
            a, b = self._a_row, self._b_row
        if self._identity_scale:
            np.copyto(out, pixels, casting='unsafe')
        else:
            np.multiply(pixels, a, out=out, casting='unsafe')
        if self._has_offset:
            out += b


def preprocess(image: np.ndarray, encoding: str, spec: PreprocessSpec):
    """
    Preprocess one image with a fresh :class:`Preprocessor` (convenience; see its call).

    :return: ``(tensor, transform)`` with a tensor the caller owns.
    """
    if not isinstance(spec, PreprocessSpec):
        raise TypeError(f'spec must be a PreprocessSpec, got {type(spec).__name__}')
    try:
        encoding_info(encoding)
    except ImageEncodingError:
        raise
    return Preprocessor(spec)(image, encoding)


__all__ = ['PreprocessSpec', 'GeometricTransform', 'Preprocessor', 'compute_transform',
           'preprocess', 'RESIZE_MODES', 'ALIGNMENTS', 'COLORS', 'LAYOUTS', 'DTYPES', 'field']
