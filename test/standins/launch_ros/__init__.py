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
Stand-in for ``launch_ros`` (ros2/launch_ros, branch humble, 0.19.x), for tests without ROS 2.

``Node``, ``LifecycleNode``, ``OnStateTransition``, ``ChangeState``, ``StateTransition`` and
``FindPackageShare`` with humble's signatures. There is no ROS graph: ``LifecycleNode`` talks to
the object that ``ros_adapters.get_ros_node`` returns, which ``test/launch_sim.py`` provides (the
real one is an rclpy node of the launch process).
"""
