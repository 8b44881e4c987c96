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
Launch the detection lifecycle node; configure and activate it when autostart is true.

Example: ``ros2 launch jetson_dnn_ros detection.launch.py image:=/camera/image_raw``.
The node is ``/<namespace>/detection/detection_node``; its outputs are under
``/<namespace>/detection/``.
"""

from jetson_dnn_ros.launch_helpers import task_launch_description

TASK = 'detection'
EXECUTABLE = 'detection_node'
PARAMS_FILE = 'config/detection.yaml'


def generate_launch_description():
    """Return the launch description of the detection node."""
    return task_launch_description(TASK)
