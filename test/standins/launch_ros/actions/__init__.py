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
Stand-in for ``launch_ros/launch_ros/actions`` (humble): ``Node`` and ``LifecycleNode``.

``Node`` takes humble's keyword-only arguments and hands every other keyword to
``ExecuteProcess`` (so an unknown one raises ``TypeError``). Executing it performs the
substitutions of name, namespace, parameters, remappings and arguments (a missing launch
configuration fails as upstream) and records the process instead of starting it.
``LifecycleNode`` mirrors ``lifecycle_node.py``: on execute it subscribes to
``<node>/transition_event``, creates a ``<node>/change_state`` client on the launch's ROS node
and registers the handler that turns ``ChangeState`` events into service requests; a
``TransitionEvent`` message becomes a ``StateTransition`` launch event.
"""

import functools

from launch.actions import ExecuteProcess, OpaqueFunction
from launch.event_handler import EventHandler
from launch.utilities import normalize_to_list_of_substitutions, perform_substitutions
import lifecycle_msgs.msg
import lifecycle_msgs.srv

from ..events.lifecycle import ChangeState, StateTransition
from ..ros_adapters import get_ros_node


def _perform(context, value):
    if isinstance(value, dict):
        # launch_ros/utilities/normalize_parameters.py (humble): in a parameter dict "values
        # that are a list of strings will become a list of strings", not one joined string
        return {_perform(context, k): (list(v) if isinstance(v, (list, tuple)) and v and all(
            isinstance(e, str) for e in v) else _perform(context, v)) for k, v in value.items()}
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and not all(isinstance(v, str) for v in value):
        return [_perform(context, v) for v in value]
    return perform_substitutions(context, normalize_to_list_of_substitutions(value))


class Node(ExecuteProcess):
    """Mirror of ``launch_ros.actions.Node`` (humble signature)."""

    def __init__(self, *, executable, package=None, name=None, namespace=None, exec_name=None,
                 parameters=None, remappings=None, ros_arguments=None, arguments=None,
                 **kwargs):
        cmd = [executable] + (list(arguments) if arguments else [])
        super().__init__(cmd=cmd, **kwargs)
        self.__package = package
        self.__executable = executable
        self.__node_name = name
        self.__node_namespace = namespace
        if parameters is not None and not isinstance(parameters, list):
            # upstream: ensure_argument_type(parameters, (list), 'parameters', 'Node')
            raise TypeError(f"Expected 'parameters' to be one of [<class 'list'>], but "
                            f'got {parameters!r} of type {type(parameters)}')
        self.__parameters = [] if parameters is None else list(parameters)
        self.__remappings = [] if remappings is None else list(remappings)
        self.__ros_arguments = [] if ros_arguments is None else list(ros_arguments)
        self.__final_node_name = None
        self.standin_parameters = None
        self.standin_remappings = None
        self.standin_ros_arguments = None

    @property
    def node_package(self):
        """Getter for node_package."""
        return self.__package

    @property
    def node_executable(self):
        """Getter for node_executable."""
        return self.__executable

    @property
    def node_name(self):
        """Getter for node_name; raises before the action was executed, as upstream."""
        if self.__final_node_name is None:
            raise RuntimeError("cannot access 'node_name' before executing action")
        return self.__final_node_name

    @property
    def is_lifecycle_node(self):
        """Return False: a plain Node."""
        return False

    def _perform_substitutions(self, context):
        name = _perform(context, self.__node_name) if self.__node_name else \
            '<node_name_unspecified>'
        namespace = _perform(context, self.__node_namespace) if self.__node_namespace else ''
        if namespace and not namespace.startswith('/'):
            namespace = '/' + namespace
        self.__final_node_name = namespace.rstrip('/') + '/' + name
        self.standin_parameters = [_perform(context, p) for p in self.__parameters]
        self.standin_remappings = [(_perform(context, a), _perform(context, b))
                                   for a, b in self.__remappings]
        self.standin_ros_arguments = [_perform(context, a) for a in self.__ros_arguments]

    def execute(self, context):
        """Perform the substitutions, then record the process (ExecuteProcess)."""
        self._perform_substitutions(context)
        return super().execute(context)


class LifecycleNode(Node):
    """Mirror of ``launch_ros.actions.LifecycleNode(*, name, namespace, **kwargs)``."""

    def __init__(self, *, name, namespace, **kwargs):
        super().__init__(name=name, namespace=namespace, **kwargs)
        self.__current_state = ChangeState.valid_states[
            lifecycle_msgs.msg.State.PRIMARY_STATE_UNKNOWN]
        self.__rclpy_subscription = None
        self.__rclpy_change_state_client = None

    @property
    def is_lifecycle_node(self):
        """Return True."""
        return True

    def _on_transition_event(self, context, msg):
        # upstream: context.asyncio_loop.call_soon_threadsafe(emit_event_sync(event))
        event = StateTransition(action=self, msg=msg)
        self.__current_state = ChangeState.valid_states[msg.goal_state.id]
        context.emit_event_sync(event)

    def _call_change_state(self, request, context):
        # upstream runs this in an executor thread and waits for the service's future
        response = self.__rclpy_change_state_client.call(request)
        if not response.success:
            self.standin_failed_transitions.append(request.transition.id)

    def _on_change_state_event(self, context):
        typed_event = context.locals.event
        if not typed_event.lifecycle_node_matcher(self):
            return None
        request = lifecycle_msgs.srv.ChangeState.Request()
        request.transition.id = typed_event.transition_id
        self._call_change_state(request, context)

    def execute(self, context):
        """Subscribe to transition events, create the change_state client, then run."""
        self._perform_substitutions(context)
        if '<node_name_unspecified>' in self.node_name:
            raise RuntimeError('node_name unexpectedly incomplete for lifecycle node')
        node = get_ros_node(context)
        self.standin_failed_transitions = []
        self.__rclpy_subscription = node.create_subscription(
            lifecycle_msgs.msg.TransitionEvent, f'{self.node_name}/transition_event',
            functools.partial(self._on_transition_event, context), 10)
        self.__rclpy_change_state_client = node.create_client(
            lifecycle_msgs.srv.ChangeState, f'{self.node_name}/change_state')
        context.register_event_handler(EventHandler(
            matcher=lambda event: isinstance(event, ChangeState),
            entities=[OpaqueFunction(function=self._on_change_state_event)],
        ))
        return super().execute(context)


__all__ = ['LifecycleNode', 'Node']
