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

"""Detection node: publishes vision_msgs/Detection2DArray per image, also when empty."""

from jetson_dnn_ros.ros.node import DnnNode, run_node
from vision_msgs.msg import Detection2DArray


class DetectionNode(DnnNode):
    """
    Publish ``detections`` (vision_msgs/Detection2DArray) for every processed image.

    Boxes are in source-image pixels (BoundingBox2D centre and size), ``class_id`` is the class
    label (the index as text without labels; see ``label_info``), ``score`` in [0, 1]. An
    image without objects gives an empty array with the input header, so consumers can tell
    "nothing there" from "no data".
    """

    task = 'detection'

    def create_outputs(self) -> None:
        """Create the ``detections`` publisher and a fresh tracker."""
        from jetson_dnn_ros.tasks.tracking import IouTracker
        self._detections_pub = self.lifecycle_publisher(Detection2DArray, 'detections')
        self._tracker = IouTracker()
        self._tracking = False

    def release_outputs(self) -> None:
        """Forget the publisher handle and the tracks."""
        self._detections_pub = None
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
        """Publish the DetectionResult with the input header."""
        from jetson_dnn_ros.ros.conversions import detections_to_msg
        self._detections_pub.publish(detections_to_msg(result, header))


def main(args=None):
    """Run the detection node (lifecycle transitions come from outside)."""
    run_node(DetectionNode, args)


if __name__ == '__main__':
    main()
