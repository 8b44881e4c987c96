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

"""Detection node: vision_msgs/Detection2DArray per image, and 3D boxes with aligned depth."""

from jetson_dnn_ros.ros.detections3d import Detections3DMixin
from jetson_dnn_ros.ros.node import DnnNode, run_node
from vision_msgs.msg import Detection2DArray


class DetectionNode(Detections3DMixin, DnnNode):
    """
    Publish ``detections`` (vision_msgs/Detection2DArray) for every processed image.

    Boxes are in source-image pixels (BoundingBox2D centre and size), ``class_id`` is the class
    label (the index as text without labels; see ``label_info``), ``score`` in [0, 1]. An
    image without objects gives an empty array with the input header, so consumers can tell
    "nothing there" from "no data". With ``detection_3d`` also ``detections_3d`` and
    ``detections_3d/markers`` (see :class:`~jetson_dnn_ros.ros.detections3d.Detections3DMixin`).
    """

    task = 'detection'

    def create_outputs(self) -> None:
        """Create the ``detections`` (and 3D) publishers and a fresh tracker."""
        from jetson_dnn_ros.tasks.tracking import IouTracker
        self._detections_pub = self.lifecycle_publisher(Detection2DArray, 'detections')
        self.create_3d_outputs()
        self._tracker = IouTracker()
        self._tracking = False

    def release_outputs(self) -> None:
        """Forget the publisher handles and the tracks."""
        self._detections_pub = None
        self.release_3d_outputs()
        self._tracker = None

    def postprocess(self, result):
        """Add IoU-tracker ids while the ``tracking`` parameter is on (switching restarts ids)."""
        tracker = self._tracker
        enabled = bool(self._values.get('tracking', False))
        if tracker is None:
            return result
        if enabled != self._tracking:
            tracker.reset()
            self._tracking = enabled
        return tracker.update(result) if enabled else result

    def publish_result(self, result, header, image_bgr) -> None:
        """Publish the DetectionResult with the input header; queue it for its depth image."""
        from jetson_dnn_ros.ros.conversions import detections_to_msg
        self._detections_pub.publish(detections_to_msg(result, header))
        self.queue_3d(result, header)


def main(args=None):
    """Run the detection node (lifecycle transitions come from outside)."""
    run_node(DetectionNode, args)


if __name__ == '__main__':
    main()
