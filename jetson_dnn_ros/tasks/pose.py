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
Multi-person 2D pose: the result types, keypoint topologies and the overlay drawer.

Every decoder (see :mod:`jetson_dnn_ros.tasks.pose_decoders`: ``posenet``, ``yolov8_pose``,
``yolo11_pose``, ``openpose``, ``movenet``) returns a :class:`PoseResult` whose keypoints
are (x, y) in source-image pixels with a confidence in [0, 1]. A keypoint the model is unsure
of keeps its position and carries its low confidence; consumers filter by confidence.
A keypoint the model did not find at all (OpenPose parts without a peak) has confidence 0.

Thresholds (:class:`~jetson_dnn_ros.models.DecodeParams`):

- ``score_threshold``: minimum person score, for every decoder (YOLO box score, PoseNet
  instance score, OpenPose/MoveNet mean keypoint confidence).
- ``options['keypoint_threshold']`` (default 0.3): keypoints at or above it span the person
  box of models without a detector, and are the ones the overlay draws.
"""

from dataclasses import dataclass
import re
from typing import Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.labels import COCO17_KEYPOINTS, COCO17_SKELETON
from jetson_dnn_ros.tasks.base import freeze
import numpy as np

DEFAULT_KEYPOINT_THRESHOLD = 0.3
"""Keypoint confidence for boxes and drawing (jetson-inference poseNet draws parts above its
threshold; 0.3 is the PoseNet demo's ``minPartConfidence``)."""

BOX_PADDING = 0.1
"""Box padding around the confident keypoints, as a fraction of their extent per side."""

TRTPOSE_BODY_KEYPOINTS = COCO17_KEYPOINTS + ('neck',)
"""The 18 keypoints of trt_pose ``tasks/human_pose/human_pose.json`` (COCO-17 + neck)."""

TRTPOSE_BODY_SKELETON = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 7), (6, 8), (7, 9), (8, 10),
    (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6), (17, 0), (17, 5), (17, 6),
    (17, 11), (17, 12))
"""The 21 links of trt_pose ``human_pose.json`` as 0-based index pairs, in file order.

Link ``k`` reads PAF channels ``2k`` (y) and ``2k + 1`` (x), as trt_pose's
``coco_category_to_topology`` and jetson-inference's ``poseNet::loadTopology`` build it.
"""

POSENET_CHAIN = ((0, 1), (1, 3), (0, 2), (2, 4), (0, 5), (5, 7), (7, 9), (5, 11), (11, 13),
                 (13, 15), (0, 6), (6, 8), (8, 10), (6, 12), (12, 14), (14, 16))
"""PoseNet's 16-edge parent → child tree over COCO-17 (tfjs-models ``posenet/src/keypoints.ts``
``poseChain``); edge ``e`` is channel ``e`` (y) and ``16 + e`` (x) of the displacements."""

SKELETONS = {'coco17': COCO17_SKELETON, 'trt_pose_body': TRTPOSE_BODY_SKELETON,
             'posenet': POSENET_CHAIN}
KEYPOINT_SETS = {'coco17': COCO17_KEYPOINTS, 'coco17_keypoints': COCO17_KEYPOINTS,
                 'trt_pose_body': TRTPOSE_BODY_KEYPOINTS}


@dataclass(frozen=True)
class Person:
    """
    One person's pose.

    :param box: (4,) float32 xyxy in source-image pixels, clipped to the image: the
        detector's box (YOLO-pose) or the padded extent of the confident keypoints.
    :param score: person confidence in [0, 1].
    :param keypoints: (K, 3) float32 rows (x, y, confidence): x and y in source-image
        pixels (continuous, pixel centres at +0.5), confidence in [0, 1]; index = keypoint id
        of :attr:`PoseResult.keypoint_names`.
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray

    def visible(self, threshold: float = DEFAULT_KEYPOINT_THRESHOLD) -> np.ndarray:
        """Return a (K,) bool mask of keypoints with confidence >= ``threshold``."""
        return self.keypoints[:, 2] >= threshold

    def to_dict(self, keypoint_names: Optional[Sequence[str]] = None) -> dict:
        """Return a JSON-serialisable dict (keypoints named when names are given)."""
        names = keypoint_names or [str(i) for i in range(self.keypoints.shape[0])]
        return {'score': float(self.score), 'xyxy': [float(v) for v in self.box],
                'keypoints': [{'name': n, 'x': float(x), 'y': float(y), 'score': float(c)}
                              for n, (x, y, c) in zip(names, self.keypoints.tolist())]}


@dataclass(frozen=True)
class PoseResult:
    """
    Persons found in one image, highest score first.

    :param persons: tuple of :class:`Person`.
    :param keypoint_names: K keypoint names in model order (COCO snake_case, e.g.
        ``left_shoulder``).
    :param skeleton: links as 0-based (i, j) keypoint index pairs, for drawing.
    :param image_size: (height, width) of the source image in pixels.
    :param mask: (H, W) float32 person probability in [0, 1] at source resolution
        (BodyPix ``segments``), or None.
    """

    persons: Tuple[Person, ...]
    keypoint_names: Tuple[str, ...]
    skeleton: Tuple[Tuple[int, int], ...]
    image_size: Tuple[int, int]
    mask: Optional[np.ndarray] = None
    task = 'pose'

    def __len__(self) -> int:
        """Return the number of persons."""
        return len(self.persons)

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict (the mask is summarised by its size only)."""
        out = {'task': self.task, 'image_size': list(self.image_size),
               'keypoint_names': list(self.keypoint_names),
               'skeleton': [list(p) for p in self.skeleton],
               'persons': [p.to_dict(self.keypoint_names) for p in self.persons]}
        if self.mask is not None:
            out['mask_size'] = list(self.mask.shape[:2])
        return out


def snake_case(name: str) -> str:
    """Convert a camelCase keypoint name to COCO style: ``leftEye`` → ``left_eye``."""
    return re.sub(r'(?<=[a-z0-9])([A-Z])', r'_\1', str(name).strip()).lower()


def resolve_keypoint_names(spec, labels: Optional[Sequence[str]], count: Optional[int] = None
                           ) -> Tuple[str, ...]:
    """
    Return the model's keypoint names in COCO snake_case.

    :param spec: descriptor ``keypoints`` value: a key of ``KEYPOINT_SETS``, a list, or None.
    :param labels: the descriptor's loaded labels (a keypoint names file such as BodyPix's
        camelCase ``bodypix_coco17_keypoints.txt``), or None.
    :param count: keypoints the model outputs, if known: 17 → COCO-17, 18 → trt_pose body.
    :raises ModelError: if no names are given and ``count`` has no default set.
    """
    if isinstance(spec, str):
        if spec not in KEYPOINT_SETS:
            raise ModelError(f'unknown keypoint set {spec!r}; use one of '
                             f'{sorted(KEYPOINT_SETS)} or a list of names')
        names = KEYPOINT_SETS[spec]
    elif spec is not None:
        names = tuple(str(s) for s in spec)
    elif labels is not None:
        names = tuple(labels)
    elif count in (None, 17):
        names = COCO17_KEYPOINTS
    elif count == 18:
        names = TRTPOSE_BODY_KEYPOINTS
    else:
        raise ModelError(f'the pose model has {count} keypoints; name them with '
                         '`keypoints:` (a list) in the descriptor')
    return tuple(snake_case(n) for n in names)


def resolve_skeleton(spec, names: Sequence[str]) -> Tuple[Tuple[int, int], ...]:
    """
    Return drawing links as 0-based index pairs.

    :param spec: descriptor ``skeleton`` value: a key of ``SKELETONS``, a list of pairs
        (0-based), or None for the default of the keypoint set (COCO-17 or trt_pose body).
    :param names: the keypoint names (their count picks the default).
    :raises ModelError: on an unknown name or a pair outside the keypoints.
    """
    if spec is None:
        spec = 'trt_pose_body' if len(names) == 18 else 'coco17' if len(names) == 17 else []
    if isinstance(spec, str):
        if spec not in SKELETONS:
            raise ModelError(f'unknown skeleton {spec!r}; use one of {sorted(SKELETONS)} '
                             'or a list of 0-based [i, j] pairs')
        spec = SKELETONS[spec]
    pairs = tuple((int(a), int(b)) for a, b in spec)
    for a, b in pairs:
        if not (0 <= a < len(names) and 0 <= b < len(names)):
            raise ModelError(f'skeleton link ({a}, {b}) is outside the {len(names)} keypoints')
    return pairs


def keypoint_boxes(keypoints: np.ndarray, image_size: Tuple[int, int],
                   threshold: float = DEFAULT_KEYPOINT_THRESHOLD,
                   padding: float = BOX_PADDING) -> np.ndarray:
    """
    Return person boxes spanning their confident keypoints, padded and clipped.

    Persons without a keypoint at or above ``threshold`` use all keypoints with a non-zero
    confidence (all keypoints if none).

    :param keypoints: (P, K, 3) float (x, y, confidence), source-image pixels.
    :param image_size: (height, width) of the source image in pixels.
    :param threshold: keypoint confidence that counts.
    :param padding: fraction of the keypoint extent added on each side (at least 2 px).
    :return: (P, 4) float32 xyxy in source-image pixels, clipped to ``[0, w] × [0, h]``.
    """
    kp = np.asarray(keypoints, np.float32).reshape(-1, keypoints.shape[-2], 3)
    if kp.shape[0] == 0:
        return np.zeros((0, 4), np.float32)
    conf = kp[:, :, 2]
    use = conf >= threshold
    fallback = ~use.any(axis=1)
    use[fallback] = conf[fallback] > 0
    none = ~use.any(axis=1)
    use[none] = True
    big = np.float32(np.inf)
    x = np.where(use, kp[:, :, 0], big)
    y = np.where(use, kp[:, :, 1], big)
    x1, y1 = x.min(axis=1), y.min(axis=1)
    x = np.where(use, kp[:, :, 0], -big)
    y = np.where(use, kp[:, :, 1], -big)
    x2, y2 = x.max(axis=1), y.max(axis=1)
    pad_x = np.maximum((x2 - x1) * padding, 2.0)
    pad_y = np.maximum((y2 - y1) * padding, 2.0)
    h, w = image_size
    boxes = np.stack([x1 - pad_x, y1 - pad_y, x2 + pad_x, y2 + pad_y], axis=1)
    np.clip(boxes[:, 0::2], 0.0, float(w), out=boxes[:, 0::2])
    np.clip(boxes[:, 1::2], 0.0, float(h), out=boxes[:, 1::2])
    return boxes.astype(np.float32)


def make_pose_result(keypoints: np.ndarray, scores: np.ndarray, names: Sequence[str],
                     skeleton, image_size, boxes: Optional[np.ndarray] = None,
                     mask: Optional[np.ndarray] = None,
                     keypoint_threshold: float = DEFAULT_KEYPOINT_THRESHOLD) -> PoseResult:
    """
    Build a :class:`PoseResult` (sorted by score, arrays frozen).

    :param keypoints: (P, K, 3) (x, y, confidence), source-image pixels; confidences are
        clipped to [0, 1].
    :param scores: (P,) person scores in [0, 1].
    :param names: K keypoint names.
    :param skeleton: links as 0-based index pairs.
    :param image_size: (height, width) of the source image.
    :param boxes: (P, 4) xyxy source pixels from a detector, or None to span the keypoints
        (:func:`keypoint_boxes`).
    :param mask: (H, W) float32 person probability, or None.
    :param keypoint_threshold: keypoint confidence that spans a box.
    """
    k = len(names)
    kp = np.asarray(keypoints, np.float32).reshape(-1, k, 3).copy()
    np.clip(kp[:, :, 2], 0.0, 1.0, out=kp[:, :, 2])
    scores = np.clip(np.asarray(scores, np.float32).reshape(-1), 0.0, 1.0)
    image_size = tuple(int(v) for v in image_size)
    if boxes is None:
        boxes = keypoint_boxes(kp, image_size, keypoint_threshold)
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    order = np.argsort(-scores, kind='stable')
    persons = tuple(Person(freeze(boxes[i].copy()), float(scores[i]), freeze(kp[i]))
                    for i in order)
    if mask is not None:
        mask = freeze(np.asarray(mask, np.float32))
    return PoseResult(persons, tuple(names), tuple(tuple(p) for p in skeleton), image_size,
                      mask)


def _draw_pose(image, result: PoseResult, options):
    """
    Draw links, keypoints and boxes as jetson-inference's poseNet overlay.

    Keypoint radius = max(largest image side × ``keypoint_scale``, 4) px and link width =
    max(largest side × ``link_scale``, 1.5) px (poseNet's defaults 0.0052 and 0.0013, from
    ``OverlayOptions`` fields when present); only keypoints (and links whose two ends are)
    at or above ``keypoint_threshold`` (0.3) are drawn. Colours: one per keypoint id, a
    link takes its second keypoint's colour.
    """
    import cv2

    from jetson_dnn_ros.overlay import class_color
    defaults = ('links', 'keypoints')
    draw_links = options.has('links', defaults)
    draw_points = options.has('keypoints', defaults)
    draw_box = options.has('box', defaults)
    if not (draw_links or draw_points or draw_box):
        return image
    side = float(max(image.shape[:2]))
    radius = int(round(max(side * float(getattr(options, 'keypoint_scale', 0.0052)), 4.0)))
    width = int(round(max(side * float(getattr(options, 'link_scale', 0.0013)), 1.5)))
    threshold = float(getattr(options, 'keypoint_threshold', DEFAULT_KEYPOINT_THRESHOLD))
    colors = [class_color(k) for k in range(len(result.keypoint_names))]
    for person in result.persons:
        if draw_box:
            x1, y1, x2, y2 = (int(round(float(v))) for v in person.box)
            cv2.rectangle(image, (x1, y1), (x2, y2), (255, 255, 255), max(1, width))
        kp = person.keypoints
        ok = kp[:, 2] >= threshold
        pts = np.round(kp[:, :2]).astype(np.int64)
        if draw_links:
            for a, b in result.skeleton:
                if ok[a] and ok[b]:
                    cv2.line(image, (int(pts[a, 0]), int(pts[a, 1])),
                             (int(pts[b, 0]), int(pts[b, 1])), colors[b], width, cv2.LINE_AA)
        if draw_points:
            for k in np.flatnonzero(ok):
                cv2.circle(image, (int(pts[k, 0]), int(pts[k, 1])), radius, colors[k],
                           cv2.FILLED, cv2.LINE_AA)
    return image


def _register():
    from jetson_dnn_ros.overlay import register_drawer
    register_drawer('pose')(_draw_pose)


_register()

# the decoders register themselves on import; they need the types above
from jetson_dnn_ros.tasks import pose_decoders  # noqa: E402,F401,I100,I202

__all__ = ['Person', 'PoseResult', 'make_pose_result', 'keypoint_boxes', 'snake_case',
           'resolve_keypoint_names', 'resolve_skeleton', 'TRTPOSE_BODY_KEYPOINTS',
           'TRTPOSE_BODY_SKELETON', 'POSENET_CHAIN', 'DEFAULT_KEYPOINT_THRESHOLD']
