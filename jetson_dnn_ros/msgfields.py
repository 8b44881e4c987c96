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
The message convention, once: field values of published results, without ROS types.

Both the ROS nodes (:mod:`jetson_dnn_ros.ros.conversions`, rclpy message classes) and the
ROS-free bag writer (:mod:`jetson_dnn_ros.bag`, rosbags message classes) build their messages
from these plain values, so live topics and result bags always agree (DESIGN.md §3):

- classification and detection hypotheses: ``class_id`` = the label (the class id as text where
  the model has no labels), ``score`` in [0, 1];
- detections: bounding box centre and size in source-image pixels (theta 0), ``id`` = the
  tracker id as text ('' without tracking);
- instance segmentation (vision_msgs has no mask message, vision_msgs#87): the detections as
  above with ``id`` = the instance index as text, plus a mono16 ``instances`` image at the
  source resolution, 0 = background, ``i + 1`` = the i-th detection;
- poses: one Detection2D per person, ``results[0]`` = ``person`` with the person score,
  ``results[1..K]`` = one per keypoint (class_id = keypoint name, score = confidence,
  ``pose.pose.position.x/y`` = pixel coordinates);
- point clouds: x, y, z FLOAT32 at offsets 0/4/8 and, with colours, ``rgb`` FLOAT32 at 12
  holding ``0x00RRGGBB`` (PCL's ``PointXYZRGB``, what rviz reads), little-endian.
"""

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np

POINT_FIELD_FLOAT32 = 7
"""``sensor_msgs/PointField.FLOAT32``."""


@dataclass(frozen=True)
class Hypothesis:
    """One ``ObjectHypothesis(WithPose)``: class id text, score, optional pixel position."""

    class_id: str
    score: float
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Detection:
    """One ``Detection2D``: box centre (cx, cy), size (w, h) in pixels, results, ``id`` text."""

    cx: float
    cy: float
    w: float
    h: float
    results: Tuple[Hypothesis, ...]
    id_text: str = ''


@dataclass(frozen=True)
class Cloud:
    """
    The fields of one ``PointCloud2``.

    :param data: point bytes as a flat uint8 array (``point_step`` bytes per point).
    :param fields: ``(name, offset)`` of each FLOAT32 field.
    :param point_step: bytes per point (12, or 16 with rgb).
    :param height: rows (1 for an unorganised cloud).
    :param width: points per row.
    :param is_dense: True if every point is finite.
    """

    data: np.ndarray
    fields: Tuple[Tuple[str, int], ...]
    point_step: int
    height: int
    width: int
    is_dense: bool


def _names(result) -> list:
    """Return the class_id text of each entry: its label, or the class id as text."""
    class_ids = np.asarray(result.class_ids).reshape(-1).tolist()
    labels = getattr(result, 'labels', None)
    return [str(labels[i]) if labels is not None and i < len(labels) and labels[i] else str(c)
            for i, c in enumerate(class_ids)]


def _track_text(track_id) -> str:
    if track_id is None or int(track_id) < 0:
        return ''
    return str(int(track_id))


def _centre_size(xyxy) -> Tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in np.asarray(xyxy, np.float64).reshape(4))
    return (x1 + x2) / 2.0, (y1 + y2) / 2.0, x2 - x1, y2 - y1


def classification_hypotheses(result) -> Tuple[Hypothesis, ...]:
    """Return the ``Classification.results`` of a classification result, in its order."""
    scores = np.asarray(result.scores, np.float64).reshape(-1).tolist()
    return tuple(Hypothesis(name, score) for name, score in zip(_names(result), scores))


def detections(result) -> Tuple[Detection, ...]:
    """Return the ``Detection2D`` values of a detection result (xyxy → centre/size)."""
    scores = np.asarray(result.scores, np.float64).reshape(-1).tolist()
    tracks = getattr(result, 'track_ids', None)
    tracks = [None] * len(scores) if tracks is None else np.asarray(tracks).reshape(-1).tolist()
    return tuple(Detection(*_centre_size(box), (Hypothesis(name, score),), _track_text(track))
                 for box, name, score, track in zip(np.asarray(result.boxes).reshape(-1, 4),
                                                    _names(result), scores, tracks))


def instance_detections(result) -> Tuple[Detection, ...]:
    """
    Return the ``Detection2D`` values of an instance segmentation result.

    As :func:`detections`, but ``id`` = the instance index as text (``'0'`` for the first,
    highest-scored instance): the instance's pixels in the ``instances`` image (mono16) have
    the value ``int(id) + 1``; 0 is background.
    """
    scores = np.asarray(result.scores, np.float64).reshape(-1).tolist()
    return tuple(Detection(*_centre_size(box), (Hypothesis(name, score),), str(i))
                 for i, (box, name, score) in enumerate(zip(
                     np.asarray(result.boxes).reshape(-1, 4), _names(result), scores)))


def pose_detections(result) -> Tuple[Detection, ...]:
    """
    Return one ``Detection2D`` value per person of a pose result (the convention above).

    :raises ValueError: if a person's keypoint count differs from ``keypoint_names``.
    """
    names = [str(name) for name in result.keypoint_names]
    out = []
    for person in result.persons:
        keypoints = np.asarray(person.keypoints, np.float64).reshape(-1, 3)
        if keypoints.shape[0] != len(names):
            raise ValueError(f'person has {keypoints.shape[0]} keypoints, '
                             f'{len(names)} keypoint names')
        results = [Hypothesis('person', float(person.score))]
        results += [Hypothesis(name, c, x, y) for name, (x, y, c) in zip(names,
                                                                         keypoints.tolist())]
        out.append(Detection(*_centre_size(person.box), tuple(results),
                             _track_text(getattr(person, 'track_id', None))))
    return tuple(out)


def label_items(labels: Optional[Union[Sequence[str], Mapping[int, str]]]
                ) -> Tuple[Tuple[int, str], ...]:
    """
    Return ``LabelInfo.class_map`` entries ``(class_id, class_name)`` in id order.

    :param labels: names with index = class id, a ``{class_id: name}`` mapping, or None.
    :raises ValueError: if a class id does not fit ``VisionClass.class_id`` (uint16).
    """
    if labels is None:
        return ()
    if isinstance(labels, Mapping):
        items = sorted((int(k), str(v)) for k, v in labels.items())
    else:
        items = [(i, str(name)) for i, name in enumerate(labels)]
    if items and not (0 <= items[0][0] and items[-1][0] <= 0xFFFF):
        raise ValueError('LabelInfo class ids must be in 0..65535')
    return tuple(items)


def pack_cloud(points: np.ndarray, colors: Optional[np.ndarray] = None) -> Cloud:
    """
    Pack points (and RGB colours) into ``PointCloud2`` fields.

    :param points: (N, 3) or organised (H, W, 3) float x, y, z in metres (optical frame).
    :param colors: None, or uint8 RGB of the same shape as ``points``.
    :return: the :class:`Cloud` (height 1 for (N, 3) input, H × W when organised).
    :raises ValueError: on malformed shapes or dtypes.
    """
    pts = np.asarray(points)
    if pts.ndim not in (2, 3) or pts.shape[-1] != 3:
        raise ValueError(f'points must be (N, 3) or (H, W, 3), got shape {pts.shape}')
    height, width = (1, pts.shape[0]) if pts.ndim == 2 else pts.shape[:2]
    names = ['x', 'y', 'z']
    if colors is not None:
        rgb = np.asarray(colors)
        if rgb.shape != pts.shape or rgb.dtype != np.uint8:
            raise ValueError(f'colors must be uint8 of shape {pts.shape}, got '
                             f'{rgb.dtype} {rgb.shape}')
        names.append('rgb')
    cloud = np.empty(int(height) * int(width), np.dtype([(n, '<f4') for n in names]))
    flat = pts.reshape(-1, 3)
    for i, axis in enumerate('xyz'):
        cloud[axis] = flat[:, i]
    if colors is not None:
        c = rgb.reshape(-1, 3).astype(np.uint32)
        cloud['rgb'] = ((c[:, 0] << 16) | (c[:, 1] << 8) | c[:, 2]).view(np.float32)
    return Cloud(cloud.view(np.uint8), tuple((n, 4 * i) for i, n in enumerate(names)),
                 4 * len(names), int(height), int(width), bool(np.isfinite(flat).all()))


def depth_cloud(depth: np.ndarray, k, k_size: Tuple[int, int], stride: int = 1,
                image_rgb: Optional[np.ndarray] = None, distortion=None):
    """
    Back-project a metric depth map with camera intrinsics given for another resolution.

    ``K`` refers to the camera image of ``k_size``; fx and cx scale with the columns, fy and cy
    with the rows, so a depth map at another resolution (``depth_size``) is projected right.

    :param depth: (H, W) float32 metres.
    :param k: 3 × 3 (or 9 values) camera matrix of the ``k_size`` image, in pixels.
    :param k_size: (width, height) the intrinsics refer to; (0, 0) = the depth's own size.
    :param stride: use every ``stride``-th pixel in x and y.
    :param image_rgb: (h, w, 3) uint8 RGB image for point colours (resized to the depth), or
        None.
    :param distortion: distortion coefficients (ignored with a warning, see ``depth_to_points``).
    :return: ``(points (N, 3) float32, colors (N, 3) uint8 or None)``, camera optical frame.
    """
    import cv2
    from jetson_dnn_ros.tasks.depth import depth_to_points
    h, w = depth.shape[:2]
    k = np.asarray(k, np.float64).reshape(3, 3).copy()
    kw, kh = k_size
    if kw and kh and (kw, kh) != (w, h):
        k[0] *= w / float(kw)
        k[1] *= h / float(kh)
    colors = None
    if image_rgb is not None:
        colors = image_rgb if image_rgb.shape[:2] == (h, w) else cv2.resize(
            np.ascontiguousarray(image_rgb), (w, h), interpolation=cv2.INTER_AREA)
    return depth_to_points(depth, k, int(stride), colors, distortion=distortion)


@dataclass(frozen=True)
class Detection3D:
    """
    One ``Detection3D``: box centre and size in metres (camera optical frame), results, ``id``.

    :param center: (x, y, z) of ``bbox.center.position``; orientation is the identity.
    :param size: (x, y, z) of ``bbox.size``.
    :param results: ``results[0]`` = (label, score); ``pose.pose.position`` = the centre.
    :param id_text: the tracker id as text ('' without tracking).
    """

    center: Tuple[float, float, float]
    size: Tuple[float, float, float]
    results: Tuple[Hypothesis, ...]
    id_text: str = ''


@dataclass(frozen=True)
class BoxMarker:
    """
    One rviz ``visualization_msgs/Marker``: a CUBE (or TEXT_VIEW_FACING label) in metres.

    :param marker_id: unique within its namespace for this array.
    :param ns: marker namespace (``boxes`` or ``labels``).
    :param kind: ``cube`` or ``text``.
    :param center: (x, y, z) position.
    :param scale: (x, y, z) box size; for text only z (the letter height) counts.
    :param rgba: colour, each in [0, 1].
    :param text: the label of a text marker.
    """

    marker_id: int
    ns: str
    kind: str
    center: Tuple[float, float, float]
    scale: Tuple[float, float, float]
    rgba: Tuple[float, float, float, float]
    text: str = ''


MIN_MARKER_SIZE = 0.01
"""Smallest marker extent in metres: rviz refuses a zero scale (a flat surface has size z 0)."""


def detections_3d(result) -> Tuple[Detection3D, ...]:
    """Return the ``Detection3D`` values of a ``tasks.detection3d.Detections3D``, in its order."""
    return tuple(Detection3D(b.center, b.size,
                             (Hypothesis(b.label, b.score, b.center[0], b.center[1]),),
                             _track_text(b.track_id)) for b in result.boxes)


def box_markers(result, alpha: float = 0.4) -> Tuple[BoxMarker, ...]:
    """
    Return the rviz markers of 3D detections: one translucent cube and one label per box.

    Colours are the overlay's class colours (:func:`jetson_dnn_ros.overlay.class_color`).

    :param result: a :class:`~jetson_dnn_ros.tasks.detection3d.Detections3D`.
    :param alpha: cube opacity in [0, 1] (labels are opaque).
    :return: 2 × N markers: cubes (ns ``boxes``, id = index in the array) then labels
        (ns ``labels``, same ids), every extent at least :data:`MIN_MARKER_SIZE`.
    """
    from jetson_dnn_ros.overlay import class_color
    cubes, texts = [], []
    for i, box in enumerate(result.boxes):
        b, g, r = class_color(box.class_id)
        rgb = (r / 255.0, g / 255.0, b / 255.0)
        scale = tuple(max(float(s), MIN_MARKER_SIZE) for s in box.size)
        cubes.append(BoxMarker(i, 'boxes', 'cube', box.center, scale, rgb + (float(alpha),)))
        top = (box.center[0], box.center[1] - scale[1] / 2.0, box.center[2])
        texts.append(BoxMarker(i, 'labels', 'text', top, (0.0, 0.0, 0.1), rgb + (1.0,),
                               f'{box.label} {box.score:.2f} {box.center[2]:.2f}m'))
    return tuple(cubes + texts)
