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
Monocular depth: metric depth in metres or relative inverse depth, at source resolution.

Two kinds of output, always stated in :attr:`DepthResult.kind`:

- ``metric``: depth along the optical axis (z) in metres (FastDepth, jetson-inference depthNet,
  metric Depth Anything); decoder ``depth_metric``.
- ``relative_inverse``: affine-invariant inverse depth (disparity-like), larger = nearer, no
  unit and an unknown scale and shift per image (MiDaS, Depth Anything); decoder
  ``depth_relative_inverse``. Never turn it into points.

Point clouds follow REP-103's camera optical frame (x right, y down, z forward) and the pinhole
model of ``sensor_msgs/CameraInfo``; see :func:`depth_to_points`.
"""

from dataclasses import dataclass, replace
from typing import Optional, Sequence, Tuple
import warnings

from jetson_dnn_ros.errors import ImageEncodingError, ModelError
from jetson_dnn_ros.tasks.base import Decoder, freeze, register_decoder
import numpy as np

KINDS = ('metric', 'relative_inverse')


@dataclass(frozen=True)
class DepthResult:
    """
    Dense depth of one image.

    :param depth: (H, W) float32 at the source image size (or scaled by the ``depth_size``
        option); metres along the optical axis for ``metric``, relative inverse depth (larger
        = nearer, no unit) for ``relative_inverse``.
    :param kind: ``metric`` or ``relative_inverse``.
    :param image_size: (height, width) of the source image in pixels.
    :param colormap: colour map the overlay uses (option ``colormap``), see
        :func:`colorize_depth`.
    :param equalize: overlay histogram equalisation (option ``depth_equalize``).
    """

    depth: np.ndarray
    kind: str
    image_size: Tuple[int, int]
    colormap: str = 'viridis_inverted'
    equalize: bool = False
    task = 'depth'

    def to_dict(self) -> dict:
        """Return a JSON-serialisable summary: min/max/median of the valid values and kind."""
        valid = self.depth[_valid(self.depth, self.kind)]
        stats = ({'min': float(valid.min()), 'max': float(valid.max()),
                  'median': float(np.median(valid))} if valid.size else
                 {'min': None, 'max': None, 'median': None})
        return {'task': self.task, 'kind': self.kind,
                'unit': 'm' if self.kind == 'metric' else 'relative_inverse',
                'image_size': list(self.image_size),
                'depth_size': list(self.depth.shape[:2]), **stats}


def _valid(depth: np.ndarray, kind: str) -> np.ndarray:
    valid = np.isfinite(depth)
    if kind == 'metric':
        valid &= depth > 0
    return valid


def colorize_depth(depth: np.ndarray, kind: str, colormap: str = 'viridis_inverted',
                   equalize: bool = False,
                   range: Optional[Tuple[float, float]] = None  # noqa: A002 (contract name)
                   ) -> np.ndarray:
    """
    Colour a depth map, near and far ends fixed whatever the kind.

    Values are normalised to a distance order ``d`` in [0, 1] (0 = nearest): for ``metric``
    ``d = (depth - lo) / (hi - lo)``, for ``relative_inverse`` (larger = nearer)
    ``d = (hi - value) / (hi - lo)``. ``lo``/``hi`` are ``range`` or the frame's min/max of
    the valid values. With the default ``viridis_inverted`` (jetson-inference depthNet) near is
    yellow and far is dark purple; ``viridis``, ``turbo``, ``inferno`` put near at their low
    end (dark purple, dark blue, black). Invalid pixels (non-finite, or <= 0 m) are black.

    :param depth: (H, W) float depth (metres or relative inverse depth).
    :param kind: ``metric`` or ``relative_inverse``.
    :param colormap: see :data:`jetson_dnn_ros.colormaps.COLORMAPS`, optionally ``_inverted``.
    :param equalize: equalise the histogram of ``d`` (its cumulative distribution over 4096
        levels, valid pixels only), as depthNet's histogram-equalised visualisation, to spread
        the colours over the depths present.
    :param range: fixed (lo, hi) in the depth's units; values outside are clipped.
    :return: (H, W, 3) uint8 RGB.
    :raises ValueError: on an unknown kind or colour map.
    """
    from jetson_dnn_ros.colormaps import apply_colormap
    if kind not in KINDS:
        raise ValueError(f'depth kind must be one of {KINDS}, got {kind!r}')
    depth = np.asarray(depth, np.float32)
    valid = _valid(depth, kind)
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
    elif valid.any():
        lo, hi = float(depth[valid].min()), float(depth[valid].max())
    else:
        lo, hi = 0.0, 1.0
    span = hi - lo if hi > lo else 1.0
    d = (depth - lo) / span if kind == 'metric' else (hi - depth) / span
    d = np.clip(np.nan_to_num(d, nan=1.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    if equalize:
        # histogram equalisation on 4096 levels (finer than the 256 colours, so that a
        # crowded depth band is spread out), over the valid pixels only
        bins = np.minimum((d * 4095.0 + 0.5).astype(np.int32), 4095)
        cdf = np.cumsum(np.bincount(bins[valid], minlength=4096)).astype(np.float64)
        lo_cdf = cdf[cdf > 0][0] if cdf[-1] > 0 else 0.0
        cdf = (cdf - lo_cdf) / max(cdf[-1] - lo_cdf, 1.0)
        d = np.clip(cdf, 0.0, 1.0)[bins]
    order = (d * 255.0 + 0.5).astype(np.uint8)
    return apply_colormap(order, colormap, valid)


_DISTORTION_WARNED = False


def intrinsics_problem(K) -> str:
    """
    Return why a camera matrix cannot back-project points, or ``''`` when it can.

    :param K: (3, 3) matrix or its 9 values row-major (``CameraInfo.k``).
    :return: e.g. ``K must be finite with positive fx, fy, got fx=nan, …``; '' for a usable K.
    """
    k = np.asarray(K, np.float64).reshape(-1)
    if k.size != 9:
        return f'K must be 3x3 (or 9 values), got {k.size} values'
    fx, fy, cx, cy = k[0], k[4], k[2], k[5]
    if not (np.isfinite(k).all() and fx > 0 and fy > 0):
        return (f'K must be finite with positive fx, fy, got fx={fx}, fy={fy}, cx={cx}, '
                f'cy={cy}')
    return ''


def depth_to_points(depth: np.ndarray, K, stride: int = 1, colors: Optional[np.ndarray] = None,
                    distortion=None):
    """
    Back-project a metric depth map to 3-D points in the camera optical frame.

    Pinhole model of ``sensor_msgs/CameraInfo`` (REP-103 optical frame: x right, y down,
    z forward): ``x = (u - cx) * z / fx``, ``y = (v - cy) * z / fy``, ``z = depth``. Pixel
    centres are at integer coordinates, as OpenCV and CameraInfo intrinsics assume: the
    pixel in column ``u``, row ``v`` has its centre at ``(u, v)``.

    :param depth: (H, W) float depth along the optical axis in metres; only finite depths
        > 0 become points.
    :param K: (3, 3) intrinsic matrix or its 9 values row-major (``CameraInfo.k``), for the
        depth map's own resolution (scale fx, fy, cx, cy with the map if it was resized).
    :param stride: keep every ``stride``-th row and column (decimation), >= 1.
    :param colors: optional (H, W, 3) uint8 image (e.g. RGB) aligned with ``depth``.
    :param distortion: distortion coefficients (``CameraInfo.d``); not applied. Non-zero
        coefficients trigger one ``warnings.warn`` per process: rectify the image first.
    :return: ``(points, point_colors)``: (N, 3) float32 x, y, z in metres, and (N, 3) uint8
        colours of those pixels (None without ``colors``); row-major pixel order.
    :raises ValueError: on a malformed K (not 3 × 3, not finite, fx or fy not > 0, see
        :func:`intrinsics_problem`) or stride.
    :raises ImageEncodingError: if ``colors`` does not match the depth map's size.
    """
    global _DISTORTION_WARNED
    depth = np.asarray(depth)
    if depth.ndim != 2:
        raise ValueError(f'depth must be (H, W), got shape {depth.shape}')
    k = np.asarray(K, np.float64).reshape(-1)
    if k.size != 9:
        raise ValueError(f'K must be 3x3 (or 9 values), got {k.size} values')
    problem = intrinsics_problem(k)
    if problem:
        raise ValueError(problem)
    fx, fy, cx, cy = k[0], k[4], k[2], k[5]
    stride = int(stride)
    if stride < 1:
        raise ValueError(f'stride must be >= 1, got {stride}')
    if distortion is not None and np.any(np.asarray(distortion, np.float64) != 0):
        if not _DISTORTION_WARNED:
            _DISTORTION_WARNED = True
            warnings.warn('depth_to_points ignores distortion coefficients; rectify the '
                          'image (image_proc) for exact points', stacklevel=2)
    if colors is not None:
        colors = np.asarray(colors)
        if colors.shape[:2] != depth.shape or colors.ndim != 3:
            raise ImageEncodingError(f'colors must be (H, W, C) with H, W = {depth.shape}, '
                                     f'got {colors.shape}')
    z = depth[::stride, ::stride].astype(np.float32, copy=False)
    rows = np.arange(0, depth.shape[0], stride, dtype=np.float32)
    cols = np.arange(0, depth.shape[1], stride, dtype=np.float32)
    keep = np.isfinite(z) & (z > 0)
    vi, ui = np.nonzero(keep)
    zk = z[vi, ui]
    points = np.empty((zk.size, 3), np.float32)
    points[:, 0] = (cols[ui] - np.float32(cx)) * zk / np.float32(fx)
    points[:, 1] = (rows[vi] - np.float32(cy)) * zk / np.float32(fy)
    points[:, 2] = zk
    point_colors = None
    if colors is not None:
        point_colors = np.ascontiguousarray(colors[::stride, ::stride][vi, ui, :3],
                                            dtype=np.uint8)
    return points, point_colors


def _squeeze_depth(raw: np.ndarray) -> np.ndarray:
    raw = np.asarray(raw)
    squeezed = raw.reshape([d for d in raw.shape if d != 1]) if raw.ndim > 2 else raw
    if squeezed.ndim != 2:
        raise ModelError(f'depth output must hold one (h, w) map, e.g. (1, 1, h, w) or '
                         f'(1, h, w); got shape {raw.shape}')
    return squeezed


class _DepthDecoder(Decoder):
    task = 'depth'
    kind = 'metric'

    def check_outputs(self, outputs) -> None:
        """Check that the chosen output holds one map (a single non-unit h, w pair)."""
        name = self.config.get('output')
        spec = next((o for o in outputs if o.name == name), None) if name else outputs[0]
        if spec is None:
            raise ModelError(f'{self.decoder_name}: output {name!r} not in '
                             f'{[o.name for o in outputs]}')
        big = [d for d in spec.shape if d != 1]
        if len(spec.shape) < 2 or len(spec.shape) > 4 or len(big) > 2:
            raise ModelError(f'{self.decoder_name} needs a (1, 1, h, w), (1, h, w) or (h, w) '
                             f'output; {spec.name!r} has shape {spec.shape}')

    def values(self, raw: np.ndarray) -> np.ndarray:
        """Return the network-grid map as float32 in this decoder's units."""
        return np.ascontiguousarray(_squeeze_depth(raw), np.float32)

    def decode(self, outputs, transform, params) -> DepthResult:
        """Return the depth map resized to the source size (times option ``depth_size``)."""
        grid = self.values(self.output(outputs, 'output'))
        scale = float(params.options.get('depth_size', 1.0) or 1.0)
        if scale <= 0:
            raise ModelError(f'depth_size must be > 0, got {scale}')
        target = transform
        if scale != 1.0:
            h, w = transform.source_size
            sh, sw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
            target = replace(transform, source_size=(sh, sw), scale_x=transform.scale_x * w / sw,
                             scale_y=transform.scale_y * h / sh)
        interp = 'nearest' if params.filter_mode == 'point' else 'linear'
        from jetson_dnn_ros.tasks.segmentation import resample_to_source
        depth = resample_to_source(grid, target, interp)
        return DepthResult(depth=freeze(depth.astype(np.float32, copy=False)), kind=self.kind,
                           image_size=tuple(transform.source_size),
                           colormap=str(params.options.get('colormap', 'viridis_inverted')),
                           equalize=bool(params.options.get('depth_equalize', False)))


@register_decoder('depth_metric')
class MetricDepthDecoder(_DepthDecoder):
    """
    Metric depth in metres (FastDepth, jetson-inference depthNet ``depth`` [1, 1, h, w]).

    Config: ``output`` (default: the first output), ``scale`` and ``shift`` so that
    ``depth = raw * scale + shift`` metres (defaults 1 and 0; e.g. 0.001 for millimetres).
    """

    kind = 'metric'

    def values(self, raw):
        """Return ``raw * scale + shift`` as float32 metres."""
        grid = super().values(raw)
        scale, shift = float(self.config.get('scale', 1.0)), float(self.config.get('shift', 0.0))
        if scale != 1.0 or shift != 0.0:
            grid = grid * np.float32(scale) + np.float32(shift)
        return grid


@register_decoder('depth_relative_inverse')
class RelativeInverseDepthDecoder(_DepthDecoder):
    """
    Relative inverse depth, larger = nearer (MiDaS v2.1 [1, h, w], Depth Anything [1, h, w]).

    Config: ``output`` (default: the first output). Values are passed through unscaled.
    """

    kind = 'relative_inverse'


def _draw_depth(image, result: DepthResult, options):
    """Draw depthNet's ``input,depth`` (side by side, default) or ``depth`` (colour map only)."""
    import cv2
    default = ('input', 'depth')
    flags = set(options.flags)
    colormap = next((f for f in flags if f.split('_inverted')[0] in _colormap_names()),
                    result.colormap)
    equalize = result.equalize or 'equalize' in flags
    want_input = options.has('input', default)
    want_depth = options.has('depth', default)
    if not want_depth:
        return image
    h, w = image.shape[:2]
    colored = cv2.cvtColor(colorize_depth(result.depth, result.kind, colormap, equalize),
                           cv2.COLOR_RGB2BGR)
    if colored.shape[:2] != (h, w):
        colored = cv2.resize(colored, (w, h), interpolation=cv2.INTER_NEAREST)
    return np.hstack([image, colored]) if want_input else colored


def _colormap_names():
    from jetson_dnn_ros.colormaps import COLORMAPS
    return COLORMAPS


def _register():
    from jetson_dnn_ros.overlay import register_drawer
    register_drawer('depth')(_draw_depth)


_register()

__all__: Sequence[str] = ['DepthResult', 'MetricDepthDecoder', 'RelativeInverseDepthDecoder',
                          'colorize_depth', 'depth_to_points', 'KINDS']
