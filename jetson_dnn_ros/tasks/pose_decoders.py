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
Pose decoders: PoseNet/BodyPix, YOLOv8/YOLO11-pose, OpenPose/trt_pose and MoveNet.

Each turns raw outputs into a :class:`~jetson_dnn_ros.tasks.pose.PoseResult` in source-image
pixels. Network coordinates are continuous (pixel ``i`` covers ``[i, i + 1)``); the models'
own conventions are converted where they differ (TensorFlow's PoseNet puts pixel ``i`` at
``i``, so its positions get ``+ 0.5``).
"""

from typing import Dict, List, Optional, Sequence, Tuple

import cv2
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.tasks.base import Decoder, register_decoder
from jetson_dnn_ros.tasks.classification import sigmoid
from jetson_dnn_ros.tasks.detection import nms
from jetson_dnn_ros.tasks.pose import (DEFAULT_KEYPOINT_THRESHOLD, make_pose_result,
                                       POSENET_CHAIN, PoseResult, resolve_keypoint_names,
                                       resolve_skeleton)
import numpy as np


def _spec(outputs, name: Optional[str], index: int, decoder: str):
    if name is None:
        if index >= len(outputs):
            raise ModelError(f'{decoder}: the model has {len(outputs)} output(s), needs at '
                             f'least {index + 1}')
        return outputs[index]
    for spec in outputs:
        if spec.name == name:
            return spec
    raise ModelError(f'{decoder}: output {name!r} not found; the model has '
                     f'{[o.name for o in outputs]} (set the output names under decoder: in '
                     'the descriptor)')


def _get(outputs, name: str, decoder: str) -> np.ndarray:
    if name not in outputs:
        raise ModelError(f'{decoder}: output {name!r} not found; the model has '
                         f'{sorted(outputs)}')
    return np.asarray(outputs[name], np.float32)


class _PoseDecoder(Decoder):
    """Shared set-up: keypoint names and skeleton from the descriptor."""

    task = 'pose'
    default_keypoints: Optional[int] = None

    def __init__(self, descriptor, labels=None):
        super().__init__(descriptor, labels)
        extras = descriptor.extras
        self.keypoint_names = resolve_keypoint_names(extras.get('keypoints'), labels,
                                                     self.default_keypoints)
        self.skeleton = resolve_skeleton(extras.get('skeleton'), self.keypoint_names)

    @property
    def num_keypoints(self) -> int:
        """Return K, the number of keypoints per person."""
        return len(self.keypoint_names)

    @staticmethod
    def keypoint_threshold(params) -> float:
        """Return the run-time keypoint confidence threshold (``options``)."""
        return float(params.options.get('keypoint_threshold', DEFAULT_KEYPOINT_THRESHOLD))

    def result(self, keypoints, scores, transform, params, boxes=None, mask=None
               ) -> PoseResult:
        """Build the result from source-pixel keypoints (P, K, 3) and scores (P,)."""
        return make_pose_result(keypoints, scores, self.keypoint_names, self.skeleton,
                                transform.source_size, boxes=boxes, mask=mask,
                                keypoint_threshold=self.keypoint_threshold(params))


# ------------------------------------------------------------------------------------------
# PoseNet / BodyPix
# ------------------------------------------------------------------------------------------
@register_decoder('posenet')
class PoseNetDecoder(_PoseDecoder):
    """
    PoseNet multi-person decoding (BodyPix 2.0, PoseNet MobileNet/ResNet, NHWC outputs).

    Follows tfjs-models ``posenet/src/multi_pose`` and ``body-pix/src/multi_person``: local
    maxima of the keypoint scores within ``local_maximum_radius`` cells and at or above
    ``peak_threshold`` become root candidates, taken in decreasing score order; a root
    within ``nms_radius`` network pixels of the same keypoint of an already decoded person is
    skipped; otherwise the person is decoded by walking the 16-edge tree
    (:data:`~jetson_dnn_ros.tasks.pose.POSENET_CHAIN`) with the backward then the forward
    displacements, each step refined ``offset_refine_step`` times with the short offsets.
    The person score is the mean keypoint score over K, counting only keypoints that are
    not within ``nms_radius`` of the same keypoint of an earlier person.

    Config (descriptor ``decoder:``), defaults from tfjs-models/body-pix:

    - ``heatmaps``, ``short_offsets``, ``displacement_fwd``, ``displacement_bwd``,
      ``segments``: output names (these are the defaults).
    - ``output_stride``: network pixels per grid cell; default derived from the sizes,
      ``(net - 1) / (grid - 1)`` (16 for the ``stride16`` models).
    - ``peak_threshold`` (0.3, body-pix ``scoreThreshold``): minimum root keypoint score.
    - ``local_maximum_radius`` (1), ``nms_radius`` (20, network pixels),
      ``offset_refine_step`` (2).
    - ``single_pose`` (false): decode one person, argmax per keypoint plus its offset.
    - ``segmentation`` (false): return the ``segments`` person probability as the mask.
    """

    default_keypoints = 17

    def check_outputs(self, outputs) -> None:
        """Check that the four pose outputs (and ``segments`` if asked for) exist."""
        names = ['heatmaps', 'short_offsets']
        if not self.config.get('single_pose', False):
            names += ['displacement_fwd', 'displacement_bwd']
        if self.config.get('segmentation', False):
            names.append('segments')
        for key in names:
            spec = _spec(outputs, self.config.get(key, key), 0, 'posenet')
            if len(spec.shape) != 4:
                raise ModelError(f'posenet: output {spec.name!r} must be NHWC (1, h, w, C), '
                                 f'has shape {spec.shape}')
        heat = _spec(outputs, self.config.get('heatmaps', 'heatmaps'), 0, 'posenet')
        if heat.shape[3] is not None and heat.shape[3] != self.num_keypoints:
            raise ModelError(f'posenet: {heat.name!r} has {heat.shape[3]} keypoint channels '
                             f'but the descriptor names {self.num_keypoints} keypoints')

    def _stride(self, grid_hw, transform) -> float:
        stride = self.config.get('output_stride')
        if stride:
            return float(stride)
        nh, nw = transform.network_size
        gh, gw = grid_hw
        if gw > 1:
            return (nw - 1) / (gw - 1)
        return (nh - 1) / max(1, gh - 1)

    def decode(self, outputs, transform, params) -> PoseResult:
        """Return the persons with score >= ``params.score_threshold``, best first."""
        cfg = self.config
        scores = sigmoid(_get(outputs, cfg.get('heatmaps', 'heatmaps'), 'posenet')[0])
        offsets = _get(outputs, cfg.get('short_offsets', 'short_offsets'), 'posenet')[0]
        stride = self._stride(scores.shape[:2], transform)
        if cfg.get('single_pose', False):
            pos, conf = decode_single_pose(scores, offsets, stride)
            pos, conf = pos[None], conf[None]
            person_scores = conf.mean(axis=1)
        else:
            fwd = _get(outputs, cfg.get('displacement_fwd', 'displacement_fwd'), 'posenet')[0]
            bwd = _get(outputs, cfg.get('displacement_bwd', 'displacement_bwd'), 'posenet')[0]
            pos, conf, person_scores = decode_multiple_poses(
                scores, offsets, fwd, bwd, stride,
                max_detections=int(params.max_detections),
                peak_threshold=float(cfg.get('peak_threshold', 0.3)),
                nms_radius=float(cfg.get('nms_radius', 20.0)),
                local_maximum_radius=int(cfg.get('local_maximum_radius', 1)),
                offset_refine_step=int(cfg.get('offset_refine_step', 2)))
        keep = person_scores >= params.score_threshold
        pos, conf, person_scores = pos[keep], conf[keep], person_scores[keep]
        # (y, x) at TensorFlow pixel indices -> continuous network pixels -> source pixels
        xy = transform.to_source(pos[:, :, ::-1] + 0.5)
        keypoints = np.concatenate([xy, conf[:, :, None]], axis=2)
        mask = None
        if cfg.get('segmentation', False):
            mask = self._mask(outputs, transform, stride, params)
        return self.result(keypoints, person_scores, transform, params, mask=mask)

    def _mask(self, outputs, transform, stride, params) -> np.ndarray:
        """
        Return the (H, W) float32 person probability at source resolution.

        The grid's cell ``i`` sits on network pixel ``i * stride`` (corner-aligned, as
        body-pix resizes with ``align_corners``), so it is first resampled to the network
        input with an affine warp, then mapped to the source like any network-input map.
        """
        logits = _get(outputs, self.config.get('segments', 'segments'), 'posenet')
        prob = sigmoid(logits[0, :, :, 0])
        nh, nw = transform.network_size
        warp = np.array([[1.0 / stride, 0.0, 0.0], [0.0, 1.0 / stride, 0.0]], np.float64)
        flag = cv2.INTER_NEAREST if params.filter_mode == 'point' else cv2.INTER_LINEAR
        net = cv2.warpAffine(prob, warp, (nw, nh), flags=flag | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REPLICATE)
        return transform.map_to_source(net, params.filter_mode)


def _local_maxima(scores: np.ndarray, radius: int) -> np.ndarray:
    """Return a (h, w, K) bool mask: score is the maximum of its (2r+1)² window per channel."""
    size = 2 * radius + 1
    kernel = np.ones((size, size), np.uint8)
    chans = scores.shape[2]
    dilated = np.empty_like(scores)
    for c in range(0, chans, 4):  # OpenCV morphology takes up to 4 channels at a time
        dilated[:, :, c:c + 4] = cv2.dilate(
            np.ascontiguousarray(scores[:, :, c:c + 4]), kernel,
            borderType=cv2.BORDER_REPLICATE).reshape(scores.shape[0], scores.shape[1], -1)
    return scores >= dilated


def _cell(value: float, stride: float, size: int) -> int:
    """Return the grid index nearest a TF pixel coordinate (JavaScript Math.round, clamped)."""
    return min(max(int(np.floor(value / stride + 0.5)), 0), size - 1)


def decode_multiple_poses(scores: np.ndarray, offsets: np.ndarray, displacements_fwd,
                          displacements_bwd, stride: float, max_detections: int = 10,
                          peak_threshold: float = 0.3, nms_radius: float = 20.0,
                          local_maximum_radius: int = 1, offset_refine_step: int = 2,
                          chain: Sequence[Tuple[int, int]] = POSENET_CHAIN):
    """
    Decode PoseNet persons from one image's grids (see :class:`PoseNetDecoder`).

    :param scores: (h, w, K) float32 keypoint probabilities (sigmoid of the heatmaps).
    :param offsets: (h, w, 2K) short offsets, K y then K x, network pixels.
    :param displacements_fwd: (h, w, 2E) parent → child displacements, E y then E x.
    :param displacements_bwd: (h, w, 2E) child → parent displacements.
    :param stride: network pixels per grid cell.
    :param max_detections: persons decoded at most.
    :param peak_threshold: minimum root keypoint score.
    :param nms_radius: keypoint NMS radius in network pixels.
    :param local_maximum_radius: half window of the local-maximum test, in cells.
    :param offset_refine_step: short-offset refinements per tree step.
    :param chain: E (parent, child) keypoint index pairs of the tree.
    :return: ``(positions, confidences, person_scores)``: (P, K, 2) float32 (y, x) in TF
        network pixel coordinates (pixel ``i`` at ``i``), (P, K) float32 keypoint scores and
        (P,) float32 person scores, in decoding order (decreasing root score).
    """
    h, w, k = scores.shape
    edges = len(chain)
    cand = _local_maxima(scores, local_maximum_radius) & (scores >= peak_threshold)
    ys, xs, ks = np.nonzero(cand)
    cand_scores = scores[ys, xs, ks]
    order = np.argsort(-cand_scores, kind='stable')
    ys, xs, ks, cand_scores = ys[order], xs[order], ks[order], cand_scores[order]
    root_y = ys * stride + offsets[ys, xs, ks]
    root_x = xs * stride + offsets[ys, xs, ks + k]
    r2 = nms_radius * nms_radius
    poses: List[np.ndarray] = []
    confs: List[np.ndarray] = []
    person_scores: List[float] = []
    stacked = np.zeros((0, k, 2), np.float32)
    for i in range(ys.shape[0]):
        if len(poses) >= max_detections:
            break
        part = int(ks[i])
        ry, rx = float(root_y[i]), float(root_x[i])
        if stacked.shape[0]:
            d2 = (stacked[:, part, 0] - ry) ** 2 + (stacked[:, part, 1] - rx) ** 2
            if (d2 <= r2).any():
                continue
        pos = np.zeros((k, 2), np.float64)
        conf = np.zeros(k, np.float64)
        known = np.zeros(k, bool)
        pos[part] = (ry, rx)
        conf[part] = cand_scores[i]
        known[part] = True
        # upwards (child -> parent) with the backward displacements, then downwards
        for edge in range(edges - 1, -1, -1):
            parent, child = chain[edge]
            if known[child] and not known[parent]:
                pos[parent], conf[parent] = _traverse(
                    edge, pos[child], parent, scores, offsets, displacements_bwd, stride,
                    offset_refine_step, edges)
                known[parent] = True
        for edge in range(edges):
            parent, child = chain[edge]
            if known[parent] and not known[child]:
                pos[child], conf[child] = _traverse(
                    edge, pos[parent], child, scores, offsets, displacements_fwd, stride,
                    offset_refine_step, edges)
                known[child] = True
        if stacked.shape[0]:
            d2 = ((stacked - pos[None]) ** 2).sum(axis=2)
            claimed = (d2 <= r2).any(axis=0)
        else:
            claimed = np.zeros(k, bool)
        person_scores.append(float(conf[~claimed].sum() / k))
        poses.append(pos.astype(np.float32))
        confs.append(conf.astype(np.float32))
        stacked = np.stack(poses)
    if not poses:
        return (np.zeros((0, k, 2), np.float32), np.zeros((0, k), np.float32),
                np.zeros((0,), np.float32))
    return stacked, np.stack(confs), np.asarray(person_scores, np.float32)


def _traverse(edge: int, source, target: int, scores, offsets, displacements, stride: float,
              refine_steps: int, edges: int):
    """Follow one displacement from ``source`` (y, x) to keypoint ``target``; refine it."""
    h, w, k = scores.shape
    sy, sx = _cell(source[0], stride, h), _cell(source[1], stride, w)
    ty = source[0] + displacements[sy, sx, edge]
    tx = source[1] + displacements[sy, sx, edges + edge]
    for _ in range(refine_steps):
        cy, cx = _cell(ty, stride, h), _cell(tx, stride, w)
        ty = cy * stride + offsets[cy, cx, target]
        tx = cx * stride + offsets[cy, cx, k + target]
    cy, cx = _cell(ty, stride, h), _cell(tx, stride, w)
    return (ty, tx), scores[cy, cx, target]


def decode_single_pose(scores: np.ndarray, offsets: np.ndarray, stride: float):
    """
    Decode one person: per keypoint the best cell plus its short offset.

    :param scores: (h, w, K) keypoint probabilities.
    :param offsets: (h, w, 2K) short offsets, K y then K x, network pixels.
    :param stride: network pixels per grid cell.
    :return: ``(positions, confidences)``: (K, 2) float32 (y, x) TF network pixel
        coordinates and (K,) float32 scores.
    """
    h, w, k = scores.shape
    flat = scores.reshape(-1, k).argmax(axis=0)
    cy, cx = np.divmod(flat, w)
    parts = np.arange(k)
    pos = np.stack([cy * stride + offsets[cy, cx, parts],
                    cx * stride + offsets[cy, cx, parts + k]], axis=1)
    return pos.astype(np.float32), scores[cy, cx, parts].astype(np.float32)


# ------------------------------------------------------------------------------------------
# YOLOv8 / YOLO11 pose
# ------------------------------------------------------------------------------------------
@register_decoder('yolov8_pose')
class YoloPoseDecoder(_PoseDecoder):
    """
    Ultralytics YOLOv8/YOLO11-pose raw head ``(1, 4 + nc + K·D, N)`` (or transposed).

    Per anchor: box (cx, cy, w, h) in network pixels, ``nc`` class scores (already sigmoid in
    the export), then K keypoints (x, y[, visibility]) in network pixels. Ultralytics'
    ``Pose.kpts_decode`` applies the sigmoid to the visibility before export, so it is a
    probability (``keypoint_activation: sigmoid`` for heads exported without it).

    Config: ``output`` (name, default the first output), ``num_classes`` (1),
    ``keypoint_dims`` (3; 2 = no visibility, confidence 1).
    """

    default_keypoints = 17

    def _channels(self) -> int:
        return (4 + int(self.config.get('num_classes', 1))
                + self.num_keypoints * int(self.config.get('keypoint_dims', 3)))

    def check_outputs(self, outputs) -> None:
        """Check that the head has ``4 + nc + K·D`` channels on one axis."""
        spec = _spec(outputs, self.config.get('output'), 0, self.decoder_name)
        dims = [d for d in spec.shape if d != 1]
        c = self._channels()
        if len(spec.shape) != 3 or (None not in spec.shape[1:] and c not in spec.shape[1:]):
            raise ModelError(f'{self.decoder_name}: output {spec.name!r} has shape '
                             f'{spec.shape}; expected (1, {c}, N) = 4 box + '
                             f'{self.config.get("num_classes", 1)} classes + '
                             f'{self.num_keypoints}×{self.config.get("keypoint_dims", 3)} '
                             f'keypoint values (dims {dims})')

    def decode(self, outputs, transform, params) -> PoseResult:
        """Return persons above ``params.score_threshold`` after class-aware NMS."""
        raw = np.asarray(self.output(outputs, 'output'), np.float32)
        raw = raw.reshape(raw.shape[-2:])
        c = self._channels()
        if raw.shape[0] == c and raw.shape[1] != c:
            raw = raw.T
        elif raw.shape[1] != c:
            raise ModelError(f'{self.decoder_name}: output shape {raw.shape} has no axis of '
                             f'{c} channels')
        nc = int(self.config.get('num_classes', 1))
        dims = int(self.config.get('keypoint_dims', 3))
        cls = raw[:, 4:4 + nc]
        class_ids = cls.argmax(axis=1)
        scores = cls[np.arange(raw.shape[0]), class_ids]
        sel = np.flatnonzero(scores >= params.score_threshold)
        raw, scores, class_ids = raw[sel], scores[sel], class_ids[sel]
        boxes = np.empty((raw.shape[0], 4), np.float32)
        boxes[:, :2] = raw[:, 0:2] - raw[:, 2:4] / 2
        boxes[:, 2:] = raw[:, 0:2] + raw[:, 2:4] / 2
        keep = nms(boxes, scores, class_ids, params.iou_threshold, params.max_detections,
                   params.class_agnostic)
        kp = raw[keep, 4 + nc:].reshape(-1, self.num_keypoints, dims)
        keypoints = np.empty(kp.shape[:2] + (3,), np.float32)
        keypoints[:, :, :2] = transform.to_source(kp[:, :, :2])
        if dims >= 3:
            vis = kp[:, :, 2]
            if self.config.get('keypoint_activation', 'none') == 'sigmoid':
                vis = sigmoid(vis)
            keypoints[:, :, 2] = vis
        else:
            keypoints[:, :, 2] = 1.0
        return self.result(keypoints, scores[keep], transform, params,
                           boxes=transform.boxes_to_source(boxes[keep]))


@register_decoder('yolo11_pose')
class Yolo11PoseDecoder(YoloPoseDecoder):
    """YOLO11-pose: the same raw head layout as YOLOv8-pose (ultralytics ``Pose`` head)."""


# ------------------------------------------------------------------------------------------
# OpenPose / trt_pose (jetson-inference poseNet)
# ------------------------------------------------------------------------------------------
@register_decoder('openpose')
class OpenPoseDecoder(_PoseDecoder):
    """
    Part confidence maps + part affinity fields (trt_pose, jetson-inference poseNet).

    Outputs ``cmap`` (1, C, h, w) and ``paf`` (1, 2L, h, w); link ``k`` of the skeleton
    (trt_pose ``human_pose.json`` order) reads PAF channels ``2k`` (y) and ``2k + 1`` (x).
    Steps, as trt_pose ``parse/``: peaks = cells at or above ``peak_threshold`` that are the
    maximum of their ``cmap_window``² window (at most ``max_peaks`` per part, raster order),
    refined to the cmap-weighted mean of the window; each link scores every candidate pair
    by the mean over ``line_integral_samples`` points along the segment of the PAF dotted
    with the segment's unit vector; pairs above ``link_threshold`` are matched one-to-one,
    highest score first (greedy; trt_pose uses the Hungarian method); persons are the
    connected components of the matched parts. Persons with fewer than ``min_keypoints``
    parts are dropped (jetson-inference drops those with fewer than 2).

    Config defaults: ``cmap``/``paf`` output names ``cmap``/``paf``; ``peak_threshold`` and
    ``link_threshold`` 0.15 (jetson-inference ``POSENET_DEFAULT_THRESHOLD`` for both);
    ``cmap_window`` 5, ``line_integral_samples`` 7 (trt_pose ``ParseObjects``);
    ``max_peaks`` 100; ``refine`` true; ``min_keypoints`` 2.
    Person score = sum of the found parts' cmap peaks / C.
    """

    default_keypoints = 18

    def check_outputs(self, outputs) -> None:
        """Check the cmap/paf shapes against the keypoints and links."""
        cmap = _spec(outputs, self.config.get('cmap', 'cmap'), 0, 'openpose')
        paf = _spec(outputs, self.config.get('paf', 'paf'), 1, 'openpose')
        if len(cmap.shape) != 4 or len(paf.shape) != 4:
            raise ModelError(f'openpose: cmap and paf must be NCHW, got {cmap.shape} and '
                             f'{paf.shape}')
        if cmap.shape[1] not in (None, self.num_keypoints):
            raise ModelError(f'openpose: cmap {cmap.name!r} has {cmap.shape[1]} channels but '
                             f'the descriptor names {self.num_keypoints} keypoints')
        if paf.shape[1] not in (None, 2 * len(self.skeleton)):
            raise ModelError(f'openpose: paf {paf.name!r} has {paf.shape[1]} channels but the '
                             f'skeleton has {len(self.skeleton)} links (needs 2 per link)')

    def decode(self, outputs, transform, params) -> PoseResult:
        """Return persons with score >= ``params.score_threshold``, best first."""
        cfg = self.config
        cmap = _get(outputs, cfg.get('cmap', 'cmap'), 'openpose')[0]
        paf = _get(outputs, cfg.get('paf', 'paf'), 'openpose')[0]
        peak_threshold = float(cfg.get('peak_threshold', 0.15))
        peaks = find_peaks(cmap, peak_threshold, int(cfg.get('cmap_window', 5)),
                           int(cfg.get('max_peaks', 100)), bool(cfg.get('refine', True)))
        links = score_links(paf, peaks, self.skeleton,
                            int(cfg.get('line_integral_samples', 7)))
        matches = assign_links(links, float(cfg.get('link_threshold', peak_threshold)))
        objects = connect_parts(matches, self.skeleton, [len(p[0]) for p in peaks])
        c = cmap.shape[0]
        h, w = cmap.shape[1:]
        nh, nw = transform.network_size
        keypoints = np.zeros((len(objects), c, 3), np.float32)
        for n, obj in enumerate(objects):
            for part, idx in obj.items():
                (y, x), conf = peaks[part][0][idx], peaks[part][1][idx]
                keypoints[n, part] = (x * nw / w, y * nh / h, conf)
        found = (keypoints[:, :, 2] > 0).sum(axis=1)
        keypoints = keypoints[found >= int(cfg.get('min_keypoints', 2))]
        present = keypoints[:, :, 2] > 0
        keypoints[:, :, :2] = np.where(present[:, :, None],
                                       transform.to_source(keypoints[:, :, :2]), 0.0)
        scores = np.clip(keypoints[:, :, 2], 0.0, 1.0).sum(axis=1) / c
        keep = np.flatnonzero(scores >= params.score_threshold)
        keep = keep[np.argsort(-scores[keep], kind='stable')][:int(params.max_detections)]
        return self.result(keypoints[keep], scores[keep], transform, params)


def find_peaks(cmap: np.ndarray, threshold: float, window: int = 5, max_peaks: int = 100,
               refine: bool = True) -> List[Tuple[np.ndarray, np.ndarray]]:
    """
    Find and refine part peaks in confidence maps (trt_pose ``find_peaks``/``refine_peaks``).

    :param cmap: (C, h, w) float32 part confidence maps.
    :param threshold: minimum peak value.
    :param window: local-maximum (and refinement) window size in cells, odd.
    :param max_peaks: peaks kept per part, in raster order.
    :param refine: replace each peak by the cmap-weighted mean position of its window
        (edges reflected, as trt_pose); otherwise use the cell centre.
    :return: per part ``(positions, values)``: (M, 2) float32 (y, x) continuous grid
        coordinates (cell ``i`` spans ``[i, i + 1)``) and (M,) float32 cmap values.
    """
    c, h, w = cmap.shape
    win = window // 2
    hwc = np.ascontiguousarray(cmap.transpose(1, 2, 0))
    peak = _local_maxima(hwc, win) & (hwc >= threshold)
    out = []
    offs = np.arange(-win, win + 1)
    for part in range(c):
        ys, xs = np.nonzero(peak[:, :, part])
        ys, xs = ys[:max_peaks], xs[:max_peaks]
        values = cmap[part, ys, xs].astype(np.float32)
        if refine and ys.size:
            ii = ys[:, None, None] + offs[None, :, None]          # (M, win, 1)
            jj = xs[:, None, None] + offs[None, None, :]          # (M, 1, win)
            ri = np.where(ii < 0, -ii, np.where(ii >= h, 2 * h - ii - 2, ii))
            rj = np.where(jj < 0, -jj, np.where(jj >= w, 2 * w - jj - 2, jj))
            weight = cmap[part][np.clip(ri, 0, h - 1), np.clip(rj, 0, w - 1)]
            total = weight.sum(axis=(1, 2))
            total = np.where(total == 0, 1.0, total)
            py = (weight * ii).sum(axis=(1, 2)) / total + 0.5
            px = (weight * jj).sum(axis=(1, 2)) / total + 0.5
            pos = np.stack([py, px], axis=1).astype(np.float32)
        else:
            pos = np.stack([ys + 0.5, xs + 0.5], axis=1).astype(np.float32)
        out.append((pos.reshape(-1, 2), values))
    return out


def score_links(paf: np.ndarray, peaks, skeleton, samples: int = 7) -> List[np.ndarray]:
    """
    Score every candidate pair of every link by the PAF line integral.

    :param paf: (2L, h, w) float32 part affinity fields, link ``k`` = channels (2k: y,
        2k + 1: x).
    :param peaks: :func:`find_peaks` output.
    :param skeleton: L (part a, part b) links in PAF order.
    :param samples: points sampled along each segment, ends included.
    :return: per link an (Ma, Mb) float32 matrix of mean dot products.
    """
    _, h, w = paf.shape
    t = np.linspace(0.0, 1.0, samples, dtype=np.float32)
    out = []
    for k, (a, b) in enumerate(skeleton):
        pa, pb = peaks[a][0], peaks[b][0]
        if pa.shape[0] == 0 or pb.shape[0] == 0:
            out.append(np.zeros((pa.shape[0], pb.shape[0]), np.float32))
            continue
        vec = pb[None, :, :] - pa[:, None, :]                       # (Ma, Mb, 2)
        unit = vec / (np.linalg.norm(vec, axis=2, keepdims=True) + 1e-5)
        pts = pa[:, None, None, :] + t[None, None, :, None] * vec[:, :, None, :]
        idx = np.floor(pts).astype(np.int64)                        # (Ma, Mb, S, 2)
        inside = ((idx[..., 0] >= 0) & (idx[..., 0] < h) & (idx[..., 1] >= 0)
                  & (idx[..., 1] < w))
        iy, ix = np.clip(idx[..., 0], 0, h - 1), np.clip(idx[..., 1], 0, w - 1)
        dot = (paf[2 * k][iy, ix] * unit[:, :, None, 0]
               + paf[2 * k + 1][iy, ix] * unit[:, :, None, 1])
        out.append((np.where(inside, dot, 0.0).sum(axis=2) / samples).astype(np.float32))
    return out


def assign_links(scores: Sequence[np.ndarray], threshold: float) -> List[np.ndarray]:
    """
    Match link candidates one-to-one, highest score first, above ``threshold``.

    :param scores: per link an (Ma, Mb) score matrix (:func:`score_links`).
    :param threshold: minimum link score.
    :return: per link an (n, 2) int64 array of matched (peak index a, peak index b).
    """
    out = []
    for mat in scores:
        ia, ib = np.nonzero(mat > threshold)
        order = np.argsort(-mat[ia, ib], kind='stable')
        used_a, used_b, pairs = set(), set(), []
        for a, b in zip(ia[order].tolist(), ib[order].tolist()):
            if a not in used_a and b not in used_b:
                used_a.add(a)
                used_b.add(b)
                pairs.append((a, b))
        out.append(np.asarray(pairs, np.int64).reshape(-1, 2))
    return out


def connect_parts(matches: Sequence[np.ndarray], skeleton, counts: Sequence[int]
                  ) -> List[Dict[int, int]]:
    """
    Group matched parts into persons: connected components over the links.

    Parts are visited in (part, peak) order as trt_pose's ``connect_parts``; a component
    keeps the first peak it reaches of each part.

    :param matches: per link the matched (a, b) peak index pairs (:func:`assign_links`).
    :param skeleton: L (part a, part b) links.
    :param counts: peaks per part.
    :return: one ``{part: peak index}`` dict per person.
    """
    neighbours: Dict[Tuple[int, int], List[Tuple[int, int]]] = {}
    for (a, b), pairs in zip(skeleton, matches):
        for i, j in pairs.tolist():
            neighbours.setdefault((a, i), []).append((b, j))
            neighbours.setdefault((b, j), []).append((a, i))
    visited = set()
    objects = []
    for part, count in enumerate(counts):
        for i in range(count):
            if (part, i) in visited:
                continue
            obj: Dict[int, int] = {}
            queue = [(part, i)]
            while queue:
                node = queue.pop()
                if node in visited:
                    continue
                visited.add(node)
                obj.setdefault(node[0], node[1])
                queue.extend(neighbours.get(node, ()))
            objects.append(obj)
    return objects


# ------------------------------------------------------------------------------------------
# MoveNet single pose
# ------------------------------------------------------------------------------------------
@register_decoder('movenet')
class MoveNetDecoder(_PoseDecoder):
    """
    MoveNet SinglePose (Lightning/Thunder): decoding is inside the graph.

    Output (1, 1, K, 3) rows (y, x, score) with y and x normalised to [0, 1] over the network
    input (TF Hub MoveNet model card); mapped through the transform, so a letterboxed input
    comes back in source pixels. Person score = mean keypoint score.

    Config: ``output`` (name, default the first output).
    """

    default_keypoints = 17

    def check_outputs(self, outputs) -> None:
        """Check that the output holds K × 3 values."""
        spec = _spec(outputs, self.config.get('output'), 0, 'movenet')
        if len(spec.shape) < 2 or spec.shape[-1] not in (None, 3) or \
                spec.shape[-2] not in (None, self.num_keypoints):
            raise ModelError(f'movenet: output {spec.name!r} has shape {spec.shape}; '
                             f'expected (1, 1, {self.num_keypoints}, 3) rows of (y, x, score)')

    def decode(self, outputs, transform, params) -> PoseResult:
        """Return the one person if its score >= ``params.score_threshold``."""
        raw = np.asarray(self.output(outputs, 'output'), np.float32)
        raw = raw.reshape(-1, 3)[:self.num_keypoints]
        nh, nw = transform.network_size
        net = np.stack([raw[:, 1] * nw, raw[:, 0] * nh], axis=1)
        keypoints = np.concatenate([transform.to_source(net), raw[:, 2:3]], axis=1)[None]
        score = np.clip(raw[:, 2], 0.0, 1.0).mean(keepdims=True)
        keep = score >= params.score_threshold
        return self.result(keypoints[keep], score[keep], transform, params)


__all__ = ['PoseNetDecoder', 'YoloPoseDecoder', 'Yolo11PoseDecoder', 'OpenPoseDecoder',
           'MoveNetDecoder', 'decode_multiple_poses', 'decode_single_pose', 'find_peaks',
           'score_links', 'assign_links', 'connect_parts']
