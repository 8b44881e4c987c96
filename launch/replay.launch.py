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
Replay a rosbag2 through the task nodes, on the bag's clock.

Example: ``ros2 launch jetson_dnn_ros replay.launch.py bag:=/path/to/photos_mcap
tasks:=detection``. Plays the bag with ``ros2 bag play --clock`` (publishes /clock) and runs
the nodes with ``use_sim_time: true``, so results carry the recorded stamps (they copy the
input header anyway) and timers follow the bag. The default image topic,
``/camera/image_raw``, is the one of the project's photo bags.

Playback starts once every node of the launch reports ``active`` (with ``autostart:=false``,
once you have activated them all with ``ros2 lifecycle set``), so no frame is played to a
node that is not listening yet; ``play_when:=now`` plays at once. The player then waits
``play_delay`` seconds (``ros2 bag play --delay``) between creating its publishers and the first
message, so the nodes' subscriptions have matched them (DDS discovery) before frames flow.
"""

from jetson_dnn_ros.launch_helpers import play_delay_args, task_launch_description
from launch.actions import ExecuteProcess, OpaqueFunction
from launch.substitutions import LaunchConfiguration

EXECUTABLES = ('classification_node', 'detection_node', 'segmentation_node', 'pose_node',
               'depth_node', 'instance_segmentation_node')


def generate_launch_description():
    """Return the launch description: bag player plus the chosen task nodes on sim time."""
    def player(context):
        delay = play_delay_args(LaunchConfiguration('play_delay').perform(context))
        return [ExecuteProcess(
            cmd=['ros2', 'bag', 'play', '--clock', '--rate', LaunchConfiguration('rate')] +
            delay + [LaunchConfiguration('bag')],
            name='bag_play', output='screen')]

    return task_launch_description(
        '$(tasks)',
        extra_arguments=[('bag', None, 'rosbag2 folder (or file) to play (required)'),
                         ('tasks', 'detection', 'Comma-separated tasks to run on the bag'),
                         ('rate', '1.0', 'Playback rate factor'),
                         ('play_delay', '1.0', 'Seconds the player waits after creating its '
                          'publishers before the first message (ros2 bag play --delay), so '
                          'the nodes have matched them; 0 = no wait')],
        when_active=[OpaqueFunction(function=player)], use_sim_time=True)
