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
Stand-in for ``visualization_msgs.msg``: the message classes of visualization_msgs.

Mirrors the module that rosidl_generator_py generates from visualization_msgs/msg/*.msg of
ros2/common_interfaces (branch humble): Marker (with its type and action constants),
MarkerArray, ImageMarker, MeshFile, UVCoordinate and the interactive marker messages. The
classes are built by ``rosidl_standin`` (which mirrors rosidl_generator_py/resource/_msg.py.em,
branch humble) from the released field definitions of rosbags' Humble type store.
"""

from rosidl_standin import define_package

define_package(globals(), 'visualization_msgs')
