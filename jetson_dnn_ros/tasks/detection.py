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
Object detection: the result type, NMS, the decoder families and the overlay drawer.

Every decoder returns boxes as (N, 4) float32 xyxy in source-image pixels, clipped to the
image, highest score first. Decoders (registered names in brackets):

- :class:`YoloxDecoder` (``yolox``): Megvii YOLOX anchor-free raw head.
- :class:`Yolov5Decoder` (``yolov5``): ultralytics YOLOv5 export or raw per-level heads.
- :class:`Yolov8Decoder` (``yolov8``, ``yolo11``): ultralytics YOLOv8/YOLO11 raw head.
- :class:`EfficientNmsDecoder` (``efficient_nms``): TensorRT EfficientNMS / end-to-end exports.
- :class:`SsdDecoder` (``ssd``): jetson-inference / pytorch-ssd ONNX exports.
- :class:`DetrDecoder` (``detr``, ``rtdetr``): DETR and RT-DETR set predictions (no NMS).

Thresholds come from :class:`~jetson_dnn_ros.models.DecodeParams` at run time
(``score_threshold``, ``iou_threshold``, ``max_detections``, ``class_agnostic``); the
descriptor's ``decoder:`` mapping configures the family (strides, anchors, output names).
"""

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import cv2
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.labels import label_of
from jetson_dnn_ros.tasks.base import Decoder
from jetson_dnn_ros.tasks.base import freeze
from jetson_dnn_ros.tasks.base import register_decoder
import numpy as np


@dataclass(frozen=True)
class DetectionResult:
    """
    Objects found in one image.

    :param boxes: (N, 4) float32 xyxy (x1, y1, x2, y2) in source-image pixels, clipped to
        ``[0, width] × [0, height]``.
    :param scores: (N,) float32 confidences in [0, 1], descending.
    :param class_ids: (N,) int64 class indices into the model's labels.
    :param labels: N class names (the id as text where the model has no labels).
    :param image_size: (height, width) of the source image in pixels.
    :param track_ids: (N,) int64 tracker ids, or None when tracking is off.
    """

    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray
    labels: Tuple[str, ...]
    image_size: Tuple[int, int]
    track_ids: Optional[np.ndarray] = None
    task = 'detection'

    def __len__(self) -> int:
        """Return the number of detections."""
        return int(self.boxes.shape[0])

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict."""
        dets = []
        for i in range(len(self)):
            det = {'class_id': int(self.class_ids[i]), 'label': self.labels[i],
                   'score': float(self.scores[i]),
                   'xyxy': [float(v) for v in self.boxes[i]]}
            if self.track_ids is not None:
                det['track_id'] = int(self.track_ids[i])
            dets.append(det)
        return {'task': self.task, 'image_size': list(self.image_size), 'detections': dets}


def make_detections(boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, labels,
                    image_size, track_ids=None) -> DetectionResult:
    """Build a :class:`DetectionResult` from source-pixel arrays (sorted by score, frozen)."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    scores = np.asarray(scores, np.float32).reshape(-1)
    class_ids = np.asarray(class_ids, np.int64).reshape(-1)
    order = np.argsort(-scores, kind='stable')
    boxes, scores, class_ids = boxes[order], scores[order], class_ids[order]
    if track_ids is not None:
        track_ids = freeze(np.asarray(track_ids, np.int64).reshape(-1)[order])
    return DetectionResult(freeze(boxes), freeze(scores), freeze(class_ids),
                           tuple(label_of(labels, int(c)) for c in class_ids),
                           tuple(int(v) for v in image_size), track_ids)


def _nms_batched_fallback(xywh: list, scores: list, class_ids: np.ndarray,
                          iou_threshold: float) -> np.ndarray:
    """
    Class-aware NMS for OpenCV < 4.7 (no ``NMSBoxesBatched``): offset boxes per class.

    Shifting every box by ``class_id × (largest coordinate + 1)`` on both axes puts the
    classes in disjoint regions, so one class-agnostic ``cv2.dnn.NMSBoxes`` never lets two
    classes suppress each other (the trick torchvision's ``batched_nms`` uses).
    """
    boxes = np.asarray(xywh, np.float64).reshape(-1, 4)
    extent = float(np.abs(boxes[:, :2]).max() + np.abs(boxes[:, 2:]).max()) + 1.0
    shift = np.asarray(class_ids, np.float64).reshape(-1, 1) * extent
    shifted = boxes.copy()
    shifted[:, :2] += shift
    return np.asarray(cv2.dnn.NMSBoxes(shifted.tolist(), scores, 0.0, float(iou_threshold)),
                      np.int64).reshape(-1)


def nms(boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou_threshold: float,
        max_detections: int, class_agnostic: bool = False) -> np.ndarray:
    """
    Non-maximum suppression through OpenCV (``cv2.dnn.NMSBoxesBatched`` per class).

    On OpenCV < 4.7, which lacks ``NMSBoxesBatched``, class-aware NMS falls back to
    ``cv2.dnn.NMSBoxes`` on boxes offset per class (same result).

    :param boxes: (N, 4) xyxy in any pixel frame (negative coordinates allowed).
    :param scores: (N,) scores (already thresholded).
    :param class_ids: (N,) class indices; ignored when ``class_agnostic``.
    :param iou_threshold: IoU above which the lower-scored box is dropped.
    :param max_detections: boxes kept at most, after suppression (OpenCV's own ``top_k``
        would cut the candidates before suppression, dropping boxes that survive it).
    :return: (M,) int64 indices of kept boxes, highest score first.
    """
    n = int(np.asarray(scores).shape[0])
    if n == 0:
        return np.zeros((0,), np.int64)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    xywh = np.empty_like(boxes)
    # class-aware NMS offsets boxes by class_id × (largest coordinate + 1), which keeps the
    # classes apart only for coordinates >= 0; unclipped boxes can be negative, so move them
    # (IoU does not change under a translation)
    shift = np.minimum(np.minimum(boxes[:, 0:2].min(axis=0), boxes[:, 2:4].min(axis=0)), 0.0)
    xywh[:, :2] = boxes[:, :2] - shift
    xywh[:, 2:] = boxes[:, 2:] - boxes[:, :2]
    score_list = np.asarray(scores, np.float64)
    if class_agnostic:
        keep = cv2.dnn.NMSBoxes(xywh.tolist(), score_list.tolist(), 0.0, float(iou_threshold))
    elif hasattr(cv2.dnn, 'NMSBoxesBatched'):
        keep = cv2.dnn.NMSBoxesBatched(xywh.tolist(), score_list.tolist(),
                                       np.asarray(class_ids, np.int64).tolist(), 0.0,
                                       float(iou_threshold))
    else:
        keep = _nms_batched_fallback(xywh.tolist(), score_list.tolist(), class_ids,
                                     iou_threshold)
    keep = np.asarray(keep, np.int64).reshape(-1)
    keep = keep[np.argsort(-score_list[keep], kind='stable')]
    return keep[:int(max_detections)]


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """
    Return the pairwise IoU of two box sets (vectorised).

    :param a: (N, 4) xyxy boxes, any pixel frame.
    :param b: (M, 4) xyxy boxes in the same frame.
    :return: (N, M) float32 intersection over union in [0, 1] (0 for empty boxes).
    """
    a = np.asarray(a, np.float32).reshape(-1, 1, 4)
    b = np.asarray(b, np.float32).reshape(1, -1, 4)
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = np.clip(a[..., 2] - a[..., 0], 0, None) * np.clip(a[..., 3] - a[..., 1], 0, None)
    area_b = np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0).astype(np.float32)


def cxcywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """Convert (..., 4) centre-size boxes (cx, cy, w, h) to corners (x1, y1, x2, y2), float32."""
    boxes = np.asarray(boxes, np.float32)
    out = np.empty(boxes.shape, np.float32)
    half = boxes[..., 2:4] * 0.5
    out[..., 0:2] = boxes[..., 0:2] - half
    out[..., 2:4] = boxes[..., 0:2] + half
    return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic sigmoid of ``x`` (float32, overflow-safe)."""
    x = np.asarray(x, np.float32)
    return (0.5 * (np.tanh(0.5 * x) + 1.0)).astype(np.float32)


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = np.asarray(x, np.float32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _batch1(array: np.ndarray, rank: int, what: str) -> np.ndarray:
    """Drop the batch axis of a (1, ...) output of total rank ``rank``."""
    array = np.asarray(array)
    if array.ndim != rank or array.shape[0] != 1:
        raise ModelError(f'{what}: expected a batch-1 output of rank {rank}, got shape '
                         f'{array.shape}')
    return array[0]


def _find_spec(outputs, name: Optional[str], what: str, candidates: Sequence[str] = ()):
    """Return the TensorSpec named ``name`` (or the first of ``candidates`` present)."""
    by_name = {o.name: o for o in outputs}
    if name is not None:
        if name not in by_name:
            raise ModelError(f'{what}: output {name!r} not found; the model has '
                             f'{sorted(by_name)}; set the output name in the decoder: '
                             'mapping of the descriptor')
        return by_name[name]
    for cand in candidates:
        if cand in by_name:
            return by_name[cand]
    return None


def _known(dim) -> bool:
    return dim is not None


class DetectionDecoder(Decoder):
    """
    Shared part of the detection decoders: thresholding, NMS and mapping to the source.

    Config keys common to all families:

    - ``max_candidates``: boxes passed to NMS at most, highest scores first (default 10000,
      bounds the NMS cost when ``score_threshold`` is very low).
    """

    task = 'detection'

    @property
    def num_classes(self) -> Optional[int]:
        """Return the number of classes the labels list, or None without labels."""
        return None if self.labels is None else len(self.labels)

    def _limit(self, scores: np.ndarray) -> np.ndarray:
        """Return indices of the ``max_candidates`` highest scores (all if fewer)."""
        limit = int(self.config.get('max_candidates', 10000))
        if scores.shape[0] <= limit:
            return np.arange(scores.shape[0])
        return np.argpartition(-scores, limit - 1)[:limit]

    @staticmethod
    def select(class_scores: np.ndarray, threshold: float, multi_label: bool):
        """
        Pick (box index, class id, score) triples whose score passes the threshold.

        :param class_scores: (N, C) float32 per-box class scores in [0, 1].
        :param threshold: minimum score (inclusive).
        :param multi_label: keep every class of a box that passes (YOLOX demo's class-aware
            NMS, YOLOv5 ``multi_label``) instead of only the best class (ultralytics predict).
        :return: ``(index, class_id, score)``: (K,) int64, (K,) int64, (K,) float32.
        """
        if class_scores.shape[0] == 0 or class_scores.shape[1] == 0:
            empty = np.zeros((0,), np.int64)
            return empty, empty, np.zeros((0,), np.float32)
        if multi_label:
            index, class_id = np.nonzero(class_scores >= threshold)
            score = class_scores[index, class_id]
        else:
            class_id = np.argmax(class_scores, axis=1)
            score = np.take_along_axis(class_scores, class_id[:, None], axis=1)[:, 0]
            index = np.nonzero(score >= threshold)[0]
            class_id, score = class_id[index], score[index]
        return (index.astype(np.int64), class_id.astype(np.int64),
                score.astype(np.float32))

    def kept(self, boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray,
             transform, params, apply_nms: bool = True) -> Tuple[np.ndarray, np.ndarray]:
        """
        Return which candidates survive, and their boxes in source pixels (see :meth:`finish`).

        :param boxes: (K, 4) xyxy in network-input pixels, already score-thresholded.
        :param scores: (K,) float32 scores.
        :param class_ids: (K,) int64 class indices.
        :param transform: the image's :class:`~jetson_dnn_ros.preprocessing.GeometricTransform`.
        :param params: :class:`~jetson_dnn_ros.models.DecodeParams`.
        :param apply_nms: False for set predictions and end-to-end exports (no NMS of ours).
        :return: ``(keep, source_boxes)``: (M,) int64 indices into the K candidates, highest
            score first, at most ``max_detections``; (M, 4) float32 xyxy source pixels,
            clipped to the image.
        """
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        scores = np.asarray(scores, np.float32).reshape(-1)
        class_ids = np.asarray(class_ids, np.int64).reshape(-1)
        src = transform.boxes_to_source(boxes)
        valid = np.nonzero((src[:, 2] > src[:, 0]) & (src[:, 3] > src[:, 1]))[0]
        if valid.size:
            valid = valid[self._limit(scores[valid])]
        if apply_nms:  # on the unclipped boxes, as the reference implementations do
            keep = nms(boxes[valid], scores[valid], class_ids[valid], params.iou_threshold,
                       params.max_detections, params.class_agnostic)
        else:
            keep = np.argsort(-scores[valid], kind='stable')[:int(params.max_detections)]
        keep = valid[keep]
        return keep, src[keep]

    def finish(self, boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray,
               transform, params, apply_nms: bool = True) -> DetectionResult:
        """
        Run NMS, keep ``max_detections``, map boxes to source pixels and build the result.

        The parameters are those of :meth:`kept`.

        :return: :class:`DetectionResult` in source-image pixels, clipped. Boxes that are
            empty after clipping (wholly in the letterbox padding) are dropped before NMS;
            NMS runs on the unclipped network-pixel boxes (as the YOLOX/ultralytics demos).
        """
        keep, src = self.kept(boxes, scores, class_ids, transform, params, apply_nms)
        scores = np.asarray(scores, np.float32).reshape(-1)
        class_ids = np.asarray(class_ids, np.int64).reshape(-1)
        return make_detections(src, scores[keep], class_ids[keep], self.labels,
                               transform.source_size)

    def _check_classes(self, count, what: str, offset: int, extra: str = '') -> None:
        """Raise ModelError if a known channel count does not match the labels."""
        if count is None or self.num_classes is None:
            return
        if count - offset != self.num_classes:
            raise ModelError(
                f'{self.decoder_name}: {what} has {count} channels = {offset} + '
                f'{count - offset} classes, but the labels list {self.num_classes} classes; '
                f'use the labels the model was trained with{extra}')


# --------------------------------------------------------------------------------------
# YOLOX
# --------------------------------------------------------------------------------------

@register_decoder('yolox')
class YoloxDecoder(DetectionDecoder):
    """
    Decode the YOLOX raw head (Megvii YOLOX ONNX export, ``decode_in_inference=False``).

    Output ``(1, N, 5 + C)``: per anchor point (x, y, w, h, objectness, C class scores), the
    anchor points of strides 8/16/32 concatenated row-major (``N = Σ (H/s)·(W/s)``, 3549 at
    416×416). Decoding follows the official demo (``yolox/utils/demo_utils.py``
    ``demo_postprocess``): ``xy = (xy + grid) * stride``, ``wh = exp(wh) * stride`` in
    network pixels, ``score = objectness × class score``. The official export already applies
    the sigmoid to objectness and class scores (``YOLOXHead.forward`` in eval mode).

    Config: ``strides`` (default ``[8, 16, 32]``; ``[8, 16, 32, 64]`` for P6 models),
    ``output`` (name, default the first output), ``activation`` (``none`` (default) or
    ``sigmoid`` for exports that leave scores as logits), ``multi_label`` (default False: the
    best class of each anchor, as the demo's default ``multiclass_nms(..., class_agnostic=True)``
    → ``multiclass_nms_class_agnostic`` in ``yolox/utils/demo_utils.py``; True reports every
    class above the threshold, as its class-aware variant). The demo's NMS is class-agnostic:
    the YOLOX descriptors set ``class_agnostic: true``.
    """

    def __init__(self, descriptor, labels=None):
        super().__init__(descriptor, labels)
        self.strides = tuple(int(s) for s in self.config.get('strides', (8, 16, 32)))
        if not self.strides or any(s <= 0 for s in self.strides):
            raise ModelError(f'yolox strides must be positive integers, got {self.strides}')
        if self.config.get('activation', 'none') not in ('none', 'sigmoid'):
            raise ModelError(f"yolox activation must be 'none' or 'sigmoid', got "
                             f"{self.config.get('activation')!r}")
        self._grids: Dict[Tuple[int, int], Tuple[np.ndarray, np.ndarray]] = {}

    def anchor_count(self, height: int, width: int) -> int:
        """Return the anchor points of a ``height`` × ``width`` input (Σ (H//s)·(W//s))."""
        return sum((height // s) * (width // s) for s in self.strides)

    def grids(self, height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
        """
        Return the cached ``(grid, stride)`` of an input size.

        :param height: network input height in pixels.
        :param width: network input width in pixels.
        :return: (N, 2) float32 cell (x, y) indices and (N, 1) float32 strides, in the
            head's order (stride by stride, row-major within a stride).
        """
        key = (int(height), int(width))
        if key not in self._grids:
            grids, strides = [], []
            for s in self.strides:
                ys, xs = np.mgrid[0:height // s, 0:width // s]
                grids.append(np.stack((xs.ravel(), ys.ravel()), axis=1))
                strides.append(np.full((grids[-1].shape[0], 1), s))
            self._grids[key] = (np.concatenate(grids).astype(np.float32),
                                np.concatenate(strides).astype(np.float32))
        return self._grids[key]

    def check_outputs(self, outputs) -> None:
        """Check for a (1, N, 5 + C) output whose N fits the strides and input size."""
        spec = _find_spec(outputs, self.config.get('output'), 'yolox') or outputs[0]
        if len(spec.shape) != 3:
            raise ModelError(f'yolox needs a (1, anchors, 5 + classes) output; {spec.name!r} '
                             f'has shape {spec.shape}')
        channels = spec.shape[2]
        if _known(channels) and channels < 6:
            raise ModelError(f'yolox: output {spec.name!r} has {channels} channels; it needs '
                             '(x, y, w, h, objectness) + at least one class')
        self._check_classes(channels, f'output {spec.name!r}', 5)
        pre = self.descriptor.preprocess
        expected = self.anchor_count(pre.height, pre.width)
        if _known(spec.shape[1]) and spec.shape[1] != expected:
            raise ModelError(
                f'yolox: output {spec.name!r} has {spec.shape[1]} anchor points but strides '
                f'{list(self.strides)} at {pre.width}x{pre.height} give {expected}; fix '
                'decoder: strides or the input size in the descriptor')

    def candidates(self, raw: np.ndarray, network_size: Tuple[int, int], threshold: float,
                   multi_label: Optional[bool] = None):
        """
        Decode a raw head to thresholded boxes in network pixels (before NMS).

        :param raw: (1, N, 5 + C) float32 output.
        :param network_size: (height, width) of the network input in pixels.
        :param threshold: minimum ``objectness × class score``.
        :param multi_label: override of config ``multi_label``.
        :return: ``(boxes, scores, class_ids)``: (K, 4) float32 xyxy network pixels,
            (K,) float32, (K,) int64.
        :raises ModelError: on a shape that does not fit the strides.
        """
        pred = _batch1(raw, 3, 'yolox').astype(np.float32, copy=False)
        grid, stride = self.grids(*network_size)
        if pred.shape[0] != grid.shape[0] or pred.shape[1] < 6:
            raise ModelError(f'yolox: output of shape {raw.shape} does not fit strides '
                             f'{list(self.strides)} at {network_size[1]}x{network_size[0]} '
                             f'({grid.shape[0]} anchor points)')
        if multi_label is None:
            multi_label = bool(self.config.get('multi_label', False))
        obj, cls = pred[:, 4], pred[:, 5:]
        if self.config.get('activation', 'none') == 'sigmoid':
            obj, cls = sigmoid(obj), sigmoid(cls)
        # class scores are <= 1, so obj × cls >= t needs obj >= t: prefilter anchors first
        rows = np.nonzero(obj >= threshold)[0]
        index, class_id, score = self.select(obj[rows, None] * cls[rows], threshold,
                                             multi_label)
        rows = rows[index]
        g, s = grid[rows], stride[rows]
        centre = (pred[rows, 0:2] + g) * s
        size = np.exp(pred[rows, 2:4]) * s
        boxes = cxcywh_to_xyxy(np.concatenate((centre, size), axis=1))
        return boxes, score, class_id

    def decode(self, outputs, transform, params) -> DetectionResult:
        """Return the detections of one image (see the class docs)."""
        raw = self.output(outputs, 'output')
        boxes, scores, class_ids = self.candidates(raw, transform.network_size,
                                                   params.score_threshold)
        return self.finish(boxes, scores, class_ids, transform, params)


# --------------------------------------------------------------------------------------
# YOLOv5
# --------------------------------------------------------------------------------------

YOLOV5_ANCHORS = ((10, 13, 16, 30, 33, 23), (30, 61, 62, 45, 59, 119),
                  (116, 90, 156, 198, 373, 326))
"""YOLOv5 P3/P4/P5 anchors (w, h pairs, network pixels) from ultralytics ``yolov5s.yaml``."""


@register_decoder('yolov5')
class Yolov5Decoder(DetectionDecoder):
    """
    Decode ultralytics YOLOv5 (and YOLOv7-style) anchor-based heads.

    Default: the ``export.py --include onnx`` output ``(1, N, 5 + C)`` with the grid/anchor
    decode inside the graph: (cx, cy, w, h) in network pixels, objectness and class
    probabilities (already sigmoided); ``score = objectness × class probability``.

    ``raw: true``: the per-level heads ``(1, A, H, W, 5 + C)`` (one output per stride, before
    the Detect layer's decode) are decoded here as ultralytics ``Detect.forward`` does:
    ``σ`` of every value, ``xy = (2σ − 0.5 + grid) · stride``, ``wh = (2σ)² · anchor``.
    Config: ``anchors`` (per level, flat w, h pairs in network pixels; default
    :data:`YOLOV5_ANCHORS`), ``strides`` (default ``[8, 16, 32]``), ``outputs`` (names, default
    every rank-5 output, matched to strides by grid size).

    Common config: ``output`` (name of the single output), ``multi_label`` (default False:
    best class per box, as ``detect.py``).
    """

    def __init__(self, descriptor, labels=None):
        super().__init__(descriptor, labels)
        self.raw = bool(self.config.get('raw', False))
        self.strides = tuple(int(s) for s in self.config.get('strides', (8, 16, 32)))
        anchors = self.config.get('anchors', YOLOV5_ANCHORS)
        try:
            self.anchors = [np.asarray(a, np.float32).reshape(-1, 2) for a in anchors]
        except (TypeError, ValueError) as exc:
            raise ModelError(f'yolov5 anchors must be a list of [w, h, w, h, …] per level, '
                             f'got {anchors!r}') from exc
        if self.raw and len(self.anchors) != len(self.strides):
            raise ModelError(f'yolov5: {len(self.anchors)} anchor levels but '
                             f'{len(self.strides)} strides; give one anchor list per stride')
        self._grids: Dict[Tuple[int, int, int], np.ndarray] = {}

    def _raw_specs(self, outputs):
        names = self.config.get('outputs')
        if names:
            specs = [_find_spec(outputs, n, 'yolov5') for n in names]
        else:
            specs = [o for o in outputs if len(o.shape) == 5]
        return specs

    def check_outputs(self, outputs) -> None:
        """Check the single (1, N, 5 + C) output, or the raw per-level heads."""
        if not self.raw:
            spec = _find_spec(outputs, self.config.get('output'), 'yolov5') or outputs[0]
            if len(spec.shape) != 3:
                hint = ('; for per-level raw heads set decoder: raw: true'
                        if any(len(o.shape) == 5 for o in outputs) else '')
                raise ModelError(f'yolov5 needs a (1, boxes, 5 + classes) output; '
                                 f'{spec.name!r} has shape {spec.shape}{hint}')
            if _known(spec.shape[2]) and spec.shape[2] < 6:
                raise ModelError(f'yolov5: output {spec.name!r} has {spec.shape[2]} channels, '
                                 'needs (cx, cy, w, h, objectness) + classes')
            self._check_classes(spec.shape[2], f'output {spec.name!r}', 5)
            return
        specs = self._raw_specs(outputs)
        if len(specs) != len(self.strides):
            raise ModelError(f'yolov5 raw: expected {len(self.strides)} outputs of shape '
                             f'(1, anchors, H, W, 5 + classes), found '
                             f'{[(o.name, o.shape) for o in outputs]}')
        pre = self.descriptor.preprocess
        for spec in specs:
            if len(spec.shape) != 5:
                raise ModelError(f'yolov5 raw: output {spec.name!r} has shape {spec.shape}, '
                                 'expected (1, anchors, H, W, 5 + classes)')
            self._check_classes(spec.shape[4], f'output {spec.name!r}', 5)
            if _known(spec.shape[2]):
                stride = pre.height // spec.shape[2]
                if stride not in self.strides:
                    raise ModelError(f'yolov5 raw: output {spec.name!r} grid {spec.shape[2]} '
                                     f'rows at input height {pre.height} means stride {stride},'
                                     f' not one of {list(self.strides)}')
                level = self.strides.index(stride)
                if _known(spec.shape[1]) and spec.shape[1] != self.anchors[level].shape[0]:
                    raise ModelError(f'yolov5 raw: output {spec.name!r} has {spec.shape[1]} '
                                     f'anchors, config gives {self.anchors[level].shape[0]} '
                                     f'for stride {stride}')

    def _grid(self, ny: int, nx: int) -> np.ndarray:
        key = (ny, nx, 0)
        if key not in self._grids:
            ys, xs = np.mgrid[0:ny, 0:nx]
            self._grids[key] = np.stack((xs, ys), axis=-1).astype(np.float32)  # (ny, nx, 2)
        return self._grids[key]

    def _decode_raw(self, outputs, network_size) -> np.ndarray:
        """Decode per-level heads to (N, 5 + C): cx, cy, w, h (network px), obj, classes."""
        names = self.config.get('outputs')
        arrays = ([np.asarray(outputs[n]) for n in names] if names else
                  [np.asarray(a) for a in outputs.values() if np.asarray(a).ndim == 5])
        levels = []
        for arr in arrays:
            head = _batch1(arr, 5, 'yolov5 raw').astype(np.float32, copy=False)
            na, ny, nx, ch = head.shape
            stride = network_size[0] // ny
            if stride not in self.strides:
                raise ModelError(f'yolov5 raw: grid of {ny} rows does not match strides '
                                 f'{list(self.strides)} at input height {network_size[0]}')
            anchors = self.anchors[self.strides.index(stride)]
            if anchors.shape[0] != na:
                raise ModelError(f'yolov5 raw: {na} anchors at stride {stride}, config has '
                                 f'{anchors.shape[0]}')
            y = sigmoid(head)
            xy = (y[..., 0:2] * 2.0 - 0.5 + self._grid(ny, nx)[None]) * stride
            wh = (y[..., 2:4] * 2.0) ** 2 * anchors[:, None, None, :]
            levels.append(np.concatenate((xy, wh, y[..., 4:]), axis=-1).reshape(-1, ch))
        if not levels:
            raise ModelError('yolov5 raw: no (1, anchors, H, W, 5 + classes) outputs')
        return np.concatenate(levels, axis=0)

    def decode(self, outputs, transform, params) -> DetectionResult:
        """Return the detections of one image (see the class docs)."""
        if self.raw:
            pred = self._decode_raw(outputs, transform.network_size)
        else:
            pred = _batch1(self.output(outputs, 'output'), 3, 'yolov5')
            pred = pred.astype(np.float32, copy=False)
            if pred.shape[1] < 6:
                raise ModelError(f'yolov5: output has {pred.shape[1]} channels, needs >= 6')
        obj = pred[:, 4]
        rows = np.nonzero(obj >= params.score_threshold)[0]
        index, class_id, score = self.select(obj[rows, None] * pred[rows, 5:],
                                             params.score_threshold,
                                             bool(self.config.get('multi_label', False)))
        rows = rows[index]
        boxes = cxcywh_to_xyxy(pred[rows, 0:4])
        return self.finish(boxes, score, class_id, transform, params)


# --------------------------------------------------------------------------------------
# YOLOv8 / YOLO11
# --------------------------------------------------------------------------------------

@register_decoder('yolov8')
class Yolov8Decoder(DetectionDecoder):
    """
    Decode the ultralytics YOLOv8 / YOLO11 ``yolo export format=onnx`` head.

    Output ``(1, 4 + C, N)`` (``output0``, 84 × 8400 at 640 for COCO): (cx, cy, w, h) in
    network pixels and C class probabilities (already sigmoided, no objectness). The
    transposed ``(1, N, 4 + C)`` is accepted too; the channel axis is the one equal to
    ``4 + len(labels)`` when labels exist, else the shorter one.

    Config: ``output`` (name), ``multi_label`` (default False, as ultralytics ``predict``).
    """

    def _channel_axis(self, shape, name, extra: int = 0, extra_text: str = '') -> int:
        """
        Return 1 or 2: the axis holding the 4 + C (+ ``extra``) channels.

        :param shape: the head output's shape (rank 3).
        :param name: its name, for messages.
        :param extra: channels after the class scores (instance segmentation: the mask
            coefficients).
        :param extra_text: what the extra channels are, for messages (`` + 32 mask
            coefficients``).
        :raises ModelError: if no axis fits the labels.
        """
        if self.num_classes is not None:
            want = 4 + self.num_classes + extra
            hits = [ax for ax in (1, 2) if shape[ax] == want]
            if hits:
                return hits[0]
            if all(_known(shape[ax]) for ax in (1, 2)):
                raise ModelError(
                    f'{self.decoder_name}: output {name!r} of shape {tuple(shape)} has no axis '
                    f'of 4 + {self.num_classes}{extra_text} = {want} channels for the '
                    f'{self.num_classes} labels; use the labels the model was trained with')
        a, b = shape[1], shape[2]
        if not _known(a):
            return 2
        if not _known(b):
            return 1
        return 1 if a <= b else 2

    def check_outputs(self, outputs) -> None:
        """Check for a (1, 4 + C, N) or (1, N, 4 + C) output matching the labels."""
        spec = _find_spec(outputs, self.config.get('output'), self.decoder_name) or outputs[0]
        if len(spec.shape) != 3:
            raise ModelError(f'{self.decoder_name} needs a (1, 4 + classes, boxes) output; '
                             f'{spec.name!r} has shape {spec.shape}')
        axis = self._channel_axis(spec.shape, spec.name)
        if _known(spec.shape[axis]) and spec.shape[axis] < 5:
            raise ModelError(f'{self.decoder_name}: output {spec.name!r} has '
                             f'{spec.shape[axis]} channels, needs 4 box values + classes')

    def head(self, raw: np.ndarray, name: str, extra: int = 0, extra_text: str = ''
             ) -> np.ndarray:
        """
        Return the head output as (N, 4 + C + ``extra``) float32 rows, one per anchor.

        :param raw: the (1, 4 + C + extra, N) or (1, N, 4 + C + extra) output.
        :param name: its name, for messages.
        :param extra: channels after the class scores (see :meth:`_channel_axis`).
        :param extra_text: what they are, for messages.
        :raises ModelError: on a shape that is not batch-1 rank 3 or does not fit the labels.
        """
        raw = np.asarray(raw)
        pred = _batch1(raw, 3, self.decoder_name).astype(np.float32, copy=False)
        if self._channel_axis(raw.shape, name, extra, extra_text) == 1:
            pred = pred.T
        return pred

    def candidates(self, pred: np.ndarray, threshold: float, extra: int = 0):
        """
        Threshold (N, 4 + C + extra) head rows: best class (or every class with multi_label).

        :param pred: rows from :meth:`head`.
        :param threshold: minimum class score (inclusive).
        :param extra: trailing channels that are not class scores.
        :return: ``(index, boxes, scores, class_ids)``: (K,) int64 row indices, (K, 4)
            float32 xyxy network pixels, (K,) float32, (K,) int64.
        """
        end = pred.shape[1] - int(extra)
        index, class_id, score = self.select(pred[:, 4:end], threshold,
                                             bool(self.config.get('multi_label', False)))
        return index, cxcywh_to_xyxy(pred[index, 0:4]), score, class_id

    def decode(self, outputs, transform, params) -> DetectionResult:
        """Return the detections of one image (see the class docs)."""
        pred = self.head(self.output(outputs, 'output'), self.config.get('output', 'output'))
        _, boxes, score, class_id = self.candidates(pred, params.score_threshold)
        return self.finish(boxes, score, class_id, transform, params)


@register_decoder('yolo11')
class Yolo11Decoder(Yolov8Decoder):
    """Decode ultralytics YOLO11 exports (same head layout as :class:`Yolov8Decoder`)."""


# --------------------------------------------------------------------------------------
# End-to-end exports (TensorRT EfficientNMS, ultralytics/YOLOv10 end2end)
# --------------------------------------------------------------------------------------

@register_decoder('efficient_nms')
class EfficientNmsDecoder(DetectionDecoder):
    """
    Decode outputs that already went through NMS (TensorRT ``EfficientNMS_TRT`` plugin).

    Outputs: ``num_dets`` (1, 1) int, boxes (1, K, 4) xyxy in network pixels, scores (1, K),
    classes (1, K). Only the first ``num_dets`` rows are valid. No NMS of ours; the score
    threshold and ``max_detections`` still apply.

    Config: ``num_dets``, ``boxes``, ``scores``, ``classes`` (output names; defaults
    ``num_dets``/``num_detections``, ``det_boxes``/``detection_boxes``/``boxes``/``bboxes``,
    ``det_scores``/``detection_scores``/``scores``,
    ``det_classes``/``detection_classes``/``classes``/``labels``: the plugin's own output
    names and the common export names), ``normalized`` (boxes in 0..1 of the network
    input, default False), ``box_format`` (``xyxy`` default, or ``cxcywh``).
    """

    _DEFAULTS = {'num_dets': ('num_dets', 'num_detections'),
                 'boxes': ('det_boxes', 'detection_boxes', 'boxes', 'bboxes'),
                 'scores': ('det_scores', 'detection_scores', 'scores'),
                 'classes': ('det_classes', 'detection_classes', 'classes', 'labels')}

    def _names(self, available) -> Dict[str, Optional[str]]:
        names = {}
        for key, candidates in self._DEFAULTS.items():
            name = self.config.get(key)
            if name is None:
                name = next((c for c in candidates if c in available), None)
            elif name not in available:
                raise ModelError(f'efficient_nms: output {name!r} (config {key}) not found; '
                                 f'the model has {sorted(available)}')
            names[key] = name
        return names

    def check_outputs(self, outputs) -> None:
        """Check that boxes, scores and classes outputs exist with matching shapes."""
        by_name = {o.name: o for o in outputs}
        names = self._names(by_name)
        missing = [k for k in ('boxes', 'scores', 'classes') if names[k] is None]
        if missing:
            raise ModelError(f'efficient_nms: no output for {missing}; the model has '
                             f'{sorted(by_name)}; name them in the descriptor (decoder: '
                             f'boxes: …, scores: …, classes: …, num_dets: …)')
        boxes = by_name[names['boxes']]
        if len(boxes.shape) != 3 or (_known(boxes.shape[2]) and boxes.shape[2] != 4):
            raise ModelError(f'efficient_nms: boxes output {boxes.name!r} has shape '
                             f'{boxes.shape}, expected (1, K, 4)')
        for key in ('scores', 'classes'):
            spec = by_name[names[key]]
            if len(spec.shape) != 2:
                raise ModelError(f'efficient_nms: {key} output {spec.name!r} has shape '
                                 f'{spec.shape}, expected (1, K)')

    def decode(self, outputs, transform, params) -> DetectionResult:
        """Return the detections of one image (see the class docs)."""
        names = self._names(outputs)
        boxes = _batch1(outputs[names['boxes']], 3, 'efficient_nms boxes').astype(np.float32)
        scores = np.asarray(outputs[names['scores']], np.float32).reshape(-1)
        classes = np.asarray(outputs[names['classes']]).reshape(-1).astype(np.int64)
        count = boxes.shape[0]
        if names['num_dets'] is not None:
            count = min(count, int(np.asarray(outputs[names['num_dets']]).reshape(-1)[0]))
        boxes, scores, classes = boxes[:count], scores[:count], classes[:count]
        if self.config.get('box_format', 'xyxy') == 'cxcywh':
            boxes = cxcywh_to_xyxy(boxes)
        if self.config.get('normalized', False):
            nh, nw = transform.network_size
            boxes = boxes * np.array([nw, nh, nw, nh], np.float32)
        keep = scores >= params.score_threshold
        return self.finish(boxes[keep], scores[keep], classes[keep], transform, params,
                           apply_nms=False)


# --------------------------------------------------------------------------------------
# SSD (jetson-inference pytorch-ssd)
# --------------------------------------------------------------------------------------

@register_decoder('ssd')
class SsdDecoder(DetectionDecoder):
    """
    Decode jetson-inference's SSD-Mobilenet ONNX export (dusty-nv/pytorch-ssd).

    ``onnx_export.py`` names the outputs ``scores`` and ``boxes``; in test mode ``SSD.forward``
    returns ``softmax(confidences)`` (1, N, C) and the prior-decoded boxes in corner form,
    (1, N, 4) xyxy normalised to 0..1 of the network input. Class 0 is the background and is
    skipped; NMS is per class (as ``Predictor``/detectNet do).

    Config: ``scores``, ``boxes`` (output names, defaults as above), ``background_class``
    (default 0, ``null`` for none), ``normalized`` (default True), ``multi_label`` (default
    True: every non-background class above the threshold, as pytorch-ssd's ``Predictor``).
    """

    def _names(self, available):
        return self.config.get('scores', 'scores'), self.config.get('boxes', 'boxes')

    def check_outputs(self, outputs) -> None:
        """Check for ``scores`` (1, N, C) and ``boxes`` (1, N, 4) outputs."""
        by_name = {o.name: o for o in outputs}
        s_name, b_name = self._names(by_name)
        for name, key in ((s_name, 'scores'), (b_name, 'boxes')):
            if name not in by_name:
                raise ModelError(f'ssd: output {name!r} not found; the model has '
                                 f'{sorted(by_name)}; set decoder: {key}: <output name>')
        scores, boxes = by_name[s_name], by_name[b_name]
        if len(scores.shape) != 3 or len(boxes.shape) != 3 or (
                _known(boxes.shape[2]) and boxes.shape[2] != 4):
            raise ModelError(f'ssd needs scores (1, N, classes) and boxes (1, N, 4); got '
                             f'{scores.shape} and {boxes.shape}')
        self._check_classes(scores.shape[2], f'scores output {s_name!r}', 0,
                            ' (jetson-inference labels include index 0 = background)')

    def decode(self, outputs, transform, params) -> DetectionResult:
        """Return the detections of one image (see the class docs)."""
        s_name, b_name = self._names(outputs)
        missing = [n for n in (s_name, b_name) if n not in outputs]
        if missing:
            raise ModelError(f'ssd: outputs {missing} not found; the model has {sorted(outputs)}')
        scores = _batch1(outputs[s_name], 3, 'ssd scores').astype(np.float32, copy=False)
        boxes = _batch1(outputs[b_name], 3, 'ssd boxes').astype(np.float32, copy=False)
        background = self.config.get('background_class', 0)
        if background is not None and 0 <= int(background) < scores.shape[1]:
            scores = scores.copy()
            scores[:, int(background)] = -1.0
        index, class_id, score = self.select(scores, params.score_threshold,
                                             bool(self.config.get('multi_label', True)))
        picked = boxes[index]
        if self.config.get('normalized', True):
            nh, nw = transform.network_size
            picked = picked * np.array([nw, nh, nw, nh], np.float32)
        return self.finish(picked, score, class_id, transform, params)


# --------------------------------------------------------------------------------------
# DETR / RT-DETR
# --------------------------------------------------------------------------------------

@register_decoder('detr')
class DetrDecoder(DetectionDecoder):
    """
    Decode DETR-family set predictions (no NMS: score threshold and max_detections only).

    Two output forms, chosen by the outputs the model has:

    - raw: ``pred_logits`` (1, Q, C + 1) and ``pred_boxes`` (1, Q, 4) normalised
      (cx, cy, w, h) of the network input. ``activation: softmax`` (DETR, default) drops the
      last ("no object") class after the softmax and keeps the best class of each query;
      ``activation: sigmoid`` (focal-loss models: Deformable DETR, RT-DETR without its
      postprocessor) scores C classes independently and, as their postprocessors' top-k over
      the flattened query × class scores, reports every class of a query that passes the
      threshold (``multi_label: false`` keeps only the best one).
    - postprocessed (lyuwenyu RT-DETR ``export_onnx.py``): inputs ``images`` and
      ``orig_target_sizes`` (1, 2) int64, outputs ``labels`` (1, Q), ``boxes`` (1, Q, 4) xyxy
      scaled by the target size, ``scores`` (1, Q). RT-DETR's postprocessor multiplies the
      boxes by ``orig_target_sizes.repeat(1, 2)``, so the pair is (width, height); we feed the
      network input size, so boxes come back in network pixels.

    Config: ``logits``, ``boxes``, ``labels``, ``scores`` (output names), ``activation``,
    ``multi_label`` (sigmoid only, default True), ``target_sizes_input`` (default
    ``orig_target_sizes``).
    """

    default_activation = 'softmax'

    def _mode(self, names) -> str:
        names = set(names)
        logits = self.config.get('logits', 'pred_logits')
        boxes = self.config.get('boxes', 'pred_boxes')
        if logits in names and boxes in names:
            return 'raw'
        if {self.config.get('labels', 'labels'), self.config.get('boxes', 'boxes'),
                self.config.get('scores', 'scores')} <= names:
            return 'postprocessed'
        raise ModelError(
            f'{self.decoder_name}: outputs {sorted(names)} are neither DETR raw outputs '
            f'({logits!r}, {boxes!r}) nor RT-DETR postprocessed ones (labels, boxes, scores); '
            'name them in the descriptor decoder: mapping')

    def check_outputs(self, outputs) -> None:
        """Check for raw (pred_logits, pred_boxes) or postprocessed (labels, boxes, scores)."""
        by_name = {o.name: o for o in outputs}
        mode = self._mode(by_name)
        activation = self.config.get('activation', self.default_activation)
        if activation not in ('softmax', 'sigmoid'):
            raise ModelError(f"{self.decoder_name} activation must be 'softmax' or 'sigmoid',"
                             f' got {activation!r}')
        if mode == 'raw':
            logits = by_name[self.config.get('logits', 'pred_logits')]
            boxes = by_name[self.config.get('boxes', 'pred_boxes')]
            if len(logits.shape) != 3 or len(boxes.shape) != 3 or (
                    _known(boxes.shape[2]) and boxes.shape[2] != 4):
                raise ModelError(f'{self.decoder_name}: expected logits (1, Q, classes) and '
                                 f'boxes (1, Q, 4), got {logits.shape} and {boxes.shape}')
            extra = 1 if activation == 'softmax' else 0
            self._check_classes(logits.shape[2], f'logits output {logits.name!r}', extra,
                                ' (softmax DETR models add one "no object" class)')
        else:
            boxes = by_name[self.config.get('boxes', 'boxes')]
            if len(boxes.shape) != 3 or (_known(boxes.shape[2]) and boxes.shape[2] != 4):
                raise ModelError(f'{self.decoder_name}: boxes output {boxes.name!r} has '
                                 f'shape {boxes.shape}, expected (1, Q, 4)')

    def extra_inputs(self, transform, inputs) -> Dict[str, np.ndarray]:
        """Return ``orig_target_sizes`` = [[network width, height]] if the model takes it."""
        name = self.config.get('target_sizes_input', 'orig_target_sizes')
        spec = next((s for s in inputs if s.name == name), None)
        if spec is None:
            return {}
        nh, nw = transform.network_size
        return {name: np.array([[nw, nh]], dtype=spec.dtype)}

    def decode(self, outputs, transform, params) -> DetectionResult:
        """Return the detections of one image (see the class docs)."""
        if self._mode(outputs) == 'raw':
            logits = _batch1(outputs[self.config.get('logits', 'pred_logits')], 3,
                             self.decoder_name)
            boxes = _batch1(outputs[self.config.get('boxes', 'pred_boxes')], 3,
                            self.decoder_name)
            if self.config.get('activation', self.default_activation) == 'softmax':
                probs = _softmax(logits, axis=-1)[:, :-1]
                multi_label = False   # DETR PostProcess: best class per query
            else:
                probs = sigmoid(logits)
                # RT-DETR / Deformable DETR postprocessors: top-k over query × class
                multi_label = bool(self.config.get('multi_label', True))
            index, class_id, score = self.select(probs, params.score_threshold, multi_label)
            nh, nw = transform.network_size
            scale = np.array([nw, nh, nw, nh], np.float32)
            xyxy = cxcywh_to_xyxy(np.asarray(boxes)[index]) * scale
            return self.finish(xyxy, score, class_id, transform, params, apply_nms=False)
        class_id = np.asarray(outputs[self.config.get('labels', 'labels')]).reshape(-1)
        score = np.asarray(outputs[self.config.get('scores', 'scores')], np.float32).reshape(-1)
        xyxy = _batch1(outputs[self.config.get('boxes', 'boxes')], 3, self.decoder_name)
        keep = score >= params.score_threshold
        return self.finish(np.asarray(xyxy, np.float32)[keep], score[keep],
                           class_id[keep].astype(np.int64), transform, params, apply_nms=False)


@register_decoder('rtdetr')
class RtdetrDecoder(DetrDecoder):
    """Decode RT-DETR: postprocessed exports, or raw focal-loss logits (sigmoid by default)."""

    default_activation = 'sigmoid'


__all__: Sequence[str] = [
    'DetectionResult', 'make_detections', 'nms', 'box_iou', 'cxcywh_to_xyxy', 'sigmoid',
    'DetectionDecoder', 'YoloxDecoder', 'Yolov5Decoder', 'Yolov8Decoder', 'Yolo11Decoder',
    'EfficientNmsDecoder', 'SsdDecoder', 'DetrDecoder', 'RtdetrDecoder', 'YOLOV5_ANCHORS']


# --------------------------------------------------------------------------------------
# overlay
# --------------------------------------------------------------------------------------

DEFAULT_FLAGS = ('box', 'labels', 'conf')
"""detectNet's default ``--overlay`` flags."""


def detection_text(label: str, score: float, track_id: Optional[int], show_label: bool,
                   show_conf: bool) -> str:
    """Return the caption of one box: ``#track label 93.1%`` (parts as the flags ask)."""
    parts = []
    if track_id is not None:
        parts.append(f'#{int(track_id)}')
    if show_label:
        parts.append(label)
    if show_conf:
        parts.append(f'{100.0 * float(score):.1f}%')
    return ' '.join(parts)


def _draw_detection(image, result: DetectionResult, options):
    """
    Draw boxes as jetson-inference's detectNet overlay does (``box,lines,labels,conf``).

    ``box`` fills each box with its class colour blended at ``options.alpha``; ``lines`` draws
    the outline; ``labels``/``conf`` put the class name and confidence (and the track id when
    the result has one) above the box.
    """
    from jetson_dnn_ros.overlay import class_color, put_label
    n = len(result)
    if n == 0 or 'none' in options.flags:
        return image
    h, w = image.shape[:2]
    boxes = np.round(np.asarray(result.boxes, np.float64)).astype(np.int64)
    boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w - 1)
    boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h - 1)
    colors = [class_color(int(c)) for c in result.class_ids]
    if options.has('box', DEFAULT_FLAGS):
        # blend each box in place, as detectNet does (overlaps are blended twice): the work is
        # proportional to the box areas, not to the image
        alpha = float(options.alpha)
        for (x1, y1, x2, y2), color in zip(boxes.tolist(), colors):
            roi = image[y1:y2 + 1, x1:x2 + 1]
            if roi.size:
                fill = np.empty_like(roi)
                fill[:] = color
                cv2.addWeighted(roi, 1.0 - alpha, fill, alpha, 0.0, dst=roi)
    if options.has('lines', DEFAULT_FLAGS):
        thickness = options.line_width_for(image)
        for (x1, y1, x2, y2), color in zip(boxes.tolist(), colors):
            cv2.rectangle(image, (x1, y1), (x2, y2), color, thickness, cv2.LINE_AA)
    show_label = options.has('labels', DEFAULT_FLAGS)
    show_conf = options.has('conf', DEFAULT_FLAGS)
    tracks = result.track_ids
    if show_label or show_conf or tracks is not None:
        for i, ((x1, y1, _, _), color) in enumerate(zip(boxes.tolist(), colors)):
            text = detection_text(result.labels[i], result.scores[i],
                                  None if tracks is None else tracks[i], show_label, show_conf)
            if text:
                put_label(image, text, x1, y1, color, options)
    return image


def _register():
    from jetson_dnn_ros.overlay import register_drawer
    register_drawer('detection')(_draw_detection)


_register()
