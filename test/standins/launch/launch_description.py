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

"""Stand-in for ``launch/launch/launch_description.py`` (humble)."""

from .launch_description_entity import LaunchDescriptionEntity


class LaunchDescription(LaunchDescriptionEntity):
    """Mirror of ``launch.LaunchDescription(initial_entities=None, *, deprecated_reason=None)``."""

    def __init__(self, initial_entities=None, *, deprecated_reason=None):
        self.__entities = list(initial_entities) if initial_entities is not None else []
        self.__deprecated_reason = deprecated_reason

    def visit(self, context):
        """Return the entities to visit."""
        return self.__entities

    @property
    def entities(self):
        """Getter for the entities."""
        return self.__entities

    def add_action(self, action) -> None:
        """Add an action to the LaunchDescription."""
        self.__entities.append(action)
