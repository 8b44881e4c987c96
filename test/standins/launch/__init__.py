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
Stand-in for ``launch`` (ros2/launch, branch humble, launch 1.0.x), for tests without ROS 2.

Only the classes this package's launch files and :mod:`jetson_dnn_ros.launch_helpers` use, with
Humble's constructor signatures (keyword-only where upstream is keyword-only, so an unknown or
misplaced argument raises ``TypeError`` as it does upstream) and Humble's observable semantics:
conditions are evaluated when an action is visited, ``Action.condition`` is read-only, event
handlers are matched in registration order (newest first) and ``handle_once`` unregisters the
handler when it handles its first event. Nothing here starts a process: an executed
``ExecuteProcess`` (and ``Node``) is only recorded in ``LaunchContext.standin_processes``.

Installed on ``sys.path`` by ``test/standins/install.py`` only where the real rclpy (and with it
the real launch) is not importable. ``test/launch_sim.py`` drives a description like
``launch/launch/launch_service.py`` (humble) does.
"""

from .action import Action
from .condition import Condition
from .event import Event
from .event_handler import EventHandler
from .launch_context import LaunchContext
from .launch_description import LaunchDescription
from .launch_description_entity import LaunchDescriptionEntity
from .substitution import Substitution

__all__ = ['Action', 'Condition', 'Event', 'EventHandler', 'LaunchContext', 'LaunchDescription',
           'LaunchDescriptionEntity', 'Substitution']
