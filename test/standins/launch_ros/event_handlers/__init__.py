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

"""Stand-in for ``launch_ros/launch_ros/event_handlers/on_state_transition.py`` (humble)."""

from launch.event_handler import EventHandler

from ..events.lifecycle import StateTransition


class OnStateTransition(EventHandler):
    """Convenience class for handling a state transition of a lifecycle node."""

    def __init__(self, *, entities, target_lifecycle_node=None, transition=None,
                 start_state=None, goal_state=None, matcher=None, **kwargs):
        from ..actions import LifecycleNode
        if not isinstance(target_lifecycle_node, (LifecycleNode, type(None))):
            raise RuntimeError("OnStateTransition requires a 'LifecycleNode' action as the "
                               'target')
        self.__custom_matcher = matcher
        if self.__custom_matcher is None:
            self.__custom_matcher = (
                lambda event: (
                    isinstance(event, StateTransition) and (
                        target_lifecycle_node is None or
                        event.action == target_lifecycle_node
                    ) and (
                        transition is None or event.transition == transition
                    ) and (
                        start_state is None or event.start_state == start_state
                    ) and (
                        goal_state is None or event.goal_state == goal_state
                    )
                )
            )
        # every other keyword (handle_once) goes to launch's EventHandler, as upstream
        super().__init__(matcher=self.__custom_matcher, entities=entities, **kwargs)
        self.__target_lifecycle_node = target_lifecycle_node


__all__ = ['OnStateTransition']
