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
Reference re-implementations of peer pipelines, for benchmarks and tests.

The official YOLOX ONNX Runtime demo (Megvii-BaseDetection/YOLOX, Apache-2.0:
``demo/ONNXRuntime/onnx_inference.py``, ``yolox/utils/demo_utils.py``,
``yolox/data/data_augment.py``), rewritten with the same semantics so our pipeline can be
checked against it (same detections) and timed against it (same ONNX file, same backend):
top-left letterbox with ``int()`` sizes and pad 114, grid decode, ``objectness × class``
scores, scores strictly above the threshold, NMS with the legacy ``+1`` box areas, and the
demo's default class-agnostic ``multiclass_nms`` (best class per box) or its class-aware
variant.
"""

from typing import Optional, Sequence, Tuple

import cv2
import numpy as np


def yolox_preproc(image: np.ndarray, size: Tuple[int, int]) -> Tuple[np.ndarray, float]:
    """
    Letterbox like YOLOX's ``preproc``.

    :param image: (H, W, 3) uint8 BGR image.
    :param size: network (height, width).
    :return: ((3, h, w) float32 CHW BGR 0..255 tensor, resize ratio).
    """
    padded = np.full((size[0], size[1], 3), 114, np.uint8)
    r = min(size[0] / image.shape[0], size[1] / image.shape[1])
    new_h, new_w = int(image.shape[0] * r), int(image.shape[1] * r)
    padded[:new_h, :new_w] = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(padded.transpose(2, 0, 1), np.float32), r


def yolox_decode(raw: np.ndarray, size: Tuple[int, int],
                 strides: Sequence[int] = (8, 16, 32)) -> Tuple[np.ndarray, np.ndarray]:
    """
    Decode a raw YOLOX head like the demo's ``demo_postprocess``.

    :param raw: (1, N, 5 + C) raw output.
    :param size: network (height, width).
    :return: ((N, 4) xyxy boxes in network pixels, (N, C) objectness × class scores).
    """
    grids, expanded = [], []
    for stride in strides:
        hsize, wsize = size[0] // stride, size[1] // stride
        xv, yv = np.meshgrid(np.arange(wsize), np.arange(hsize))
        grid = np.stack((xv, yv), 2).reshape(-1, 2)
        grids.append(grid)
        expanded.append(np.full((grid.shape[0], 1), stride))
    grid, stride = np.concatenate(grids, 0), np.concatenate(expanded, 0)
    pred = np.array(raw[0], np.float64)
    centre = (pred[:, :2] + grid) * stride
    wh = np.exp(pred[:, 2:4]) * stride
    boxes = np.concatenate([centre - wh / 2.0, centre + wh / 2.0], axis=1)
    return boxes, pred[:, 4:5] * pred[:, 5:]


def yolox_nms(boxes: np.ndarray, scores: np.ndarray, nms_thr: float) -> list:
    """Greedy NMS of the demo (box areas with the legacy ``+1``); return kept indices."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        i, rest = order[0], order[1:]
        keep.append(i)
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        overlap = inter / (areas[i] + areas[rest] - inter)
        order = rest[overlap <= nms_thr]
    return keep


def yolox_multiclass_nms(boxes: np.ndarray, scores: np.ndarray, nms_thr: float,
                         score_thr: float, class_agnostic: bool = True) -> np.ndarray:
    """
    Threshold and NMS like the demo's ``multiclass_nms``.

    :param boxes: (N, 4) xyxy boxes.
    :param scores: (N, C) scores.
    :param class_agnostic: the demo's default (best class per box, one NMS over all boxes);
        False = its class-aware variant (every class above the threshold, NMS per class).
    :return: (M, 6) float64 rows (x1, y1, x2, y2, score, class), possibly empty.
    """
    if class_agnostic:
        cls = scores.argmax(1)
        best = scores[np.arange(len(cls)), cls]
        mask = best > score_thr
        keep = yolox_nms(boxes[mask], best[mask], nms_thr)
        return np.concatenate([boxes[mask][keep], best[mask][keep, None],
                               cls[mask][keep, None]], 1) if keep else np.zeros((0, 6))
    final = []
    for c in range(scores.shape[1]):
        mask = scores[:, c] > score_thr
        if mask.any():
            keep = yolox_nms(boxes[mask], scores[mask, c], nms_thr)
            final.append(np.concatenate([boxes[mask][keep], scores[mask, c][keep, None],
                                         np.full((len(keep), 1), c)], 1))
    return np.concatenate(final, 0) if final else np.zeros((0, 6))


def yolox_demo_infer(backend, input_name: str, image: np.ndarray,
                     size: Tuple[int, int] = (416, 416), nms_thr: float = 0.45,
                     score_thr: float = 0.1, class_agnostic: bool = True
                     ) -> Optional[np.ndarray]:
    """
    Run YOLOX end to end the way the official demo does, on one of our backends.

    :param backend: an :class:`~jetson_dnn_ros.backends.base.InferenceBackend` of the model.
    :param input_name: the model's image input.
    :param image: (H, W, 3) uint8 BGR image.
    :return: (M, 6) rows (x1, y1, x2, y2, score, class) in source pixels (not clipped).
    """
    tensor, ratio = yolox_preproc(image, size)
    raw = next(iter(backend.infer({input_name: tensor[None]}).values()))
    boxes, scores = yolox_decode(raw, size)
    return yolox_multiclass_nms(boxes / ratio, scores, nms_thr, score_thr, class_agnostic)
