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
Stand-in for ``launch_ros/launch_ros/events/lifecycle`` (humble).

``ChangeState(*, lifecycle_node_matcher, transition_id)`` refuses an unknown transition id with
``ValueError``; ``StateTransition(*, action, msg)`` exposes the labels of a
``lifecycle_msgs/TransitionEvent`` as upstream.
"""

import collections

from launch.event import Event
import lifecycle_msgs.msg

_T = lifecycle_msgs.msg.Transition
_S = lifecycle_msgs.msg.State


class ChangeState(Event):
    """Event emitted to request a lifecycle node to change state."""

    name = 'launch_ros.events.lifecycle.ChangeState'

    valid_transitions = collections.OrderedDict([
        (_T.TRANSITION_CREATE, 'TRANSITION_CREATE'),
        (_T.TRANSITION_CONFIGURE, 'TRANSITION_CONFIGURE'),
        (_T.TRANSITION_CLEANUP, 'TRANSITION_CLEANUP'),
        (_T.TRANSITION_ACTIVATE, 'TRANSITION_ACTIVATE'),
        (_T.TRANSITION_DEACTIVATE, 'TRANSITION_DEACTIVATE'),
        (_T.TRANSITION_UNCONFIGURED_SHUTDOWN, 'TRANSITION_UNCONFIGURED_SHUTDOWN'),
        (_T.TRANSITION_INACTIVE_SHUTDOWN, 'TRANSITION_INACTIVE_SHUTDOWN'),
        (_T.TRANSITION_ACTIVE_SHUTDOWN, 'TRANSITION_ACTIVE_SHUTDOWN'),
        (_T.TRANSITION_DESTROY, 'TRANSITION_DESTROY'),
    ])
    valid_states = collections.OrderedDict([
        (_S.PRIMARY_STATE_UNKNOWN, 'PRIMARY_STATE_UNKNOWN'),
        (_S.PRIMARY_STATE_UNCONFIGURED, 'PRIMARY_STATE_UNCONFIGURED'),
        (_S.PRIMARY_STATE_INACTIVE, 'PRIMARY_STATE_INACTIVE'),
        (_S.PRIMARY_STATE_ACTIVE, 'PRIMARY_STATE_ACTIVE'),
        (_S.PRIMARY_STATE_FINALIZED, 'PRIMARY_STATE_FINALIZED'),
        (_S.TRANSITION_STATE_CONFIGURING, 'TRANSITION_STATE_CONFIGURING'),
        (_S.TRANSITION_STATE_CLEANINGUP, 'TRANSITION_STATE_CLEANINGUP'),
        (_S.TRANSITION_STATE_SHUTTINGDOWN, 'TRANSITION_STATE_SHUTTINGDOWN'),
        (_S.TRANSITION_STATE_ACTIVATING, 'TRANSITION_STATE_ACTIVATING'),
        (_S.TRANSITION_STATE_DEACTIVATING, 'TRANSITION_STATE_DEACTIVATING'),
        (_S.TRANSITION_STATE_ERRORPROCESSING, 'TRANSITION_STATE_ERRORPROCESSING'),
    ])

    def __init__(self, *, lifecycle_node_matcher, transition_id: int):
        super().__init__()
        self.__lifecycle_node_matcher = lifecycle_node_matcher
        self.__transition_id = transition_id
        if transition_id not in self.valid_transitions:
            raise ValueError("given transition_id of '{}', expected one of {{{}}}".format(
                transition_id, ', '.join(f'{v}: {k}' for k, v in
                                         self.valid_transitions.items())))

    @property
    def lifecycle_node_matcher(self):
        """Getter for lifecycle_node_matcher."""
        return self.__lifecycle_node_matcher

    @property
    def transition_id(self) -> int:
        """Getter for transition_id."""
        return self.__transition_id


class StateTransition(Event):
    """Event emitted when a lifecycle node makes a state transition."""

    name = 'launch_ros.events.lifecycle.StateTransition'

    def __init__(self, *, action, msg):
        super().__init__()
        self.__action = action
        self.__msg = msg
        self.__timestamp = msg.timestamp
        self.__transition = msg.transition.label
        self.__start_state = msg.start_state.label
        self.__goal_state = msg.goal_state.label

    @property
    def action(self):
        """Getter for action."""
        return self.__action

    @property
    def msg(self):
        """Getter for msg."""
        return self.__msg

    @property
    def timestamp(self) -> int:
        """Getter for timestamp."""
        return self.__timestamp

    @property
    def transition(self) -> str:
        """Getter for transition."""
        return self.__transition

    @property
    def start_state(self) -> str:
        """Getter for start_state."""
        return self.__start_state

    @property
    def goal_state(self) -> str:
        """Getter for goal_state."""
        return self.__goal_state


__all__ = ['ChangeState', 'StateTransition']
