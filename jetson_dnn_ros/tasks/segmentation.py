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
Semantic segmentation: per-pixel logits or ready label maps to a class map at source size.

Two decoders:

- ``segmentation_logits``: a (1, C, h, w) NCHW or (1, h, w, C) NHWC tensor of logits (or
  probabilities) at any output stride (FCN-ResNet18 as jetson-inference exports it at 1/32,
  SegFormer at 1/4, DeepLabV3 at full resolution). Its grid is taken to span the whole network
  input. ``params.filter_mode`` picks the upsampling, as jetson-inference's ``--filter-mode``:
  ``point`` = argmax on the network grid, then a nearest-neighbour resize of the label map;
  ``linear`` = argmax of the bilinearly upsampled logits.
- ``segmentation_labels``: class ids already computed in the graph (ArgMax inside the model),
  int or float, shaped (1, h, w), (1, 1, h, w), (1, h, w, 1) or (h, w); always resized with
  nearest neighbour.

``linear`` is exact but runs on source-resolution planes, so it is kept cheap: a class can be
the argmax somewhere inside a 2x2 cell of grid points only if its largest corner logit reaches
the best *smallest* corner logit of any class in that cell (bilinear interpolation stays within
the corner range). Only the classes that pass this test in some cell are upsampled, four planes
at a time (OpenCV's channel limit), keeping a running maximum and argmax. On a typical image
that is a handful of classes instead of all C (150 for ADE20K), and memory stays at four
source-size planes.

Grids are resampled with :func:`resample_to_source`: one ``cv2.warpAffine`` with the exact
source-pixel-centre → grid-coordinate mapping, so a letterbox or centre-crop offset that is not
a multiple of the output stride (e.g. 20 px of padding on a stride-32 grid) still lands on the
right source pixels, at about the cost of ``cv2.resize``.
"""

from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.labels import label_of
from jetson_dnn_ros.tasks.base import Decoder, freeze, register_decoder
import numpy as np


@dataclass(frozen=True)
class SegmentationResult:
    """
    Per-pixel classes of one image, at source resolution.

    :param class_map: (H, W) class ids at the source image size; uint8, or uint16 when the
        model has more than 255 classes.
    :param confidence: (H, W) float32 probability in [0, 1] of the chosen class (softmax of the
        logits, or the model's own probabilities), bilinearly resampled; None when the model
        outputs label maps or the decoder's ``confidence`` option is off (the default).
    :param class_fractions: (C,) float32 fraction of the source pixels assigned to each class
        (sums to 1).
    :param labels: C class names (the id as text where the model has no labels).
    :param image_size: (height, width) of the source image in pixels.
    :param palette: (C', 3) uint8 RGB colour per class id (C' >= C), or None for the VOC
        palette.
    :param ignore_class: class id that colour masks and overlays leave undrawn, or None.
    """

    class_map: np.ndarray
    confidence: Optional[np.ndarray]
    class_fractions: np.ndarray
    labels: Tuple[str, ...]
    image_size: Tuple[int, int]
    palette: Optional[np.ndarray] = None
    ignore_class: Optional[int] = None
    task = 'segmentation'

    @property
    def num_classes(self) -> int:
        """Return the number of classes C."""
        return int(self.class_fractions.shape[0])

    def present_classes(self, min_fraction: float = 0.0) -> Tuple[int, ...]:
        """Return the class ids covering more than ``min_fraction`` of the image, largest first."""
        order = np.argsort(-self.class_fractions, kind='stable')
        return tuple(int(c) for c in order if self.class_fractions[c] > min_fraction)

    def fraction_of(self, name: str) -> float:
        """Return the pixel fraction of the class called ``name`` (0 if the class is unknown)."""
        if name in self.labels:
            return float(self.class_fractions[self.labels.index(name)])
        return 0.0

    def color_mask(self) -> np.ndarray:
        """Return the (H, W, 3) uint8 RGB colour mask (ignored class black)."""
        return colorize(self.class_map, self.palette, ignore_class=self.ignore_class)

    def to_dict(self) -> dict:
        """
        Return a JSON-serialisable summary: image size and each present class's fraction.

        Classes with no pixels are left out (C may be 150 or more); the mask is not included.
        """
        classes = [{'class_id': int(c), 'label': label_of(self.labels, int(c)),
                    'fraction': float(self.class_fractions[c])}
                   for c in self.present_classes()]
        return {'task': self.task, 'image_size': list(self.image_size),
                'num_classes': self.num_classes, 'classes': classes}


def colorize(class_map: np.ndarray, palette: Optional[np.ndarray] = None,
             ignore_class: Optional[int] = None) -> np.ndarray:
    """
    Colour a class map with a palette.

    :param class_map: (H, W) uint8/uint16 (any integer dtype) class ids.
    :param palette: (N, 3) uint8 RGB per class id; None = the PASCAL VOC palette. Ids beyond
        the palette get VOC colours.
    :param ignore_class: class id painted black (0, 0, 0), or None.
    :return: (H, W, 3) uint8 RGB.
    """
    from jetson_dnn_ros.colormaps import extend_palette, voc_palette
    class_map = np.asarray(class_map)
    top = int(class_map.max()) + 1 if class_map.size else 1
    table = voc_palette(max(top, 1)) if palette is None else extend_palette(palette, top)
    if ignore_class is not None and 0 <= int(ignore_class) < table.shape[0]:
        table = table.copy()
        table[int(ignore_class)] = 0
    return np.take(table, class_map, axis=0)


def resample_to_source(values: np.ndarray, transform, interpolation: str = 'linear'
                       ) -> np.ndarray:
    """
    Resample a network-grid map to source pixels (``GeometricTransform.map_to_source``).

    :param values: (h, w) or (h, w, C) uint8, uint16, int16 or float32 map.
    :param transform: the image's :class:`~jetson_dnn_ros.preprocessing.GeometricTransform`.
    :param interpolation: ``linear`` (bilinear) or ``nearest``/``point``.
    :return: (H, W) or (H, W, C) array of the same dtype, H, W = ``transform.source_size``.
    """
    return transform.map_to_source(values, interpolation)


def _label_dtype(num_classes: int):
    return np.uint8 if num_classes <= 255 else np.uint16


def _resolve_ignore(value: Any, labels: Optional[Sequence[str]]) -> Optional[int]:
    """Return the class id of ``ignore_class`` (id or name), or None."""
    if value is None or value == '':
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    text = str(value).strip()
    if text.lstrip('-').isdigit():
        return int(text)
    if labels is not None:
        lowered = [lab.lower() for lab in labels]
        if text.lower() in lowered:
            return lowered.index(text.lower())
    raise ModelError(f'ignore_class {value!r} is neither a class id nor one of the labels '
                     f'{list(labels or [])[:20]}…')


def _fractions(class_map: np.ndarray, num_classes: int) -> np.ndarray:
    if class_map.dtype == np.uint8:
        import cv2  # a 256-bin histogram is several times faster than np.bincount
        counts = cv2.calcHist([class_map], [0], None, [256], [0, 256]).reshape(-1)
        counts = np.concatenate([counts, np.zeros(max(0, num_classes - 256))])
    else:
        counts = np.bincount(class_map.ravel(), minlength=num_classes)
    return (counts[:max(num_classes, 1)] / max(1, class_map.size)).astype(np.float32)


class _SegmentationDecoder(Decoder):
    """Shared parts of the segmentation decoders: palette, ignore_class, result."""

    task = 'segmentation'

    def __init__(self, descriptor, labels=None):
        super().__init__(descriptor, labels)
        self._palette_cache = {}

    def palette(self, num_classes: int) -> np.ndarray:
        """Return the model's palette for ``num_classes`` classes (loaded once)."""
        if num_classes not in self._palette_cache:
            from jetson_dnn_ros.colormaps import load_palette
            self._palette_cache[num_classes] = freeze(load_palette(
                self.descriptor.palette, num_classes, self.descriptor.search_dirs()))
        return self._palette_cache[num_classes]

    def make_result(self, class_map, confidence, num_classes, transform, params
                    ) -> SegmentationResult:
        """Build the result: fractions, labels, palette and the resolved ``ignore_class``."""
        labels = tuple(label_of(self.labels, c) for c in range(num_classes))
        ignore = _resolve_ignore(params.options.get('ignore_class'), self.labels)
        return SegmentationResult(
            class_map=freeze(class_map),
            confidence=None if confidence is None else freeze(confidence),
            class_fractions=freeze(_fractions(class_map, num_classes)),
            labels=labels, image_size=tuple(transform.source_size),
            palette=self.palette(num_classes), ignore_class=ignore)


def _output_spec(decoder: Decoder, outputs):
    name = decoder.config.get('output')
    spec = next((o for o in outputs if o.name == name), None) if name else outputs[0]
    if spec is None:
        raise ModelError(f'{decoder.decoder_name}: output {name!r} not in '
                         f'{[o.name for o in outputs]}')
    return spec


def resolve_layout(shape: Sequence, layout: str, num_labels: Optional[int],
                   network_size: Tuple[int, int]) -> str:
    """
    Decide whether a rank-4 score tensor is NCHW or NHWC.

    :param shape: the tensor shape (1, A, B, D); ``None`` for dynamic dimensions.
    :param layout: ``NCHW``, ``NHWC`` or ``auto``.
    :param num_labels: number of class names, or None.
    :param network_size: (height, width) of the network input, used to tell the spatial
        dimensions by their aspect ratio when the labels do not decide.
    :return: ``NCHW`` or ``NHWC``.
    :raises ModelError: if ``auto`` cannot decide; set ``decoder: {layout: …}``.
    """
    layout = str(layout or 'auto').upper()
    if layout in ('NCHW', 'NHWC'):
        return layout
    if layout != 'AUTO':
        raise ModelError(f'segmentation layout must be NCHW, NHWC or auto, got {layout!r}')
    _, a, b, d = shape
    if num_labels:
        if a == num_labels and d != num_labels:
            return 'NCHW'
        if d == num_labels and a != num_labels:
            return 'NHWC'
    nh, nw = network_size
    if None not in (a, b, d):
        nchw = abs(b / d - nh / nw) < 1e-3 * max(1.0, nh / nw) + 1.0 / min(b, d)
        nhwc = abs(a / b - nh / nw) < 1e-3 * max(1.0, nh / nw) + 1.0 / min(a, b)
        if nchw and not nhwc:
            return 'NCHW'
        if nhwc and not nchw:
            return 'NHWC'
        if nchw and nhwc:  # square input: the channel axis is the one that is not square
            if b == d and a != b:
                return 'NCHW'
            if a == b and d != b:
                return 'NHWC'
    raise ModelError(f'cannot tell whether the segmentation output {tuple(shape)} is NCHW or '
                     'NHWC; set decoder: {layout: NCHW} (or NHWC) in the descriptor')


@register_decoder('segmentation_logits')
class SegmentationLogitsDecoder(_SegmentationDecoder):
    """
    Argmax of per-pixel class scores (FCN-ResNet18, DeepLabV3, SegFormer, road models).

    Config (descriptor ``decoder:``):

    - ``output``: output name (default: the first output).
    - ``layout``: ``NCHW``, ``NHWC`` or ``auto`` (default; decided by the label count, then
      by which axes have the network input's aspect ratio).
    - ``activation``: ``softmax`` (default, the output is logits) or ``none`` (the output is
      already probabilities, e.g. road-segmentation-adas-0001); only affects ``confidence``.
    - ``confidence``: also return the per-pixel confidence map at source resolution (default
      false: it costs a softmax over the grid and one more full-resolution resample per frame).

    Run-time options (``params.options``): ``ignore_class`` (id or name) is left undrawn in
    colour masks and overlays; it still counts in the class map and fractions.
    """

    def check_outputs(self, outputs) -> None:
        """Check that the chosen output is a rank-4 (or rank-3) score tensor."""
        if self.config.get('activation', 'softmax') not in ('softmax', 'none'):
            activation = self.config.get('activation')
            raise ModelError(f'segmentation activation must be softmax or none, got '
                             f'{activation!r}')
        spec = _output_spec(self, outputs)
        if len(spec.shape) not in (3, 4):
            raise ModelError(f'segmentation_logits needs a (1, C, h, w) or (1, h, w, C) output; '
                             f'{spec.name!r} has shape {spec.shape}')
        if len(spec.shape) == 4 and None not in spec.shape:
            pre = self.descriptor.preprocess
            layout = resolve_layout(spec.shape, self.config.get('layout', 'auto'),
                                    len(self.labels) if self.labels else None,
                                    (pre.height, pre.width))
            channels = spec.shape[1] if layout == 'NCHW' else spec.shape[3]
            if self.labels is not None and channels != len(self.labels):
                raise ModelError(f'segmentation output {spec.name!r} has {channels} classes '
                                 f'({layout}) but the labels list {len(self.labels)}')

    def scores_hwc(self, raw: np.ndarray, transform) -> np.ndarray:
        """Return the scores as an (h, w, C) array (a view where possible)."""
        raw = np.asarray(raw)
        if raw.ndim == 3:
            raw = raw[None]
        if raw.ndim != 4 or raw.shape[0] != 1:
            raise ModelError(f'segmentation_logits expects a batch-1 rank-4 output, got shape '
                             f'{raw.shape}')
        layout = resolve_layout(raw.shape, self.config.get('layout', 'auto'),
                                len(self.labels) if self.labels else None,
                                transform.network_size)
        return raw[0].transpose(1, 2, 0) if layout == 'NCHW' else raw[0]

    def decode(self, outputs, transform, params) -> SegmentationResult:
        """Return the class map at source resolution (see the module notes on filters)."""
        scores = self.scores_hwc(self.output(outputs, 'output'), transform)
        if scores.dtype != np.float32:
            scores = scores.astype(np.float32)
        num_classes = scores.shape[2]
        dtype = _label_dtype(num_classes)
        want_confidence = bool(self.config.get('confidence', False))
        point = params.filter_mode == 'point' or num_classes == 1
        grid, top = argmax_channels(scores)
        if point:
            class_map = resample_to_source(grid.astype(dtype), transform, 'nearest')
        else:
            class_map = linear_argmax(scores, transform, grid)
        confidence = None
        if want_confidence:
            if self.config.get('activation', 'softmax') == 'softmax':
                # max softmax probability = 1 / sum(exp(l - max l))
                top = 1.0 / np.exp(scores - top[:, :, None]).sum(axis=2)
            confidence = resample_to_source(np.ascontiguousarray(top, np.float32), transform,
                                            'linear')
        return self.make_result(class_map, confidence, num_classes, transform, params)


def candidate_classes(scores: np.ndarray, grid: Optional[np.ndarray] = None) -> np.ndarray:
    """
    Return the classes that can be the argmax of bilinearly interpolated scores.

    Inside a cell of 2x2 neighbouring grid points, bilinear interpolation is a convex
    combination of the corners. Where all four corners have the same argmax ``g``,
    ``score_g - score_c >= 0`` at every corner and so everywhere inside: only ``g`` can win
    (ties go to the lower id, as ``np.argmax`` breaks them). Only cells whose corners disagree
    need the bound test: class ``c`` can win there only if its largest corner value reaches
    the largest smallest-corner value of any class. The result is a superset of the possible
    winners (exact pruning, never a wrong answer), found in time proportional to the cells on
    class boundaries.

    :param scores: (h, w, C) float32 scores on the network grid.
    :param grid: (h, w) argmax of ``scores`` over classes if already known.
    :return: (K,) int64 class ids, ascending.
    """
    h, w, num_classes = scores.shape
    if grid is None:
        grid = np.argmax(scores, axis=2)
    keep = np.bincount(grid.ravel(), minlength=num_classes) > 0
    if h > 1 and w > 1:
        corner_sets = ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(None, -1)),
                       (slice(None, -1), slice(1, None)), (slice(1, None), slice(1, None)))
    elif h > 1 or w > 1:
        first, rest = (slice(None, -1), slice(1, None))
        corner_sets = (((first, slice(None)), (rest, slice(None))) if h > 1 else
                       ((slice(None), first), (slice(None), rest)))
    else:
        return np.flatnonzero(keep)
    labels = [grid[c] for c in corner_sets]
    mixed = np.zeros(labels[0].shape, bool)
    for other in labels[1:]:
        mixed |= labels[0] != other
    iy, ix = np.nonzero(mixed)
    if iy.size:
        corners = [scores[c][iy, ix] for c in corner_sets]  # each (N, C)
        hi = corners[0].copy()
        lo = corners[0].copy()
        for corner in corners[1:]:
            np.maximum(hi, corner, out=hi)
            np.minimum(lo, corner, out=lo)
        keep |= (hi >= lo.max(axis=1, keepdims=True)).any(axis=0)
    return np.flatnonzero(keep)


def linear_argmax(scores: np.ndarray, transform, grid: Optional[np.ndarray] = None
                  ) -> np.ndarray:
    """
    Return the argmax of the bilinearly upsampled scores at source resolution.

    Candidate classes (see :func:`candidate_classes`) are upsampled one plane at a time and
    folded into a running maximum and argmax with OpenCV's vectorised compare/max/masked copy;
    ties keep the lower class id, as ``np.argmax`` does.

    :param scores: (h, w, C) float32 scores on the network grid (any output stride).
    :param transform: the image's :class:`~jetson_dnn_ros.preprocessing.GeometricTransform`.
    :param grid: (h, w) argmax of ``scores`` if already known.
    :return: (H, W) uint8 (uint16 when C > 255) class ids, H, W = the source size.
    """
    import cv2
    dtype = _label_dtype(scores.shape[2])
    classes = candidate_classes(scores, grid)
    h, w = transform.source_size
    best_class = np.full((int(h), int(w)), classes[0], dtype)
    if classes.size == 1:
        return best_class
    best = np.ascontiguousarray(resample_to_source(scores[:, :, classes[0]], transform,
                                                   'linear'))
    fill = np.empty_like(best_class)
    for c in classes[1:]:
        plane = resample_to_source(scores[:, :, c], transform, 'linear')
        better = cv2.compare(plane, best, cv2.CMP_GT)  # uint8 0/255 mask
        cv2.max(plane, best, dst=best)
        fill.fill(c)
        cv2.copyTo(fill, better, best_class)
    return best_class


def argmax_channels(scores: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """
    Return ``(argmax, max)`` over the last axis of an (h, w, C) array.

    Few channels: a loop over channel planes (numpy reduces a short last axis slowly);
    many channels: ``np.argmax``.

    :return: (h, w) int64 class ids and (h, w) float32 maxima.
    """
    if scores.shape[2] > 16:
        idx = np.argmax(scores, axis=2)
        return idx, np.take_along_axis(scores, idx[:, :, None], axis=2)[:, :, 0]
    best = scores[:, :, 0].copy()
    idx = np.zeros(best.shape, np.int64)
    better = np.empty(best.shape, bool)
    for c in range(1, scores.shape[2]):
        plane = scores[:, :, c]
        np.greater(plane, best, out=better)
        np.copyto(best, plane, where=better)
        np.copyto(idx, c, where=better)
    return idx, best


@register_decoder('segmentation_labels')
class SegmentationLabelsDecoder(_SegmentationDecoder):
    """
    Label maps computed in the graph (ArgMax inside the model).

    Config: ``output`` (default: the first output), ``num_classes`` (default: the label
    count, else the largest id + 1). Label maps are resized with nearest neighbour whatever
    ``filter_mode`` says (ids cannot be interpolated).
    """

    def check_outputs(self, outputs) -> None:
        """Check that the output is a single-channel map."""
        spec = _output_spec(self, outputs)
        dims = list(spec.shape)
        if len(dims) == 4 and (dims[1] == 1 or dims[3] == 1):
            return
        if len(dims) in (2, 3):
            return
        raise ModelError(f'segmentation_labels needs a (1, h, w), (1, 1, h, w) or (1, h, w, 1) '
                         f'output; {spec.name!r} has shape {spec.shape}')

    def decode(self, outputs, transform, params) -> SegmentationResult:
        """Return the model's label map resized to source resolution."""
        raw = np.asarray(self.output(outputs, 'output'))
        if raw.ndim == 4:
            raw = raw[0, 0] if raw.shape[1] == 1 else raw[0, :, :, 0]
        elif raw.ndim == 3:
            raw = raw[0]
        if raw.ndim != 2:
            raise ModelError(f'segmentation_labels cannot read a label map of shape {raw.shape}')
        if raw.dtype.kind == 'f':
            raw = np.rint(raw)
        if raw.size and raw.min() < 0:
            raise ModelError('segmentation_labels: the model output negative class ids; use '
                             'a model that outputs ids >= 0')
        num_classes = int(self.config.get('num_classes') or
                          (len(self.labels) if self.labels else 0) or
                          (int(raw.max()) + 1 if raw.size else 1))
        num_classes = max(num_classes, int(raw.max()) + 1 if raw.size else 1)
        dtype = _label_dtype(num_classes)
        if raw.size and raw.max() > np.iinfo(np.uint16).max:
            raise ModelError('segmentation_labels: class ids above 65535 are not supported')
        grid = raw.astype(dtype)
        class_map = resample_to_source(grid, transform, 'nearest')
        return self.make_result(class_map, None, num_classes, transform, params)


def _draw_segmentation(image, result: SegmentationResult, options):
    """Draw segNet's ``overlay`` (blended mask), ``mask`` (mask alone) or both side by side."""
    import cv2
    from jetson_dnn_ros.overlay import blend
    default = ('overlay',)
    want_overlay = options.has('overlay', default)
    want_mask = options.has('mask', default)
    if not (want_overlay or want_mask):
        return image
    class_map = result.class_map
    h, w = image.shape[:2]
    if class_map.shape != (h, w):
        class_map = cv2.resize(class_map, (w, h), interpolation=cv2.INTER_NEAREST)
    mask_bgr = colorize(class_map, result.palette, result.ignore_class)[:, :, ::-1]
    panels = []
    if want_overlay:
        drawn = class_map != result.ignore_class if result.ignore_class is not None \
            else np.ones((h, w), bool)
        blend(image, np.ascontiguousarray(mask_bgr), drawn, float(options.alpha))
        panels.append(image)
    if want_mask:
        panels.append(np.ascontiguousarray(mask_bgr))
    return panels[0] if len(panels) == 1 else np.hstack(panels)


def _register():
    from jetson_dnn_ros.overlay import register_drawer
    register_drawer('segmentation')(_draw_segmentation)


_register()

__all__: Sequence[str] = ['SegmentationResult', 'SegmentationLogitsDecoder',
                          'SegmentationLabelsDecoder', 'colorize', 'candidate_classes',
                          'linear_argmax', 'resolve_layout', 'resample_to_source',
                          'argmax_channels']
