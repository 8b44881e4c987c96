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

"""Replay a rosbag2 through the task nodes, on the bag's clock.

Example: ``ros2 launch jetson_dnn_ros replay.launch.py bag:=/path/to/photos_mcap
tasks:=detection``. Plays the bag with ``ros2 bag play --clock`` (publishes /clock) and runs
the nodes with ``use_sim_time: true``, so results carry the recorded stamps (they copy the
input header anyway) and timers follow the bag. The default image topic,
``/camera/image_raw``, is the one of the project's photo bags.
"""

from jetson_dnn_ros.launch_helpers import task_launch_description
from launch.actions import ExecuteProcess
from launch.substitutions import LaunchConfiguration

EXECUTABLES = ('classification_node', 'detection_node', 'segmentation_node', 'pose_node',
               'depth_node', 'instance_segmentation_node')


def generate_launch_description():
    """Return the launch description: bag player plus the chosen task nodes on sim time."""
    bag = LaunchConfiguration('bag')
    rate = LaunchConfiguration('rate')
    player = ExecuteProcess(
        cmd=['ros2', 'bag', 'play', '--clock', '--rate', rate, bag],
        name='bag_play', output='screen')
    description = task_launch_description(
        '$(tasks)',
        extra_arguments=[('bag', '', 'rosbag2 folder (or file) to play'),
                         ('tasks', 'detection', 'Comma-separated tasks to run on the bag'),
                         ('rate', '1.0', 'Playback rate factor')],
        extra_actions=[player], use_sim_time=True)
    return description
