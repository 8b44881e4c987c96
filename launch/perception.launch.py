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
Launch several task nodes (one process each), chosen by the ``tasks`` argument.

Example: ``ros2 launch jetson_dnn_ros perception.launch.py tasks:=detection,depth rviz:=true``.
Each node reads its own ``config/<task>.yaml`` unless ``params_file`` names one file with a
block per node. rviz2 is optional: with ``rviz:=true`` and no rviz2 installed, a warning is
logged and the nodes run on. For one process with one executor, run the ``perception``
executable instead (``ros2 run jetson_dnn_ros perception --tasks detection,depth``) and manage
the nodes with ``ros2 lifecycle set``.
"""

from jetson_dnn_ros.launch_helpers import rviz_actions, task_launch_description
from launch.actions import OpaqueFunction

EXECUTABLES = ('classification_node', 'detection_node', 'segmentation_node', 'pose_node',
               'depth_node', 'instance_segmentation_node')
RVIZ_CONFIG = 'config/jetson_dnn.rviz'  # launch_helpers.RVIZ_CONFIG


def generate_launch_description():
    """Return the launch description of the chosen task nodes (and rviz on request)."""
    return task_launch_description(
        '$(tasks)',
        extra_arguments=[('tasks', 'detection,segmentation,depth',
                          'Comma-separated tasks: classification, detection, segmentation, '
                          'pose, depth, instance_segmentation'),
                         ('rviz', 'false', 'Start rviz2 with config/jetson_dnn.rviz (a '
                          'warning, not an error, when rviz2 is not installed)')],
        extra_actions=[OpaqueFunction(function=rviz_actions)])
