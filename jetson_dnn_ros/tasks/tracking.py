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
A small IoU tracker: stable ids for detections across frames (no motion model).

Each frame's detections are matched greedily to the live tracks by box IoU (highest first,
as the classic IOU tracker of Bochinski et al., AVSS 2017), optionally only within a class.
A matched track takes the detection's box; an unmatched detection starts a new track with
the next id; a track unseen for more than ``max_age`` frames is dropped. Ids are positive
int64, never reused by one tracker.
"""

from dataclasses import replace

from jetson_dnn_ros.tasks.base import freeze
from jetson_dnn_ros.tasks.detection import box_iou
from jetson_dnn_ros.tasks.detection import DetectionResult
import numpy as np


class IouTracker:
    """
    Assign track ids to :class:`~jetson_dnn_ros.tasks.detection.DetectionResult` frames.

    :param iou_threshold: minimum IoU in [0, 1] between a track's last box and a detection
        for them to match.
    :param max_age: frames a track survives without a match (0 = drop at the first miss).
    :param class_aware: match only detections of the track's class.
    :raises ValueError: on an IoU threshold outside [0, 1] or a negative ``max_age``.
    """

    def __init__(self, iou_threshold: float = 0.3, max_age: int = 5, class_aware: bool = True):
        if not 0.0 <= float(iou_threshold) <= 1.0:
            raise ValueError(f'iou_threshold must be in [0, 1], got {iou_threshold}')
        if int(max_age) < 0:
            raise ValueError(f'max_age must be >= 0 frames, got {max_age}')
        self.iou_threshold = float(iou_threshold)
        self.max_age = int(max_age)
        self.class_aware = bool(class_aware)
        self.reset()

    def reset(self) -> None:
        """Forget every track (ids keep counting up)."""
        self._boxes = np.zeros((0, 4), np.float32)
        self._ids = np.zeros((0,), np.int64)
        self._classes = np.zeros((0,), np.int64)
        self._misses = np.zeros((0,), np.int64)
        if not hasattr(self, '_next_id'):
            self._next_id = 1

    @property
    def track_count(self) -> int:
        """Return the number of live tracks."""
        return int(self._ids.shape[0])

    def _match(self, boxes: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """Return, per detection, the index of its matched track or -1 (greedy by IoU)."""
        match = np.full(boxes.shape[0], -1, np.int64)
        if not self.track_count or not boxes.shape[0]:
            return match
        iou = box_iou(self._boxes, boxes)
        if self.class_aware:
            iou[self._classes[:, None] != classes[None, :]] = 0.0
        iou[(iou < self.iou_threshold) | (iou <= 0.0)] = -1.0   # boxes must overlap
        # greedy assignment; one iteration per match (<= min(tracks, detections))
        while True:
            t, d = np.unravel_index(np.argmax(iou), iou.shape)
            if iou[t, d] < 0.0:
                break
            match[d] = t
            iou[t, :] = -1.0
            iou[:, d] = -1.0
        return match

    def update(self, result: DetectionResult) -> DetectionResult:
        """
        Match one frame's detections to the tracks.

        :param result: detections of the next frame, source-image pixels.
        :return: the same detections with ``track_ids`` ((N,) int64) set.
        """
        boxes = np.asarray(result.boxes, np.float32).reshape(-1, 4)
        classes = np.asarray(result.class_ids, np.int64).reshape(-1)
        match = self._match(boxes, classes)
        ids = np.empty(boxes.shape[0], np.int64)
        matched = match >= 0
        ids[matched] = self._ids[match[matched]]
        fresh = np.nonzero(~matched)[0]
        ids[fresh] = self._next_id + np.arange(fresh.size)
        self._next_id += int(fresh.size)
        # age the tracks; matched ones are refreshed from their detections below
        seen = np.zeros(self.track_count, bool)
        seen[match[matched]] = True
        alive = ~seen & (self._misses + 1 <= self.max_age)
        self._boxes = np.concatenate((self._boxes[alive], boxes))
        self._ids = np.concatenate((self._ids[alive], ids))
        self._classes = np.concatenate((self._classes[alive], classes))
        self._misses = np.concatenate((self._misses[alive] + 1,
                                       np.zeros(boxes.shape[0], np.int64)))
        return replace(result, track_ids=freeze(ids))


__all__ = ['IouTracker']
