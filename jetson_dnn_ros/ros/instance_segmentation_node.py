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

"""Instance segmentation node: detections (Detection2DArray) + an instance-id image (mono16)."""

from jetson_dnn_ros.ros.detections3d import Detections3DMixin
from jetson_dnn_ros.ros.node import DnnNode, run_node
from sensor_msgs.msg import Image
from vision_msgs.msg import Detection2DArray


class InstanceSegmentationNode(Detections3DMixin, DnnNode):
    """
    Publish ``detections`` and ``instances`` for every processed image, also when empty.

    vision_msgs has no mask message (vision_msgs#87), so masks travel as one label image:

    - ``detections`` (vision_msgs/Detection2DArray): one Detection2D per instance, highest
      score first; ``bbox`` in source pixels, ``results[0]`` = (label, score), ``id`` = the
      instance index as text (``'0'``, ``'1'``, …);
    - ``instances`` (sensor_msgs/Image ``mono16``, source resolution, same header): 0 =
      background, ``i + 1`` = the instance whose Detection2D has ``id == str(i)``. Where masks
      overlap the higher-scored instance owns the pixel.

    With ``detection_3d`` also ``detections_3d`` and ``detections_3d/markers``, the depth of
    each instance taken inside its mask (see
    :class:`~jetson_dnn_ros.ros.detections3d.Detections3DMixin`).
    """

    task = 'instance_segmentation'

    def create_outputs(self) -> None:
        """Create the ``detections`` and ``instances`` (and 3D) publishers."""
        from jetson_dnn_ros.ros.node import result_qos
        self._detections_pub = self.lifecycle_publisher(Detection2DArray, 'detections')
        self._instances_pub = self.lifecycle_publisher(Image, 'instances', result_qos(1))
        self.create_3d_outputs()

    def release_outputs(self) -> None:
        """Forget the publisher handles."""
        self._detections_pub = self._instances_pub = None
        self.release_3d_outputs()

    def publish_result(self, result, header, image_bgr) -> None:
        """Publish the detections and the instance image with the input header."""
        from jetson_dnn_ros.ros.conversions import instance_map_to_msg, instances_to_msg
        self._detections_pub.publish(instances_to_msg(result, header))
        self._instances_pub.publish(instance_map_to_msg(result, header))
        self.queue_3d(result, header)


def main(args=None):
    """Run the instance segmentation node (lifecycle transitions come from outside)."""
    run_node(InstanceSegmentationNode, args)


if __name__ == '__main__':
    main()
