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
Launch the classification lifecycle node; configure and activate it when autostart is true.

Example: ``ros2 launch jetson_dnn_ros classification.launch.py image:=/camera/image_raw``.
The node is ``/<namespace>/classification/classification_node``; its outputs are under
``/<namespace>/classification/``.
"""

from jetson_dnn_ros.launch_helpers import task_launch_description

TASK = 'classification'
EXECUTABLE = 'classification_node'
PARAMS_FILE = 'config/classification.yaml'


def generate_launch_description():
    """Return the launch description of the classification node."""
    return task_launch_description(TASK)
