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

"""Stand-in for ``launch/launch/action.py`` (humble): ``condition`` has no setter."""

from .launch_description_entity import LaunchDescriptionEntity


class Action(LaunchDescriptionEntity):
    """Mirror of ``launch.Action(*, condition=None)``."""

    def __init__(self, *, condition=None):
        self.__condition = condition

    @property
    def condition(self):
        """Getter for the action's condition; read-only (no setter), as upstream."""
        return self.__condition

    def describe(self):
        """Return a description of this Action."""
        return self.__repr__()

    def visit(self, context):
        """Evaluate the condition, then execute (as humble's ``Action.visit``)."""
        if self.condition is None or self.condition.evaluate(context):
            # humble also emits ExecutionComplete here when a handler would take it; nothing
            # in this package handles that event, so the stand-in does not emit it
            return self.execute(context)
        return None

    def execute(self, context):
        """Execute the action; overridden by subclasses."""
        return None
