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

"""Classification node: publishes vision_msgs/Classification (top-k classes) per image."""

from jetson_dnn_ros.ros.node import DnnNode, run_node
from vision_msgs.msg import Classification


class ClassificationNode(DnnNode):
    """
    Publish ``classification`` (vision_msgs/Classification, top-k, highest score first).

    ``class_id`` is the class label (the index as text where the model has no labels; ids and
    names in ``label_info``), ``score`` the softmax (or, for multi-label models, sigmoid)
    probability in [0, 1].
    """

    task = 'classification'

    def create_outputs(self) -> None:
        """Create the ``classification`` publisher."""
        self._classification_pub = self.lifecycle_publisher(Classification, 'classification')

    def release_outputs(self) -> None:
        """Forget the publisher handle."""
        self._classification_pub = None

    def publish_result(self, result, header, image_bgr) -> None:
        """Publish the ClassificationResult with the input header."""
        from jetson_dnn_ros.ros.conversions import classification_to_msg
        self._classification_pub.publish(classification_to_msg(result, header))


def main(args=None):
    """Run the classification node (lifecycle transitions come from outside)."""
    run_node(ClassificationNode, args)


if __name__ == '__main__':
    main()
