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

"""Object detection: the result type, NMS and the decoder families.

Every decoder returns boxes as (N, 4) float32 xyxy in source-image pixels, clipped to the
image, highest score first.
"""

from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

from jetson_dnn_ros.labels import label_of
from jetson_dnn_ros.tasks.base import freeze


@dataclass(frozen=True)
class DetectionResult:
    """Objects found in one image.

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


def nms(boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou_threshold: float,
        max_detections: int, class_agnostic: bool = False) -> np.ndarray:
    """Non-maximum suppression through OpenCV (``cv2.dnn.NMSBoxesBatched`` per class).

    :param boxes: (N, 4) xyxy in any pixel frame.
    :param scores: (N,) scores (already thresholded).
    :param class_ids: (N,) class indices; ignored when ``class_agnostic``.
    :param iou_threshold: IoU above which the lower-scored box is dropped.
    :param max_detections: boxes kept at most.
    :return: (M,) int64 indices of kept boxes, highest score first.
    """
    n = int(np.asarray(scores).shape[0])
    if n == 0:
        return np.zeros((0,), np.int64)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    xywh = np.empty_like(boxes)
    xywh[:, :2] = boxes[:, :2]
    xywh[:, 2:] = boxes[:, 2:] - boxes[:, :2]
    score_list = np.asarray(scores, np.float64)
    if class_agnostic:
        keep = cv2.dnn.NMSBoxes(xywh.tolist(), score_list.tolist(), 0.0, float(iou_threshold),
                                top_k=int(max_detections))
    else:
        keep = cv2.dnn.NMSBoxesBatched(xywh.tolist(), score_list.tolist(),
                                       np.asarray(class_ids, np.int64).tolist(), 0.0,
                                       float(iou_threshold), top_k=int(max_detections))
    keep = np.asarray(keep, np.int64).reshape(-1)
    keep = keep[np.argsort(-score_list[keep], kind='stable')]
    return keep[:int(max_detections)]
