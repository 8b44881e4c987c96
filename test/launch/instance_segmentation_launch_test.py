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
Launch test of launch/instance_segmentation.launch.py: a photo in, both outputs out.

Waits for ``detections`` (vision_msgs/Detection2DArray), then, in a second test class with
its own photo publisher, for ``instances`` (sensor_msgs/Image mono16). Needs a real ROS 2 and
the project data; skipped elsewhere (see launch_test_common.py). Run with ``launch_test`` or
``colcon test``.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from launch_test_common import make_launch_test  # noqa: E402, I100

generate_test_description, TestOutputs, TestShutdown = make_launch_test(
    'instance_segmentation', 'peds_0.jpg', '/instance_segmentation/detections',
    'vision_msgs.msg.Detection2DArray')


if generate_test_description is not None:  # else TestOutputs skips (no ROS 2 / data)
    class TestInstances(TestOutputs):
        """Publish the photo until the mono16 instance image arrives."""

        def test_output_arrives(self):
            """The node publishes ``instances`` (mono16 at the photo's resolution)."""
            import launch_testing_ros
            from sensor_msgs.msg import Image
            topic = '/instance_segmentation/instances'
            wait = launch_testing_ros.WaitForTopics([(topic, Image)], timeout=120.0)
            try:
                self.assertTrue(wait.wait(), f'nothing received on {topic}')
            finally:
                wait.shutdown()
