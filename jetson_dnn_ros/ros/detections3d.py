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
3D detections for the detection nodes: colour results paired with an aligned depth image.

:class:`Detections3DMixin` adds the ``detection_3d`` output to a :class:`DnnNode` subclass
whose results have boxes (and optionally instance masks). Depth input, pairing and the
geometry are described in the README section "3D detections" and in
:mod:`jetson_dnn_ros.tasks.detection3d`.
"""

import threading
from typing import Dict, Optional

from rclpy.lifecycle import TransitionCallbackReturn
from sensor_msgs.msg import Image
from vision_msgs.msg import Detection3DArray
from visualization_msgs.msg import MarkerArray


class _Frame:
    """A processed colour frame waiting for its depth image (synchronised by ``header``)."""

    __slots__ = ('header', 'result')

    def __init__(self, header, result):
        self.header = header
        self.result = result


class Detections3DMixin:
    """
    Publish ``detections_3d`` and ``detections_3d/markers`` while ``detection_3d`` is on.

    With ``detection_3d`` on, the node also subscribes to ``depth_topic`` (a depth image
    aligned to the colour camera, 16UC1 millimetres or 32FC1 metres, REP-118) and
    ``camera_info``. A message_filters ApproximateTimeSynchronizer (``depth_slop``,
    ``depth_queue_size``) pairs each processed colour frame with the depth image of the
    nearest stamp; each pair gives ``detections_3d`` (vision_msgs/Detection3DArray, the colour
    image's header: boxes in its camera optical frame, metres, REP-103; also when empty) and,
    while subscribed, ``detections_3d/markers`` (visualization_msgs/MarkerArray for rviz). A
    colour frame without a depth image within the slop gives no 3D output; a detection without
    valid depth is left out of the 3D array and counted by reason in /diagnostics
    (``drop3d_<reason>``). Results with ``masks`` take the depth inside each mask.

    Put it before :class:`~jetson_dnn_ros.ros.node.DnnNode` in the bases; call
    :meth:`create_3d_outputs` from ``create_outputs``, :meth:`release_3d_outputs` from
    ``release_outputs`` and :meth:`queue_3d` from ``publish_result``.
    """

    def __init__(self, *args, **kwargs):
        self._depth_sub = None
        self._results_filter = self._depth_filter = None
        self._sync = None
        self._detections_3d_pub = self._markers_pub = None
        self._counts_3d: Dict[str, int] = {}
        self._counts_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def uses_camera_info(self) -> bool:
        """Return True when ``detection_3d`` is on (camera_info is subscribed on activate)."""
        return bool(getattr(self, '_values', {}).get('detection_3d', False))

    def create_3d_outputs(self) -> None:
        """Create the 3D publishers (with ``detection_3d``) and reset the 3D counters."""
        self._detections_3d_pub = self._markers_pub = None
        if self._values.get('detection_3d', False):
            self._detections_3d_pub = self.lifecycle_publisher(Detection3DArray, 'detections_3d')
            self._markers_pub = self.lifecycle_publisher(MarkerArray, 'detections_3d/markers')
        with self._counts_lock:
            self._counts_3d = {}

    def release_3d_outputs(self) -> None:
        """Forget the 3D publisher handles (the base class destroys them)."""
        self._detections_3d_pub = self._markers_pub = None

    def check_values(self, values) -> Optional[str]:
        """Reject ``depth_min`` >= ``depth_max``, and ``detection_3d`` with several cameras."""
        from jetson_dnn_ros.ros.params import parse_cameras
        if values.get('detection_3d', False) and len(parse_cameras(values.get('cameras', []))) > 1:
            return ('detection_3d takes one depth image and one camera_info: it works with one '
                    'camera; run one detection node per camera for 3D detections')
        if float(values.get('depth_min', 0.1)) >= float(values.get('depth_max', 20.0)):
            return (f'depth_min ({values.get("depth_min")}) must be smaller than depth_max '
                    f'({values.get("depth_max")})')
        return super().check_values(values)

    # ------------------------------------------------------------------ depth input
    def on_activate(self, state) -> TransitionCallbackReturn:
        """Subscribe to the depth image (with ``detection_3d``), then as every node."""
        if self._values.get('detection_3d', False):
            try:
                self._start_depth()
            except Exception as exc:  # noqa: B902 - reported as a failed transition
                self._stop_depth()
                self.get_logger().error(f'activate failed: depth input: {exc}')
                return TransitionCallbackReturn.FAILURE
        result = super().on_activate(state)
        if result != TransitionCallbackReturn.SUCCESS:
            self._stop_depth()
        return result

    def _start_depth(self) -> None:
        from message_filters import ApproximateTimeSynchronizer, SimpleFilter
        from jetson_dnn_ros.ros.node import image_qos
        values = self._values
        self._results_filter = SimpleFilter()
        # an own subscription feeding a filter (not message_filters.Subscriber, whose callback
        # would run the synchronizer outside any try: a negative stamp raises in Time.from_msg)
        self._depth_filter = SimpleFilter()
        self._depth_sub = self.create_subscription(
            Image, values['depth_topic'], self._on_depth, image_qos(values['depth_qos']),
            callback_group=self._image_group)
        self._sync = ApproximateTimeSynchronizer(
            [self._results_filter, self._depth_filter], int(values['depth_queue_size']),
            float(values['depth_slop']))
        self._sync.registerCallback(self._on_pair)
        self.get_logger().info(f'detection_3d: pairing with {self._depth_sub.topic_name} '
                               f'(slop {values["depth_slop"]} s)')

    def _stop_depth(self) -> None:
        sub, self._depth_sub = self._depth_sub, None
        self._results_filter = self._depth_filter = self._sync = None
        if sub is not None:
            self.destroy_subscription(sub)

    def _on_depth(self, msg) -> None:
        """Hand a depth image to the synchronizer; never raises (counted and logged)."""
        try:
            depth_filter = self._depth_filter
            if depth_filter is None:
                return
            if msg.header.stamp.sec < 0:   # rclpy's Time refuses it; nothing can pair with it
                self._count_3d('skip3d_bad_stamp')
                return
            depth_filter.signalMessage(msg)
        except Exception as exc:  # noqa: B902 - a callback never raises into the executor
            self._contain(exc, 'depth input failed')

    def _destroy_subscriptions(self) -> None:
        """Destroy the depth subscription too (deactivate, cleanup, shutdown, errors)."""
        self._stop_depth()
        super()._destroy_subscriptions()

    def _count_3d(self, key: str, n: int = 1) -> None:
        """Add ``n`` to a 3D counter; each skip reason logs from its own line (own throttle)."""
        with self._counts_lock:
            self._counts_3d[key] = self._counts_3d.get(key, 0) + n

    def diagnostics_values(self) -> Dict[str, str]:
        """Add the 3D counters (``frames_3d_in``, ``frames_3d_out``, ``drop3d_<reason>``)."""
        values = super().diagnostics_values()
        if self._values.get('detection_3d', False):
            with self._counts_lock:
                counts = dict(self._counts_3d)
            values['frames_3d_in'] = str(counts.pop('frames_3d_in', 0))
            values['frames_3d_out'] = str(counts.pop('frames_3d_out', 0))
            values.update({key: str(n) for key, n in sorted(counts.items())})
            if self._depth_sub is not None:
                values['depth_topic'] = self._depth_sub.topic_name
        return values

    def queue_3d(self, result, header) -> None:
        """Queue a published result for pairing with its depth image (with ``detection_3d``)."""
        results_filter = self._results_filter
        if results_filter is not None:
            self._count_3d('frames_3d_in')
            if header.stamp.sec < 0:   # rclpy's Time refuses it; nothing can pair with it
                self._count_3d('skip3d_bad_stamp')
                return
            results_filter.signalMessage(_Frame(header, result))

    def _on_pair(self, frame: _Frame, depth_msg) -> None:
        """
        Publish the 3D detections of a colour frame and its depth image; never raises.

        Called by the synchronizer under its lock, in the thread of the colour frame or of the
        depth image that completed the pair: an exception would leave that lock held, so every
        one stops here (counted and logged as :meth:`on_image` does).
        """
        try:
            if not self._enter_use(lambda: (
                    self._depth_sub is not None and self._detections_3d_pub is not None
                    and self._state_machine.current_state[1] == 'active')):
                self._count_3d('skip3d_inactive')
                return
            try:
                self._publish_3d(frame, depth_msg)
            finally:
                self._exit_use()
        except Exception as exc:  # noqa: B902 - the synchronizer's lock must be released
            self._contain(exc, '3D detections failed')

    def _publish_3d(self, frame: _Frame, depth_msg) -> None:
        from jetson_dnn_ros.ros.conversions import (detections_3d_to_msg, image_msg_to_array,
                                                    markers_to_msg)
        from jetson_dnn_ros.tasks.detection3d import (depth_in_metres, lift_detections,
                                                      PinholeCamera)
        info = self.camera_info
        if info is None:
            self._count_3d('skip3d_no_camera_info')
            self.get_logger().warning('detection_3d: no camera_info received yet; no 3D output',
                                      throttle_duration_sec=5.0)
            return
        try:
            camera = PinholeCamera.from_k(info.k, info.width, info.height)
        except ValueError as exc:
            self._count_3d('skip3d_bad_camera_info')
            self.get_logger().warning(f'detection_3d: camera_info cannot back-project: {exc}; '
                                      'no 3D output', throttle_duration_sec=5.0)
            return
        try:
            depth, encoding = image_msg_to_array(depth_msg)
            depth_m = depth_in_metres(depth, encoding)
        except ValueError as exc:  # ImageEncodingError: not 16UC1/32FC1, truncated, ...
            self._count_3d('skip3d_bad_depth')
            self.get_logger().warning(f'detection_3d: depth image unusable: {exc}; no 3D '
                                      'output', throttle_duration_sec=5.0)
            return
        lifted = lift_detections(frame.result, depth_m, camera,
                                 float(self._values['depth_min']),
                                 float(self._values['depth_max']))
        for reason, n in lifted.dropped.items():
            self._count_3d(f'drop3d_{reason}', n)
        self._detections_3d_pub.publish(detections_3d_to_msg(lifted, frame.header))
        if self.subscribed(self._markers_pub):
            self._markers_pub.publish(markers_to_msg(lifted, frame.header))
        self._count_3d('frames_3d_out')
