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
Stand-in for ``launch_ros/launch_ros/ros_adapters.py`` (humble): ``get_ros_node``.

Upstream creates one rclpy node per launch context. The stand-in returns the node object the
test harness put in the context globals as ``launch_ros_node`` (``test/launch_sim.py``).
"""


def get_ros_node(context):
    """Return the ROS node of the launch context (the test harness's stand-in graph)."""
    try:
        return context.locals.launch_ros_node
    except AttributeError:
        raise RuntimeError('launch_ros stand-in: no ROS graph in this launch context (run the '
                           'description through test/launch_sim.py)') from None
