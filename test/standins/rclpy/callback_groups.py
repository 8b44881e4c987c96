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
Stand-in for ``rclpy/rclpy/callback_groups.py`` (branch humble).

A ``MutuallyExclusiveCallbackGroup`` lets one of its callbacks run at a time (the
multi-threaded executor asks ``can_execute`` / ``beginning_execution`` before running a callback
and calls ``ending_execution`` after it); a ``ReentrantCallbackGroup`` lets any number run.
"""

import threading


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
        """Return True if the entity could begin executing now."""
        raise NotImplementedError()

    def beginning_execution(self, entity):
        """Return True if the entity may run now (and mark it running)."""
        raise NotImplementedError()

    def ending_execution(self, entity):
        """Mark the entity finished."""
        raise NotImplementedError()


class ReentrantCallbackGroup(CallbackGroup):
    """Allow callbacks to be executed in parallel without restriction."""

    def can_execute(self, entity):
        """Return True: reentrant callbacks always may run."""
        return True

    def beginning_execution(self, entity):
        """Return True: reentrant callbacks always may run."""
        return True

    def ending_execution(self, entity):
        """Nothing to record."""


class MutuallyExclusiveCallbackGroup(CallbackGroup):
    """Allow only one callback to be executed at a time."""

    def __init__(self):
        super().__init__()
        self._active_entity = None
        self._lock = threading.Lock()

    def can_execute(self, entity):
        """Return True if no callback of the group runs."""
        with self._lock:
            return self._active_entity is None

    def beginning_execution(self, entity):
        """Return True and mark ``entity`` running if no callback of the group runs."""
        with self._lock:
            if self._active_entity is None:
                self._active_entity = entity
                return True
        return False

    def ending_execution(self, entity):
        """Mark the group free again."""
        with self._lock:
            assert self._active_entity is entity
            self._active_entity = None
