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

"""Segmentation node: class map (mono8/mono16) and colour mask (rgb8) at source resolution."""

from typing import Any, Dict, Optional

from jetson_dnn_ros.ros.node import DnnNode, run_node
from sensor_msgs.msg import Image


class SegmentationNode(DnnNode):
    """
    Publish ``segmentation`` and, while subscribed, ``color_mask``.

    ``segmentation`` is an (H, W) class-id image at the source resolution: ``mono8`` for
    models with up to 255 classes, else ``mono16``; pixel value = class id, names in
    ``label_info``. ``color_mask`` is the (H, W) ``rgb8`` palette rendering (the descriptor's
    palette, VOC colours by default; ``ignore_class`` black).
    """

    task = 'segmentation'

    def create_outputs(self) -> None:
        """Create the ``segmentation`` and ``color_mask`` publishers."""
        from jetson_dnn_ros.ros.node import result_qos
        self._segmentation_pub = self.lifecycle_publisher(Image, 'segmentation', result_qos(1))
        self._color_mask_pub = self.lifecycle_publisher(Image, 'color_mask', result_qos(1))

    def release_outputs(self) -> None:
        """Forget the publisher handles."""
        self._segmentation_pub = self._color_mask_pub = None

    def check_values(self, values: Dict[str, Any]) -> Optional[str]:
        """Reject an ``ignore_class`` that is neither a class id nor a label of the model."""
        name = str(values.get('ignore_class', '')).strip()
        labels = self.pipeline.labels if self.pipeline is not None else None
        if not name or name.lstrip('-').isdigit() or labels is None:
            return None
        if name.lower() not in (label.lower() for label in labels):
            return (f'ignore_class {name!r} is not a class of this model; classes: '
                    f'{", ".join(labels[:30])}')
        return None

    def publish_result(self, result, header, image_bgr) -> None:
        """Publish the class map and, when subscribed, the colour mask with the input header."""
        from jetson_dnn_ros.ros.conversions import array_to_image_msg
        class_map = result.class_map
        encoding = 'mono8' if class_map.dtype.itemsize == 1 else 'mono16'
        self._segmentation_pub.publish(array_to_image_msg(class_map, encoding, header))
        if self.subscribed(self._color_mask_pub):
            self._color_mask_pub.publish(array_to_image_msg(result.color_mask(), 'rgb8', header))


def main(args=None):
    """Run the segmentation node (lifecycle transitions come from outside)."""
    run_node(SegmentationNode, args)


if __name__ == '__main__':
    main()
