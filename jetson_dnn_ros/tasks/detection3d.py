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
3D detections: 2D boxes (or instance masks) lifted with an aligned depth image (no ROS).

Geometry (pinhole model of ``sensor_msgs/CameraInfo``, REP-103 camera optical frame: x right,
y down, z forward, metres):

- depth: the **median** of the object's depths: the valid depths inside the box (inside the
  instance mask where the result has masks), sampled on the depth image's own grid (the box is
  scaled from colour to depth pixels when their resolutions differ), reduced to the nearest
  dense depth cluster (:func:`object_depths`), so a wall or floor behind the object does not
  pull it back even when it covers most of the box. Valid = finite and within
  ``[min_depth, max_depth]``; 16UC1 zero (no return) and 32FC1 NaN/inf/≤ 0 are invalid.
- centre: the box centre back-projected at that depth, ``x = (u - cx) z / fx``,
  ``y = (v - cy) z / fy``, with pixel centres at integer coordinates (``u = (x1 + x2) / 2 -
  0.5`` for a box given in pixel-edge coordinates), ``z`` = the median.
- size: x and y from the box's extent back-projected at that depth (``(x2 - x1) z / fx``,
  ``(y2 - y1) z / fy``); z is the spread of the object's depths (10th to 90th percentile), 0
  for a flat surface facing the camera.

A detection whose depth cannot be measured is left out with a counted reason (see
:data:`DROP_REASONS`); no NaN or infinity ever reaches a :class:`Box3D`.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ImageEncodingError
from jetson_dnn_ros.tasks.depth import intrinsics_problem
import numpy as np

DEPTH_ENCODINGS = {'16UC1': 0.001, 'mono16': 0.001, '32FC1': 1.0}
"""Depth image encodings (REP-118) and their scale to metres: 16UC1 millimetres, 32FC1 metres."""

DROP_REASONS = ('no_valid_depth', 'too_few_depth_pixels', 'out_of_range', 'empty_box')
"""Why a detection is left out of the 3D result."""


def depth_in_metres(depth: np.ndarray, encoding: str) -> np.ndarray:
    """
    Return a depth image as float32 metres with NaN where it holds no measurement.

    :param depth: (H, W) depth image: uint16 millimetres (``16UC1``/``mono16``, 0 = no return)
        or float32 metres (``32FC1``; NaN, ±inf and values ≤ 0 = no measurement), REP-118.
    :param encoding: the sensor_msgs/Image encoding.
    :return: (H, W) float32 metres; NaN where invalid.
    :raises ImageEncodingError: on another encoding, or an array that does not fit it.
    """
    if encoding not in DEPTH_ENCODINGS:
        raise ImageEncodingError(f'depth encoding must be one of {", ".join(DEPTH_ENCODINGS)} '
                                 f'(REP-118), got {encoding!r}')
    depth = np.asarray(depth)
    if depth.ndim != 2 or depth.size == 0:
        raise ImageEncodingError(f'a depth image must be (H, W), got shape {depth.shape}')
    wanted = np.float32 if encoding == '32FC1' else np.uint16
    if depth.dtype != wanted:
        raise ImageEncodingError(f'{encoding} depth must be {np.dtype(wanted).name}, '
                                 f'got {depth.dtype}')
    metres = depth.astype(np.float32) * np.float32(DEPTH_ENCODINGS[encoding])
    metres[~np.isfinite(metres) | (metres <= 0.0)] = np.nan
    return metres


@dataclass(frozen=True)
class PinholeCamera:
    """
    Intrinsics of one image resolution.

    :param fx: focal length along x in pixels (> 0).
    :param fy: focal length along y in pixels (> 0).
    :param cx: principal point x in pixels (pixel centres at integer coordinates).
    :param cy: principal point y in pixels.
    :param width: image width in pixels the intrinsics refer to.
    :param height: image height in pixels.
    """

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    @classmethod
    def from_k(cls, k, width: int, height: int) -> 'PinholeCamera':
        """
        Build from ``CameraInfo.k`` and the size it was calibrated for.

        :param k: (3, 3) matrix or its 9 values row-major.
        :param width: ``CameraInfo.width`` (> 0).
        :param height: ``CameraInfo.height`` (> 0).
        :raises ValueError: on a malformed K (see
            :func:`~jetson_dnn_ros.tasks.depth.intrinsics_problem`) or a size ≤ 0.
        """
        problem = intrinsics_problem(k)
        if problem:
            raise ValueError(problem)
        if int(width) <= 0 or int(height) <= 0:
            raise ValueError(f'camera_info size must be positive, got {width} x {height}')
        k = np.asarray(k, np.float64).reshape(-1)
        return cls(float(k[0]), float(k[4]), float(k[2]), float(k[5]), int(width), int(height))

    def scaled(self, width: int, height: int) -> 'PinholeCamera':
        """
        Return the intrinsics of the same camera at another resolution (resized image).

        fx and cx scale with the columns, fy and cy with the rows (as
        :func:`~jetson_dnn_ros.msgfields.depth_cloud` does).
        """
        sx, sy = width / float(self.width), height / float(self.height)
        return PinholeCamera(self.fx * sx, self.fy * sy, self.cx * sx, self.cy * sy,
                             int(width), int(height))


@dataclass(frozen=True)
class Box3D:
    """
    One detection in 3D, camera optical frame (REP-103), metres.

    :param index: index of the detection in the 2D result it was lifted from.
    :param center: (x, y, z) of the box centre, finite.
    :param size: (x, y, z) extents, finite and ≥ 0.
    :param class_id: class index into the model's labels.
    :param label: class name (or id as text).
    :param score: confidence in [0, 1].
    :param track_id: tracker id, or None.
    :param depth_pixels: valid depth pixels the median was taken over.
    """

    index: int
    center: Tuple[float, float, float]
    size: Tuple[float, float, float]
    class_id: int
    label: str
    score: float
    track_id: Optional[int] = None
    depth_pixels: int = 0


@dataclass(frozen=True)
class Detections3D:
    """
    The lifted detections of one image and why the others were left out.

    :param boxes: the detections with a measured depth, in the 2D result's order.
    :param dropped: reason (one of :data:`DROP_REASONS`) -> detections left out for it.
    """

    boxes: Tuple[Box3D, ...]
    dropped: Dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        """Return the number of 3D detections."""
        return len(self.boxes)


def lift_detections(result, depth_m: np.ndarray, camera: PinholeCamera,
                    min_depth: float = 0.1, max_depth: float = 20.0,
                    min_pixels: int = 1) -> Detections3D:
    """
    Lift a 2D detection (or instance segmentation) result to 3D with an aligned depth image.

    :param result: a ``DetectionResult`` or ``InstanceSegmentationResult``: ``boxes`` (N, 4)
        xyxy in source pixels, ``scores``, ``labels``, ``image_size`` (H, W), optional
        ``track_ids`` and ``masks`` ((N, H, W) bool at the source resolution).
    :param depth_m: (Hd, Wd) float32 metres, NaN = invalid (:func:`depth_in_metres`), aligned
        to the colour camera; any resolution (boxes and masks are scaled to it).
    :param camera: the colour camera's intrinsics (any resolution; scaled to ``image_size``).
    :param min_depth: nearest valid depth in metres (> 0).
    :param max_depth: farthest valid depth in metres.
    :param min_pixels: valid depth pixels a detection needs (≥ 1).
    :return: :class:`Detections3D`; every value finite.
    :raises ValueError: on a depth image that is not 2-D, or an inconsistent range.
    """
    depth_m = np.asarray(depth_m, np.float32)
    if depth_m.ndim != 2 or depth_m.size == 0:
        raise ValueError(f'depth must be (H, W), got shape {depth_m.shape}')
    if not 0.0 < min_depth < max_depth:
        raise ValueError(f'need 0 < min_depth < max_depth, got {min_depth}, {max_depth}')
    height, width = (int(v) for v in result.image_size)
    colour = camera.scaled(width, height)
    dh, dw = depth_m.shape
    sx, sy = dw / float(width), dh / float(height)
    masks = getattr(result, 'masks', None)
    track_ids = getattr(result, 'track_ids', None)
    class_ids = np.asarray(result.class_ids).reshape(-1)
    labels = tuple(getattr(result, 'labels', None) or ())
    names = [str(labels[i]) if i < len(labels) and labels[i] else str(int(c))
             for i, c in enumerate(class_ids)]
    boxes, dropped = [], {}
    for i, (x1, y1, x2, y2) in enumerate(np.asarray(result.boxes, np.float64)):
        values, reason = _region_depths(depth_m, (x1 * sx, y1 * sy, x2 * sx, y2 * sy),
                                        None if masks is None else masks[i])
        if reason is None:
            in_range = values[(values >= min_depth) & (values <= max_depth)]
            if values.size and not in_range.size:
                reason = 'out_of_range'
            elif in_range.size < max(int(min_pixels), 1):
                reason = 'too_few_depth_pixels' if in_range.size else 'no_valid_depth'
            values = in_range
        if reason is not None:
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        values = object_depths(values)
        z = float(np.median(values))
        lo, hi = np.percentile(values, (10.0, 90.0))
        u, v = (x1 + x2) / 2.0 - 0.5, (y1 + y2) / 2.0 - 0.5
        center = ((u - colour.cx) * z / colour.fx, (v - colour.cy) * z / colour.fy, z)
        size = ((x2 - x1) * z / colour.fx, (y2 - y1) * z / colour.fy, float(hi - lo))
        track = None if track_ids is None else int(track_ids[i])
        boxes.append(Box3D(i, tuple(float(c) for c in center), tuple(float(s) for s in size),
                           int(class_ids[i]), names[i], float(result.scores[i]), track,
                           int(values.size)))
    return Detections3D(tuple(boxes), dropped)


CLUSTER_STEP = 1.1
"""Depth histogram bin ratio of :func:`object_depths` (bins 10 % wide, log-spaced)."""

CLUSTER_DENSITY = 0.02
"""Share of the pixels a bin needs to belong to a depth cluster (sparse edge pixels do not)."""

CLUSTER_SHARE = 0.2
"""Share of the pixels the nearest cluster needs to be taken as the object."""


def object_depths(values: np.ndarray) -> np.ndarray:
    """
    Return the depths of the object in a box: the nearest dense depth cluster.

    A 2D box holds the object and whatever is behind it (a wall, the floor); the median of the
    whole box lands on the background once that covers half the box. The depths are binned in
    log-spaced bins :data:`CLUSTER_STEP` wide; runs of bins holding at least
    :data:`CLUSTER_DENSITY` of the pixels are clusters (the few mixed pixels at an object's edge
    do not bridge two surfaces); the nearest cluster with at least :data:`CLUSTER_SHARE` of the
    pixels is the object, else the largest cluster. A single surface (or a slanted one) is one
    cluster, so all its depths are returned.

    :param values: (N,) float64 valid depths in metres (> 0, finite), N >= 1.
    :return: (M,) float64, the cluster's depths (1 <= M <= N).
    """
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo * CLUSTER_STEP:
        return values
    count = int(np.ceil(np.log(hi / lo) / np.log(CLUSTER_STEP))) + 1
    edges = lo * CLUSTER_STEP ** np.arange(count + 1)
    counts, _ = np.histogram(values, bins=edges)
    dense = counts >= max(1.0, CLUSTER_DENSITY * values.size)
    runs, start = [], None
    for index, flag in enumerate(np.append(dense, False)):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            runs.append((start, index))
            start = None
    if not runs:
        return values
    totals = [int(counts[a:b].sum()) for a, b in runs]
    chosen = next((run for run, total in zip(runs, totals)
                   if total >= CLUSTER_SHARE * values.size),
                  runs[int(np.argmax(totals))])
    inside = (values >= edges[chosen[0]]) & (values <= edges[chosen[1]])
    return values[inside] if inside.any() else values


def _region_depths(depth_m: np.ndarray, box: Sequence[float], mask: Optional[np.ndarray]):
    """
    Return (finite depths inside a box or mask, drop reason or None).

    :param depth_m: (Hd, Wd) float32 metres, NaN = invalid.
    :param box: x1, y1, x2, y2 in depth pixels (edge coordinates).
    :param mask: (H, W) bool at the colour resolution, or None; resampled (nearest) to the
        depth grid.
    """
    dh, dw = depth_m.shape
    c1, r1 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    c2, r2 = min(int(np.ceil(box[2])), dw), min(int(np.ceil(box[3])), dh)
    if c2 <= c1 or r2 <= r1:
        return np.empty(0, np.float32), 'empty_box'
    region = depth_m[r1:r2, c1:c2]
    if mask is not None:
        mask = np.asarray(mask, bool)
        mh, mw = mask.shape
        rows = np.minimum(((np.arange(r1, r2) + 0.5) * mh / dh).astype(np.int64), mh - 1)
        cols = np.minimum(((np.arange(c1, c2) + 0.5) * mw / dw).astype(np.int64), mw - 1)
        region = region[mask[np.ix_(rows, cols)]]
    values = region[np.isfinite(region)].astype(np.float64)
    return values, (None if values.size else 'no_valid_depth')
