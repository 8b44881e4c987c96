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
Stand-in for ``lifecycle_msgs.srv``: the service classes of lifecycle_msgs.

Mirrors the module that rosidl_generator_py generates from ``lifecycle_msgs/srv/*.srv`` of
ros2/rcl_interfaces (branch humble); the definitions below are the released ``.srv`` files
without their comments. ``rosidl_standin.service_class`` builds the classes.
"""

from rosidl_standin import define_services

SRV_DEFINITIONS = {
    # lifecycle_msgs/srv/ChangeState.srv
    'ChangeState': 'Transition transition\n---\nbool success\n',
    # lifecycle_msgs/srv/GetAvailableStates.srv
    'GetAvailableStates': '---\nState[] available_states\n',
    # lifecycle_msgs/srv/GetAvailableTransitions.srv
    'GetAvailableTransitions': '---\nTransitionDescription[] available_transitions\n',
    # lifecycle_msgs/srv/GetState.srv
    'GetState': '---\nState current_state\n',
}
"""The ``.srv`` texts (request, ``---``, response)."""

define_services(globals(), 'lifecycle_msgs', SRV_DEFINITIONS)
