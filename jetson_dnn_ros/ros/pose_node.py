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

"""Pose node: one Detection2D per person with its keypoints (vision_msgs/Detection2DArray)."""

from dataclasses import dataclass
from typing import Any, Dict

from jetson_dnn_ros.overlay import OverlayOptions
from jetson_dnn_ros.ros.node import DnnNode, run_node
from vision_msgs.msg import Detection2DArray


@dataclass(frozen=True)
class PoseOverlayOptions(OverlayOptions):
    """
    Overlay options plus poseNet's keypoint and link sizes.

    :param keypoint_scale: keypoint radius as a fraction of the largest image side.
    :param link_scale: link width as a fraction of the largest image side.
    """

    keypoint_scale: float = 0.0052
    link_scale: float = 0.0013


class PoseNode(DnnNode):
    """
    Publish ``poses`` (vision_msgs/Detection2DArray), also when nobody is in view.

    Convention (DESIGN §3): one Detection2D per person; ``bbox`` = person box in source
    pixels; ``results[0]`` = ``person`` with the person score; ``results[1..K]`` = keypoints
    in model order, ``class_id`` = keypoint name (COCO snake_case), ``score`` = keypoint
    confidence, ``pose.pose.position.x/y`` = pixel coordinates.
    """

    task = 'pose'

    def create_outputs(self) -> None:
        """Create the ``poses`` publisher."""
        self._poses_pub = self.lifecycle_publisher(Detection2DArray, 'poses')

    def release_outputs(self) -> None:
        """Forget the publisher handle."""
        self._poses_pub = None

    def overlay_options_for(self, values: Dict[str, Any]) -> PoseOverlayOptions:
        """Return overlay options carrying ``keypoint_scale`` and ``link_scale``."""
        base = OverlayOptions.parse(values['overlay'], values['overlay_alpha'], task=self.task)
        return PoseOverlayOptions(base.flags, base.alpha, base.line_width, base.font_scale,
                                  keypoint_scale=float(values['keypoint_scale']),
                                  link_scale=float(values['link_scale']))

    def publish_result(self, result, header, image_bgr) -> None:
        """Publish the PoseResult with the input header."""
        from jetson_dnn_ros.ros.conversions import pose_to_msg
        self._poses_pub.publish(pose_to_msg(result, header))


def main(args=None):
    """Run the pose node (lifecycle transitions come from outside)."""
    run_node(PoseNode, args)


if __name__ == '__main__':
    main()
