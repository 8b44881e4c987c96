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
Convert between numpy arrays / pipeline results and ROS 2 messages.

This is the only module besides the node modules that touches message types. It follows the
fast paths measured on a real Humble install:

- receive: ``np.frombuffer(msg.data, np.uint8)`` is a zero-copy view of the message's
  ``array.array('B')``; row padding (``step``) is skipped with strides, not copied;
- publish: one copy of the pixels into an ``array.array('B')`` (``frombytes`` of a byte view of
  a C-contiguous array), handed to the message *constructor*. Never ``msg.data = bytes`` /
  memoryview / ndarray: the generated setter checks every byte in Python (or rejects the
  ndarray).

Result messages carry the input image header unchanged (stamp and frame_id) and coordinates in
source-image pixels. The result objects are duck-typed on the attributes of
``jetson_dnn_ros.tasks`` results (see each function).
"""

import array
import math
import sys
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from jetson_dnn_ros import msgfields
from jetson_dnn_ros.image import check_image, decode_compressed, image_from_buffer
import numpy as np

_BIG_ENDIAN = 1 if sys.byteorder == 'big' else 0
_DIAGNOSTIC_LEVELS = {'OK': 0, 'WARN': 1, 'ERROR': 2, 'STALE': 3}


def _byte_array(values: np.ndarray) -> array.array:
    """Copy a C-contiguous array's bytes into a new ``array.array('B')`` (the one copy)."""
    data = array.array('B')
    data.frombytes(memoryview(values.reshape(-1).view(np.uint8)))
    return data


# ---------------------------------------------------------------------------------- images
def image_msg_to_array(msg) -> Tuple[np.ndarray, str]:
    """
    View a ``sensor_msgs/Image`` as an array, without copying.

    :param msg: the image; ``encoding``, ``step`` (row padding allowed) and ``is_bigendian``
        are honoured.
    :return: ``(image, encoding)``: (H, W) or (H, W, C) array of the encoding's dtype, a view
        into ``msg.data`` (a native-order copy only for big-endian multi-byte data), and the
        message's encoding.
    :raises ImageEncodingError: on an unsupported encoding, a zero size, a step smaller than a
        row or data shorter than ``step × height``.
    """
    image = image_from_buffer(msg.data, msg.height, msg.width, msg.encoding, msg.step,
                              bool(msg.is_bigendian))
    return image, msg.encoding


def compressed_msg_to_array(msg) -> Tuple[np.ndarray, str]:
    """
    Decode a ``sensor_msgs/CompressedImage`` (JPEG, PNG, ...).

    :param msg: the compressed image; ``format`` is informative only (OpenCV detects the
        codec), except that ``compressedDepth`` data is refused.
    :return: ``(image, encoding)``, see :func:`jetson_dnn_ros.image.decode_compressed`
        (``bgr8`` for colour JPEG).
    :raises ImageEncodingError: if the data is empty, corrupt, or compressed depth.
    """
    return decode_compressed(msg.data, str(msg.format))


def array_to_image_msg(image: np.ndarray, encoding: str, header):
    """
    Build a ``sensor_msgs/Image`` from an array with one copy of the pixels.

    :param image: (H, W) or (H, W, C) array matching ``encoding``: uint8 for ``rgb8``,
        ``bgr8``, ``mono8`` …, uint16 for ``mono16``/``16UC1``, float32 for ``32FC1`` (depth in
        metres or relative inverse depth). Non-contiguous arrays are made contiguous first.
    :param encoding: a ``sensor_msgs/image_encodings`` name supported by
        :mod:`jetson_dnn_ros.image`.
    :param header: ``std_msgs/Header`` to publish with (normally the input image's).
    :return: the message; rows are packed (``step`` = width × bytes per pixel) and
        ``is_bigendian`` is the host byte order.
    :raises ImageEncodingError: if the array's shape or dtype does not match ``encoding``.
    """
    from sensor_msgs.msg import Image

    info = check_image(image, encoding)
    contiguous = np.ascontiguousarray(image)
    height, width = int(contiguous.shape[0]), int(contiguous.shape[1])
    return Image(header=header, height=height, width=width, encoding=encoding,
                 is_bigendian=_BIG_ENDIAN if np.dtype(info.dtype).itemsize > 1 else 0,
                 step=width * info.bytes_per_pixel, data=_byte_array(contiguous))


def camera_info_to_matrix(msg) -> np.ndarray:
    """
    Return the intrinsic matrix of a ``sensor_msgs/CameraInfo``.

    :param msg: the camera info.
    :return: (3, 3) float64 K (fx, fy, cx, cy in pixels of ``msg.width`` × ``msg.height``).
    :raises ValueError: if K is all zeros (an uncalibrated camera).
    """
    k = np.asarray(msg.k, dtype=np.float64).reshape(3, 3).copy()
    if not np.any(k):
        raise ValueError('CameraInfo.k is all zeros: the camera is not calibrated')
    return k


# ---------------------------------------------------------------------------------- results
# The field values come from jetson_dnn_ros.msgfields (shared with the bag writer); these
# functions only wrap them in rclpy message classes.

def _hypothesis_with_pose(h):
    from vision_msgs.msg import ObjectHypothesis, ObjectHypothesisWithPose
    msg = ObjectHypothesisWithPose(hypothesis=ObjectHypothesis(class_id=h.class_id,
                                                               score=h.score))
    msg.pose.pose.position.x = h.x
    msg.pose.pose.position.y = h.y
    return msg


def _detection_array(values, header):
    from vision_msgs.msg import BoundingBox2D, Detection2D, Detection2DArray, Point2D, Pose2D
    return Detection2DArray(header=header, detections=[Detection2D(
        header=header, results=[_hypothesis_with_pose(h) for h in d.results],
        bbox=BoundingBox2D(center=Pose2D(position=Point2D(x=d.cx, y=d.cy), theta=0.0),
                           size_x=d.w, size_y=d.h),
        id=d.id_text) for d in values])


def classification_to_msg(result, header):
    """
    Build a ``vision_msgs/Classification`` from a classification result.

    :param result: has ``class_ids`` (K,) int, ``scores`` (K,) float in [0, 1] and ``labels``
        (K names, or empty/None).
    :param header: the input image's ``std_msgs/Header``.
    :return: the message; ``results[i].class_id`` is the label (the class id as text where
        there is none), ``score`` the probability, in the result's order.
    """
    from vision_msgs.msg import Classification, ObjectHypothesis
    return Classification(header=header, results=[
        ObjectHypothesis(class_id=h.class_id, score=h.score)
        for h in msgfields.classification_hypotheses(result)])


def detections_to_msg(result, header):
    """
    Build a ``vision_msgs/Detection2DArray`` from a detection result.

    The array is built (and should be published) also when there are no detections.

    :param result: has ``boxes`` (N, 4) xyxy in source-image pixels, ``scores`` (N,),
        ``class_ids`` (N,), ``labels`` (N names, or empty/None) and optionally ``track_ids``
        (N,) int or None.
    :param header: the input image's ``std_msgs/Header``; copied into every Detection2D.
    :return: the message: per detection ``bbox`` center/size in pixels (theta 0),
        ``results[0].hypothesis`` = (label or class id as text, score), ``id`` = track id as
        text (empty without tracking or for a negative id).
    """
    return _detection_array(msgfields.detections(result), header)


def detections_3d_to_msg(result, header):
    """
    Build a ``vision_msgs/Detection3DArray`` from lifted detections.

    The array is built (and should be published) also when it is empty.

    :param result: a :class:`~jetson_dnn_ros.tasks.detection3d.Detections3D`.
    :param header: the colour image's ``std_msgs/Header`` (its frame_id is the camera optical
        frame the boxes are in, REP-103); copied into every Detection3D.
    :return: the message: per detection ``bbox.center`` = the centre in metres (identity
        orientation), ``bbox.size`` in metres, ``results[0]`` = (label, score) with
        ``pose.pose.position`` = the centre, ``id`` = track id as text ('' without tracking).
    """
    from geometry_msgs.msg import Point, Pose, Vector3
    from vision_msgs.msg import BoundingBox3D, Detection3D, Detection3DArray
    detections = []
    for d in msgfields.detections_3d(result):
        results = []
        for h in d.results:
            hyp = _hypothesis_with_pose(h)
            hyp.pose.pose.position.z = d.center[2]
            results.append(hyp)
        bbox = BoundingBox3D(center=Pose(position=Point(x=d.center[0], y=d.center[1],
                                                        z=d.center[2])),
                             size=Vector3(x=d.size[0], y=d.size[1], z=d.size[2]))
        detections.append(Detection3D(header=header, results=results, bbox=bbox, id=d.id_text))
    return Detection3DArray(header=header, detections=detections)


def markers_to_msg(result, header):
    """
    Build the rviz ``visualization_msgs/MarkerArray`` of lifted detections.

    :param result: a :class:`~jetson_dnn_ros.tasks.detection3d.Detections3D`.
    :param header: the colour image's ``std_msgs/Header`` (frame and stamp of every marker).
    :return: a DELETEALL marker first (so boxes of the previous image disappear), then per
        detection a translucent CUBE (ns ``boxes``) and a TEXT_VIEW_FACING label (ns
        ``labels``); see :func:`jetson_dnn_ros.msgfields.box_markers`.
    """
    from geometry_msgs.msg import Point, Pose, Vector3
    from std_msgs.msg import ColorRGBA
    from visualization_msgs.msg import Marker, MarkerArray
    markers = [Marker(header=header, action=Marker.DELETEALL)]
    for m in msgfields.box_markers(result):
        markers.append(Marker(
            header=header, ns=m.ns, id=m.marker_id,
            type=Marker.CUBE if m.kind == 'cube' else Marker.TEXT_VIEW_FACING,
            action=Marker.ADD,
            pose=Pose(position=Point(x=m.center[0], y=m.center[1], z=m.center[2])),
            scale=Vector3(x=m.scale[0], y=m.scale[1], z=m.scale[2]),
            color=ColorRGBA(r=m.rgba[0], g=m.rgba[1], b=m.rgba[2], a=m.rgba[3]),
            text=m.text))
    return MarkerArray(markers=markers)


def instances_to_msg(result, header):
    """
    Build the ``vision_msgs/Detection2DArray`` of an instance segmentation result.

    :param result: has ``boxes`` (N, 4) xyxy source pixels, ``scores`` (N,), ``class_ids``
        (N,) and ``labels``.
    :param header: the input image's ``std_msgs/Header``; copied into every Detection2D.
    :return: the message: per instance ``bbox`` center/size in pixels, ``results[0]`` = (label,
        score), ``id`` = the instance index as text; its pixels in the ``instances`` image
        (:func:`instance_map_to_msg`) are ``int(id) + 1``.
    """
    return _detection_array(msgfields.instance_detections(result), header)


def instance_map_to_msg(result, header):
    """
    Build the ``instances`` image of an instance segmentation result.

    :param result: has ``instance_map()`` returning (H, W) uint16 at the source resolution.
    :param header: the input image's ``std_msgs/Header``.
    :return: a ``sensor_msgs/Image`` ``mono16``: 0 = background, ``i + 1`` = the i-th
        Detection2D of :func:`instances_to_msg` (overlaps go to the higher score).
    """
    return array_to_image_msg(result.instance_map(), 'mono16', header)


def pose_to_msg(result, header):
    """
    Build a ``vision_msgs/Detection2DArray`` from a pose result (DESIGN.md §3 convention).

    One Detection2D per person: ``bbox`` = the person box; ``results[0]`` = ``('person',
    person score)``; ``results[1..K]`` = one per keypoint in ``keypoint_names`` order, with
    ``hypothesis.class_id`` = keypoint name, ``hypothesis.score`` = keypoint confidence (0 for
    keypoints that were not found: every person has all K entries) and
    ``pose.pose.position.x/y`` = keypoint pixel coordinates (z 0).

    :param result: has ``persons`` (each with ``box`` (4,) xyxy, ``score`` and ``keypoints``
        (K, 3) rows x, y, confidence; optional ``track_id``) and ``keypoint_names`` (K names).
    :param header: the input image's ``std_msgs/Header``; copied into every Detection2D.
    :return: the message (empty ``detections`` when nobody was found).
    :raises ValueError: if a person's keypoint count differs from ``keypoint_names``.
    """
    return _detection_array(msgfields.pose_detections(result), header)


def label_info_msg(labels: Optional[Union[Sequence[str], Mapping[int, str]]], header,
                   threshold: float = 0.0):
    """
    Build a ``vision_msgs/LabelInfo`` (publish it transient local, like CameraInfo).

    :param labels: class names with index = class id, or a ``{class_id: name}`` mapping, or
        None (empty class map).
    :param header: a ``std_msgs/Header`` (stamp of configuration time, empty frame_id).
    :param threshold: score threshold applied by the pipeline, in [0, 1].
    :return: the message, classes in ascending id order.
    :raises ValueError: if a class id does not fit uint16 (0..65535).
    """
    from vision_msgs.msg import LabelInfo, VisionClass
    return LabelInfo(header=header, threshold=float(threshold), class_map=[
        VisionClass(class_id=class_id, class_name=name)
        for class_id, name in msgfields.label_items(labels)])


# ---------------------------------------------------------------------------------- points
def pointcloud_to_msg(points: np.ndarray, header, colors: Optional[np.ndarray] = None):
    """
    Build a ``sensor_msgs/PointCloud2`` of x, y, z (and packed rgb) float32 fields.

    Layout: see :func:`jetson_dnn_ros.msgfields.pack_cloud` (PCL's ``PointXYZ``/``PointXYZRGB``).

    :param points: (N, 3) or organised (H, W, 3) float x, y, z in metres (optical frame of
        ``header.frame_id``); NaN/inf points make the cloud not dense.
    :param header: ``std_msgs/Header`` (normally the depth image's).
    :param colors: None, or (N, 3) / (H, W, 3) uint8 **RGB** colours of the points.
    :return: the message (height 1 and width N for (N, 3) input, H × W when organised).
    :raises ValueError: on malformed shapes or dtypes.
    """
    from sensor_msgs.msg import PointCloud2, PointField
    cloud = msgfields.pack_cloud(points, colors)
    fields = [PointField(name=name, offset=offset, datatype=PointField.FLOAT32, count=1)
              for name, offset in cloud.fields]
    return PointCloud2(header=header, height=cloud.height, width=cloud.width, fields=fields,
                       is_bigendian=False, point_step=cloud.point_step,
                       row_step=cloud.point_step * cloud.width,
                       data=_byte_array(cloud.data), is_dense=cloud.is_dense)


# ---------------------------------------------------------------------------------- diagnostics
def _diagnostic_level(level: Union[str, int, bytes]) -> bytes:
    if isinstance(level, (bytes, bytearray)):
        value = level[0] if len(level) == 1 else -1
    elif isinstance(level, str):
        value = _DIAGNOSTIC_LEVELS.get(level.upper(), -1)
    else:
        value = int(level)
    if value not in (0, 1, 2, 3):
        raise ValueError(f'diagnostic level must be OK, WARN, ERROR or STALE, got {level!r}')
    return bytes([value])


def _diagnostic_text(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (float, np.floating)):
        return f'{float(value):.6g}' if math.isfinite(value) else str(float(value))
    return str(value)


def diagnostics_msg(name: str, level: Union[str, int, bytes], message: str,
                    values: Union[Mapping[str, Any], Iterable[Tuple[str, Any]]], stamp=None,
                    *, hardware_id: str = ''):
    """
    Build a ``diagnostic_msgs/DiagnosticArray`` holding one status.

    :param name: status name, e.g. ``'/camera/detection_node: detection'``.
    :param level: ``'OK'``, ``'WARN'``, ``'ERROR'``, ``'STALE'`` (any case), 0..3, or the
        ``DiagnosticStatus`` byte constant.
    :param message: one-line summary.
    :param values: key/value pairs (a mapping keeps its order); values are converted to text
        (floats with 6 significant digits, bools as ``true``/``false``).
    :param stamp: ``builtin_interfaces/Time`` of the array header, or None (zero).
    :param hardware_id: e.g. the inference device.
    :return: the message.
    :raises ValueError: on an unknown level.
    """
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
    from std_msgs.msg import Header

    items = values.items() if isinstance(values, Mapping) else values
    status = DiagnosticStatus(
        level=_diagnostic_level(level), name=str(name), message=str(message),
        hardware_id=str(hardware_id),
        values=[KeyValue(key=str(key), value=_diagnostic_text(value)) for key, value in items])
    header = Header() if stamp is None else Header(stamp=stamp)
    return DiagnosticArray(header=header, status=[status])
