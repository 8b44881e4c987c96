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

"""Stand-in for ``launch/launch/event_handler.py`` (humble)."""


class BaseEventHandler:
    """Mirror of humble's ``BaseEventHandler(*, matcher, handle_once=False)``."""

    def __init__(self, *, matcher, handle_once: bool = False):
        self.__matcher = matcher
        self.__handle_once = handle_once

    @property
    def handle_once(self):
        """Getter for handle_once flag."""
        return self.__handle_once

    def matches(self, event) -> bool:
        """Return True if the given event should be handled by this event handler."""
        return self.__matcher(event)

    def handle(self, event, context):
        """Handle the given event: put it in the locals, unregister when handle_once."""
        context.extend_locals({'event': event})
        if self.handle_once:
            context.unregister_event_handler(self)
        return None


class EventHandler(BaseEventHandler):
    """Mirror of ``launch.EventHandler(*, matcher, entities=None, handle_once=False)``."""

    def __init__(self, *, matcher, entities=None, handle_once: bool = False):
        super().__init__(matcher=matcher, handle_once=handle_once)
        self.__entities = entities

    @property
    def entities(self):
        """Getter for entities."""
        return self.__entities

    def handle(self, event, context):
        """Handle the given event: return the entities."""
        super().handle(event, context)
        return self.entities
