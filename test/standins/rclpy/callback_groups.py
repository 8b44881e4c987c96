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

"""Stand-in for ``rclpy/rclpy/callback_groups.py`` (branch humble).

The stand-in executors run one callback at a time, so groups only record membership.
"""


class CallbackGroup:
    """The base class for a callback group."""

    def __init__(self):
        self.entities = set()

    def add_entity(self, entity):
        """Add an entity to the callback group."""
        self.entities.add(id(entity))

    def has_entity(self, entity):
        """Return True if the entity was added to this group."""
        return id(entity) in self.entities

    def can_execute(self, entity):
        """Return True (callbacks never overlap in the stand-in)."""
        return True

    def beginning_execution(self, entity):
        """Return True: the entity may run."""
        return True

    def ending_execution(self, entity):
        """Mark the entity finished (no-op)."""


class ReentrantCallbackGroup(CallbackGroup):
    """Allow callbacks to be executed in parallel without restriction."""


class MutuallyExclusiveCallbackGroup(CallbackGroup):
    """Allow only one callback to be executed at a time."""
