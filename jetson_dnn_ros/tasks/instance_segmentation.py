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
Instance segmentation: boxes, classes, scores and one mask per object.

Decoders (registered names in brackets):

- :class:`Yolov8SegDecoder` (``yolov8_seg``, ``yolo11_seg``): ultralytics YOLOv8-seg /
  YOLO11-seg ``yolo export format=onnx``: ``output0`` (1, 4 + C + M, N) and the mask
  prototypes ``output1`` (1, M, H/4, W/4), M = 32.

Detection (thresholds, best class per candidate, class-aware NMS) is the YOLOv8 detection
decoding of :mod:`jetson_dnn_ros.tasks.detection`; masks follow ultralytics'
``SegmentationPredictor.construct_result`` with ``retina_masks=True``, the path that gives
masks at the source resolution (``ultralytics/utils/ops.py`` ``process_mask_native``, main
branch as of ultralytics 8.4, the version that exported the shipped model):

1. mask logits ``coefficients @ prototypes`` on the prototype grid;
2. ``scale_masks``: cut the letterbox padding off the prototype grid (``gain = min(mh / H,
   mw / W)``, ``pad = (mw - W·gain) / 2, (mh - H·gain) / 2``, rows ``round(pad_h - 0.1) ..
   mh - round(pad_h + 0.1)``, columns likewise) and resize the logits bilinearly
   (``F.interpolate(mode='bilinear')``, ``align_corners=False``) to the source size H × W;
3. ``crop_mask``: zero everything outside the box rounded to whole pixels (rows
   ``round(y1) .. round(y2) - 1``, columns likewise; the predict path for fewer than 50
   masks on the CPU. Ultralytics switches to ``x1 <= col < x2`` on float boxes for 50 masks and
   more or on CUDA, which moves an edge by at most one pixel; we keep one rule);
4. ``> 0``, i.e. ``sigmoid(logit) > 0.5``;
5. instances whose mask came out empty are dropped (``keep = masks.amax((-2, -1)) > 0``).

Only the box region of each mask is resampled (the rest is zero after step 3 anyway), so the
cost grows with the box areas, not with the number of instances × image size.
"""

from dataclasses import dataclass
from typing import Sequence, Tuple

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.labels import label_of
from jetson_dnn_ros.tasks.base import freeze
from jetson_dnn_ros.tasks.base import register_decoder
from jetson_dnn_ros.tasks.detection import _batch1
from jetson_dnn_ros.tasks.detection import _find_spec
from jetson_dnn_ros.tasks.detection import _known
from jetson_dnn_ros.tasks.detection import DetectionResult
from jetson_dnn_ros.tasks.detection import Yolov8Decoder
import numpy as np

MASK_THRESHOLD = 0.5
"""Mask probability above which a pixel belongs to the instance (logit > 0, ultralytics)."""


@dataclass(frozen=True)
class InstanceSegmentationResult:
    """
    Objects found in one image, each with its own mask.

    :param boxes: (N, 4) float32 xyxy (x1, y1, x2, y2) in source-image pixels, clipped to
        ``[0, width] × [0, height]``.
    :param scores: (N,) float32 confidences in [0, 1], descending.
    :param class_ids: (N,) int64 class indices into the model's labels.
    :param labels: N class names (the id as text where the model has no labels).
    :param masks: (N, H, W) bool, one mask per instance at the source resolution (H, W =
        ``image_size``), row = image row; True = the pixel belongs to the instance. A mask is
        never True outside its box rounded to whole pixels, and never empty. Masks of
        different instances may overlap. Memory: N × H × W bytes (2 MB per instance at
        1920 × 1080; keep ``max_detections`` modest at low score thresholds).
    :param image_size: (height, width) of the source image in pixels.
    """

    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray
    labels: Tuple[str, ...]
    masks: np.ndarray
    image_size: Tuple[int, int]
    task = 'instance_segmentation'

    def __len__(self) -> int:
        """Return the number of instances."""
        return int(self.boxes.shape[0])

    @property
    def track_ids(self) -> None:
        """Return None: instances carry no tracker ids (the detection overlay reads this)."""
        return None

    def detections(self) -> DetectionResult:
        """Return the boxes, scores and classes as a :class:`DetectionResult` (same order)."""
        return DetectionResult(self.boxes, self.scores, self.class_ids, self.labels,
                               self.image_size)

    def areas(self) -> np.ndarray:
        """Return (N,) int64 mask areas in source pixels."""
        return self.masks.sum(axis=(1, 2), dtype=np.int64)

    def instance_map(self) -> np.ndarray:
        """
        Return the instances as one label image (the ``instances`` topic of the node).

        :return: (H, W) uint16: 0 = background, ``i + 1`` = the i-th instance (the i-th entry
            of ``boxes``/``scores``, the i-th Detection2D of ``detections``). Where masks
            overlap, the instance with the higher score (smaller index) wins. Each mask is
            read within its box only (decoded masks are never set outside it).
        :raises ValueError: with more than 65535 instances (they do not fit uint16).
        """
        n = len(self)
        if n > 0xFFFF:
            raise ValueError(f'{n} instances do not fit a mono16 instance map (at most 65535)')
        out = np.zeros(tuple(self.image_size), np.uint16)
        for i in range(n - 1, -1, -1):   # lowest score first, so higher scores overwrite
            x1, y1, x2, y2 = _box_pixels(self.boxes[i], self.image_size)
            region = self.masks[i, y1:y2, x1:x2]
            out[y1:y2, x1:x2][region] = i + 1
        return out

    def to_dict(self) -> dict:
        """
        Return a JSON-serialisable dict; masks as COCO run-length encodings.

        Each instance has ``class_id``, ``label``, ``score``, ``xyxy`` (source pixels),
        ``area`` (mask pixels) and ``segmentation`` = ``{'size': [H, W], 'counts': str}``,
        the compressed RLE of ``pycocotools.mask.encode`` (column-major, as COCO's results
        files; ``pycocotools.mask.decode`` gives the (H, W) uint8 mask back).

        :raises ImportError: if pycocotools is not installed (``pip install pycocotools``).
        """
        instances = []
        rles = encode_masks(self.masks)
        areas = self.areas()
        for i in range(len(self)):
            instances.append({'class_id': int(self.class_ids[i]), 'label': self.labels[i],
                              'score': float(self.scores[i]),
                              'xyxy': [float(v) for v in self.boxes[i]],
                              'area': int(areas[i]), 'segmentation': rles[i]})
        return {'task': self.task, 'image_size': list(self.image_size), 'instances': instances}


def _box_pixels(box, image_size) -> Tuple[int, int, int, int]:
    """
    Return the pixels ``crop_mask`` keeps for a box: ``(x1, y1, x2, y2)``, end exclusive.

    Ultralytics' predict path rounds the box to whole pixels (``boxes.round().int()``,
    half to even, as numpy) and keeps rows ``round(y1) .. round(y2) - 1``; clamped to the
    image.
    """
    h, w = image_size
    x1, y1, x2, y2 = (int(v) for v in np.round(np.asarray(box, np.float32).reshape(4)))
    x1, x2 = min(max(x1, 0), w), min(max(x2, 0), w)
    y1, y2 = min(max(y1, 0), h), min(max(y2, 0), h)
    return x1, y1, max(x1, x2), max(y1, y2)


def encode_masks(masks: np.ndarray) -> list:
    """
    Encode (N, H, W) bool masks as COCO compressed RLE dicts (``size``, ``counts`` text).

    :raises ImportError: if pycocotools is not installed.
    """
    try:
        from pycocotools import mask as mask_utils
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError('COCO RLE masks need pycocotools: pip install pycocotools (or the '
                          "jetson_dnn_ros 'onnxruntime' extra)") from exc
    masks = np.asarray(masks, bool)
    if masks.shape[0] == 0:
        return []
    rles = mask_utils.encode(np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8)))
    return [{'size': [int(v) for v in rle['size']], 'counts': rle['counts'].decode('ascii')}
            for rle in rles]


def decode_rle(rle: dict) -> np.ndarray:
    """Return the (H, W) bool mask of a COCO RLE dict written by :func:`encode_masks`."""
    from pycocotools import mask as mask_utils
    counts = rle['counts']
    return mask_utils.decode({'size': list(rle['size']),
                              'counts': counts.encode('ascii') if isinstance(counts, str)
                              else counts}).astype(bool)


def make_instances(boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray,
                   masks: np.ndarray, labels, image_size) -> InstanceSegmentationResult:
    """
    Build an :class:`InstanceSegmentationResult` from source-pixel arrays.

    :param boxes: (N, 4) xyxy source pixels.
    :param scores: (N,) scores.
    :param class_ids: (N,) class indices.
    :param masks: (N, H, W) masks (anything castable to bool) at ``image_size``, each False
        outside its box (:meth:`InstanceSegmentationResult.instance_map` and the overlay read
        masks within their boxes).
    :param labels: class names (index = class id), or None.
    :param image_size: (height, width) of the source image.
    :return: the frozen result, sorted by descending score (stable).
    :raises ValueError: if the mask stack does not have N masks of ``image_size``.
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    scores = np.asarray(scores, np.float32).reshape(-1)
    class_ids = np.asarray(class_ids, np.int64).reshape(-1)
    size = tuple(int(v) for v in image_size)
    masks = np.asarray(masks).astype(bool, copy=False)
    if masks.shape != (boxes.shape[0],) + size:
        raise ValueError(f'masks must be (N, H, W) = {(boxes.shape[0],) + size}, got '
                         f'{masks.shape}')
    order = np.argsort(-scores, kind='stable')
    if not np.array_equal(order, np.arange(order.size)):
        boxes, scores, class_ids, masks = (boxes[order], scores[order], class_ids[order],
                                           masks[order])
    return InstanceSegmentationResult(
        freeze(boxes), freeze(scores), freeze(class_ids),
        tuple(label_of(labels, int(c)) for c in class_ids), freeze(masks), size)


def _linear_taps(out_size: int, in_size: int):
    """
    Return the bilinear taps of a resize from ``in_size`` to ``out_size`` samples.

    PyTorch ``F.interpolate(mode='bilinear', align_corners=False)`` (what ultralytics uses):
    source position ``(i + 0.5) · in / out − 0.5``, clamped at 0; neighbours ``i0`` and
    ``min(i0 + 1, in − 1)``.

    :return: ``(i0, i1, weight1)``: (out,) int64, (out,) int64, (out,) float32.
    """
    pos = (np.arange(out_size, dtype=np.float64) + 0.5) * (in_size / out_size) - 0.5
    pos = np.maximum(pos, 0.0)
    i0 = np.minimum(np.floor(pos).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, (pos - i0).astype(np.float32)


def proto_region(transform, proto_size: Tuple[int, int], centered: bool
                 ) -> Tuple[int, int, int, int]:
    """
    Return the prototype-grid rows/columns that show the source image (no letterbox padding).

    :param transform: the image's :class:`~jetson_dnn_ros.preprocessing.GeometricTransform`.
    :param proto_size: (mh, mw) of the prototype grid, which spans the whole network input.
    :param centered: True for a centred letterbox: ultralytics ``scale_masks`` exactly
        (computed from the shapes, ``round(pad - 0.1)`` and ``m - round(pad + 0.1)``);
        otherwise the region is the transform's source rectangle on the grid, rounded
        (top-left letterbox, stretch, crop).
    :return: ``(top, left, bottom, right)``, end exclusive, within the grid.
    """
    mh, mw = proto_size
    h, w = transform.source_size
    if centered:
        gain = min(mh / h, mw / w)
        pad_w, pad_h = (mw - w * gain) / 2, (mh - h * gain) / 2
        top, left = round(pad_h - 0.1), round(pad_w - 0.1)
        bottom, right = mh - round(pad_h + 0.1), mw - round(pad_w + 0.1)
    else:
        nh, nw = transform.network_size
        sy, sx = mh / nh, mw / nw
        top, left = transform.offset_y * sy, transform.offset_x * sx
        bottom = (transform.offset_y + h * transform.scale_y) * sy
        right = (transform.offset_x + w * transform.scale_x) * sx
        top, left, bottom, right = round(top), round(left), round(bottom), round(right)
    top, left = min(max(top, 0), mh - 1), min(max(left, 0), mw - 1)
    return top, left, min(max(bottom, top + 1), mh), min(max(right, left + 1), mw)


def masks_to_source(protos: np.ndarray, coefficients: np.ndarray, boxes: np.ndarray,
                    region: Tuple[int, int, int, int], image_size: Tuple[int, int]
                    ) -> np.ndarray:
    """
    Turn mask coefficients into binary source-resolution masks (ultralytics retina masks).

    See the module docs, steps 1 to 4; step 5 (dropping empty masks) is the decoder's.

    :param protos: (M, mh, mw) float32 prototypes.
    :param coefficients: (N, M) float32 mask coefficients of the kept detections.
    :param boxes: (N, 4) xyxy boxes in source pixels (clipped).
    :param region: the prototype rows/columns showing the image, see :func:`proto_region`.
    :param image_size: (H, W) of the source image.
    :return: (N, H, W) bool masks, False outside each box.
    """
    m, mh, mw = protos.shape
    n = coefficients.shape[0]
    h, w = (int(v) for v in image_size)
    masks = np.zeros((n, h, w), bool)
    if n == 0:
        return masks
    top, left, bottom, right = region
    logits = coefficients.astype(np.float32) @ protos.reshape(m, -1).astype(np.float32)
    probs = logits.reshape(n, mh, mw)[:, top:bottom, left:right]
    r0, r1, rw = _linear_taps(h, bottom - top)
    c0, c1, cw = _linear_taps(w, right - left)
    for i in range(n):
        x1, y1, x2, y2 = _box_pixels(boxes[i], (h, w))
        if x2 <= x1 or y2 <= y1:
            continue
        # v0 + (v1 - v0) · weight along rows, then along columns (in place: the column
        # pass over the box dominates the cost)
        grid = probs[i]
        rows = np.take(grid, r0[y1:y2], axis=0)
        upper = np.take(grid, r1[y1:y2], axis=0)
        upper -= rows
        upper *= rw[y1:y2, None]
        rows += upper
        values = np.take(rows, c0[x1:x2], axis=1)
        right = np.take(rows, c1[x1:x2], axis=1)
        right -= values
        right *= cw[x1:x2]
        values += right
        masks[i, y1:y2, x1:x2] = values > 0.0     # sigmoid(logit) > MASK_THRESHOLD
    return masks


@register_decoder('yolov8_seg')
class Yolov8SegDecoder(Yolov8Decoder):
    """
    Decode ultralytics YOLOv8-seg / YOLO11-seg exports.

    Outputs: the head (1, 4 + C + M, N) (``output0``, 116 × 2100 at 320 for COCO: cx, cy, w,
    h in network pixels, C sigmoid class scores, M raw mask coefficients; the transposed
    (1, N, 4 + C + M) is accepted too) and the prototypes (1, M, mh, mw) (``output1``, 32 ×
    80 × 80 at 320). Boxes: best class per candidate and class-aware NMS, as the YOLOv8
    detection decoder; masks: see the module docs.

    Config: ``output`` (head name, default the first rank-3 output), ``protos`` (prototype
    output name, default the first rank-4 output), ``multi_label`` (default False).
    """

    task = 'instance_segmentation'

    def _specs(self, outputs):
        """Return the (head, protos) TensorSpecs."""
        head = _find_spec(outputs, self.config.get('output'), self.decoder_name)
        protos = _find_spec(outputs, self.config.get('protos'), self.decoder_name)
        found = [(o.name, tuple(o.shape)) for o in outputs]
        if head is None:
            head = next((o for o in outputs if len(o.shape) == 3), None)
        if protos is None:
            protos = next((o for o in outputs if len(o.shape) == 4), None)
        if head is None or protos is None:
            raise ModelError(
                f'{self.decoder_name} needs a head output (1, 4 + classes + mask coefficients, '
                f'anchors) and a prototype output (1, prototypes, H/4, W/4); the model has '
                f'{found}; name them in the descriptor (decoder: output: …, protos: …)')
        return head, protos

    def check_outputs(self, outputs) -> None:
        """Check the head and prototype shapes against each other, the labels and the input."""
        head, protos = self._specs(outputs)
        if len(head.shape) != 3:
            raise ModelError(f'{self.decoder_name}: head output {head.name!r} has shape '
                             f'{tuple(head.shape)}, expected (1, 4 + classes + mask '
                             'coefficients, anchors)')
        if len(protos.shape) != 4:
            raise ModelError(f'{self.decoder_name}: prototype output {protos.name!r} has shape '
                             f'{tuple(protos.shape)}, expected (1, prototypes, H/4, W/4)')
        m = protos.shape[1]
        if not _known(m):
            return
        extra = f' + {m} mask coefficients'
        try:
            axis = self._channel_axis(head.shape, head.name, m, extra)
        except ModelError as exc:
            raise ModelError(f'{exc}; the prototype output {protos.name!r} has shape '
                             f'{tuple(protos.shape)}, i.e. {m} prototypes, so the head needs '
                             f'{m} mask coefficients per anchor: the prototypes do not fit '
                             'the coefficients (wrong protos: output, or labels)') from None
        channels = head.shape[axis]
        if _known(channels) and channels - 4 - m < 1:
            raise ModelError(
                f'{self.decoder_name}: head output {head.name!r} of shape {tuple(head.shape)} '
                f'has {channels} channels, but 4 box values + {m} mask coefficients (the '
                f'prototype output {protos.name!r} has shape {tuple(protos.shape)}) leave no '
                'class scores: the prototypes do not fit the coefficients')
        pre = self.descriptor.preprocess
        mh, mw = protos.shape[2], protos.shape[3]
        if _known(mh) and _known(mw) and mh * pre.width != mw * pre.height:
            raise ModelError(
                f'{self.decoder_name}: prototype output {protos.name!r} is {mw}x{mh}, not the '
                f'aspect ratio of the {pre.width}x{pre.height} input; masks could not be '
                'mapped back to the image (fix input: width/height in the descriptor)')

    def _protos(self, outputs, name: str) -> np.ndarray:
        protos = _batch1(outputs[name], 4, f'{self.decoder_name} prototypes')
        return protos.astype(np.float32, copy=False)

    def decode(self, outputs, transform, params) -> InstanceSegmentationResult:
        """Return boxes, classes, scores and source-resolution masks (see the class docs)."""
        head_name = self.config.get('output') or next(
            (k for k, v in outputs.items() if np.ndim(v) == 3), None)
        proto_name = self.config.get('protos') or next(
            (k for k, v in outputs.items() if np.ndim(v) == 4), None)
        if head_name not in outputs or proto_name not in outputs:
            raise ModelError(f'{self.decoder_name}: head or prototype output missing; got '
                             f'{[(k, np.shape(v)) for k, v in outputs.items()]}')
        protos = self._protos(outputs, proto_name)
        m = protos.shape[0]
        pred = self.head(outputs[head_name], head_name, m, f' + {m} mask coefficients')
        if pred.shape[1] - 4 - m < 1:
            raise ModelError(f'{self.decoder_name}: head output {head_name!r} has '
                             f'{pred.shape[1]} channels, too few for 4 box values + classes + '
                             f'{m} mask coefficients (prototypes {tuple(protos.shape)})')
        index, boxes, scores, class_ids = self.candidates(pred, params.score_threshold, m)
        keep, source_boxes = self.kept(boxes, scores, class_ids, transform, params)
        coefficients = pred[index[keep], pred.shape[1] - m:]
        pre = self.descriptor.preprocess
        centered = pre.resize == 'letterbox' and pre.align == 'center'
        region = proto_region(transform, protos.shape[1:], centered)
        masks = masks_to_source(protos, coefficients, source_boxes, region,
                                transform.source_size)
        found = masks.any(axis=(1, 2))     # ultralytics keeps only instances with a mask
        if not found.all():
            source_boxes, masks, keep = source_boxes[found], masks[found], keep[found]
        return make_instances(source_boxes, scores[keep], class_ids[keep], masks, self.labels,
                              transform.source_size)


@register_decoder('yolo11_seg')
class Yolo11SegDecoder(Yolov8SegDecoder):
    """Decode ultralytics YOLO11-seg exports (same outputs as :class:`Yolov8SegDecoder`)."""


__all__: Sequence[str] = [
    'InstanceSegmentationResult', 'make_instances', 'encode_masks', 'decode_rle',
    'masks_to_source', 'proto_region', 'Yolov8SegDecoder', 'Yolo11SegDecoder', 'MASK_THRESHOLD',
    'DEFAULT_FLAGS']


# --------------------------------------------------------------------------------------
# overlay
# --------------------------------------------------------------------------------------

DEFAULT_FLAGS = ('mask', 'outline', 'lines', 'labels', 'conf')
"""Default overlay flags: mask tint, mask outline, box outline, label and confidence.

Every flag this task understands: ``mask``, ``outline`` (mask contours), ``box`` (box fill,
as detectNet), ``lines`` (box outline), ``labels``, ``conf``, ``none``."""

FLAGS = ('mask', 'outline', 'box', 'lines', 'labels', 'conf', 'none')
"""Every overlay flag of this task."""


def _draw_instances(image, result: InstanceSegmentationResult, options):
    """Draw each mask tinted in its class colour with its outline, then boxes and labels."""
    from jetson_dnn_ros.overlay import class_color, draw_instance_masks
    from jetson_dnn_ros.tasks.detection import _draw_detection
    if len(result) == 0 or 'none' in options.flags:
        return image
    colors = [class_color(int(c)) for c in result.class_ids]
    tint = options.has('mask', DEFAULT_FLAGS)
    outline = options.has('outline', DEFAULT_FLAGS)
    if tint or outline:
        boxes = [_box_pixels(b, result.image_size) for b in result.boxes]
        draw_instance_masks(image, result.masks, boxes, colors, options.alpha if tint else 0.0,
                            options.line_width_for(image) if outline else 0)
    box_flags = frozenset(f for f in (options.flags or frozenset(DEFAULT_FLAGS))
                          if f in ('box', 'lines', 'labels', 'conf'))
    if box_flags:
        from dataclasses import replace
        _draw_detection(image, result.detections(), replace(options, flags=box_flags))
    return image


def _register():
    from jetson_dnn_ros.overlay import register_drawer
    register_drawer('instance_segmentation', flags=FLAGS[:-1])(_draw_instances)


_register()
