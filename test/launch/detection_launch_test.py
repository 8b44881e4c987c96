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
Launch test of launch/detection.launch.py: a photo in, the detection output out.

Needs a real ROS 2 and the project data; skipped elsewhere (see launch_test_common.py).
Run with ``launch_test`` or ``colcon test``.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from launch_test_common import make_launch_test  # noqa: E402, I100

generate_test_description, TestOutputs, TestShutdown = make_launch_test(
    'detection', 'humans_0.jpg', '/detection/detections',
    'vision_msgs.msg.Detection2DArray')
