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

"""Depth node: depth image (32FC1), colour rendering (rgb8) and a point cloud (PointCloud2)."""

from typing import Any, Dict, Optional

from jetson_dnn_ros.ros.node import DnnNode, run_node
import numpy as np
from sensor_msgs.msg import Image, PointCloud2


class DepthNode(DnnNode):
    """
    Publish ``depth``, and while subscribed ``depth/colored`` and ``points``.

    - ``depth``: (H, W) ``32FC1``, metres along the optical axis for metric models
      (FastDepth), relative inverse depth (larger = nearer, no unit) otherwise; H, W = source
      size times ``depth_scale``.
    - ``depth/colored``: ``rgb8`` rendering with ``colormap`` (near yellow by default).
    - ``points``: PointCloud2 in the image's frame_id (REP-103 optical frame), every
      ``point_stride``-th pixel, coloured with the image; only for metric models and after a
      ``camera_info`` arrived (its K is scaled to the depth map's resolution).
    """

    task = 'depth'
    uses_camera_info = True

    def create_outputs(self) -> None:
        """Create the ``depth``, ``depth/colored`` and ``points`` publishers."""
        from jetson_dnn_ros.ros.node import result_qos
        self._depth_pub = self.lifecycle_publisher(Image, 'depth', result_qos(1))
        self._colored_pub = self.lifecycle_publisher(Image, 'depth/colored', result_qos(1))
        self._points_pub = self.lifecycle_publisher(PointCloud2, 'points', result_qos(1))

    def release_outputs(self) -> None:
        """Forget the publisher handles."""
        self._depth_pub = self._colored_pub = self._points_pub = None

    def check_values(self, values: Dict[str, Any]) -> Optional[str]:
        """Reject an unknown ``colormap``."""
        from jetson_dnn_ros.colormaps import COLORMAPS
        name = str(values.get('colormap', ''))
        if name.split('_inverted')[0] not in COLORMAPS:
            return (f'colormap {name!r} is unknown; choose one of {", ".join(COLORMAPS)} '
                    '(optionally with _inverted)')
        return None

    def needs_image(self) -> bool:
        """Return True when ``points`` will be published (its colours come from the image)."""
        return self._points_ready() and self.subscribed(self._points_pub)

    def _points_ready(self) -> bool:
        info = self.camera_info
        return (info is not None and self.pipeline is not None
                and self.pipeline.descriptor.extras.get('depth_kind', 'metric') == 'metric'
                and float(info.k[0]) > 0.0 and info.width > 0 and info.height > 0)

    def publish_result(self, result, header, image_bgr) -> None:
        """Publish depth, and the colour rendering and points when subscribed."""
        from jetson_dnn_ros.ros.conversions import array_to_image_msg
        from jetson_dnn_ros.tasks.depth import colorize_depth
        depth = np.ascontiguousarray(result.depth, dtype=np.float32)
        self._depth_pub.publish(array_to_image_msg(depth, '32FC1', header))
        if self.subscribed(self._colored_pub):
            colored = colorize_depth(depth, result.kind, result.colormap, result.equalize)
            self._colored_pub.publish(array_to_image_msg(colored, 'rgb8', header))
        if result.kind == 'metric' and self._points_ready() and self.subscribed(self._points_pub):
            self._publish_points(depth, header, image_bgr)

    def _publish_points(self, depth: np.ndarray, header, image_bgr) -> None:
        from jetson_dnn_ros.msgfields import depth_cloud
        from jetson_dnn_ros.ros.conversions import pointcloud_to_msg
        info = self.camera_info
        rgb = None if image_bgr is None else image_bgr[:, :, ::-1]
        points, point_colors = depth_cloud(depth, info.k, (info.width, info.height),
                                           int(self.values['point_stride']), rgb,
                                           distortion=info.d)
        self._points_pub.publish(pointcloud_to_msg(points, header, point_colors))


def main(args=None):
    """Run the depth node (lifecycle transitions come from outside)."""
    run_node(DepthNode, args)


if __name__ == '__main__':
    main()
