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
Stand-in for ``rclpy/rclpy/lifecycle/node.py`` (branch humble).

The state machine mirrors rcl_lifecycle's default one (``rcl/rcl_lifecycle/src/
default_state_machine.c``): primary states unconfigured (1), inactive (2), active (3),
finalized (4); transition states configuring (10), cleaningup (11), shuttingdown (12),
activating (13), deactivating (14), errorprocessing (15).

``trigger_<transition>()`` works as upstream's ``__change_state``: it triggers the transition
(``RCLError`` - a ``RuntimeError`` - if the transition is not valid from the current state),
runs the matching ``on_<transition>`` callback with the previous state, then follows the
callback's result. An exception raised by a callback is swallowed (not logged) and counts as
ERROR: the node goes to errorprocessing, ``on_error`` runs, and its result decides the state:
SUCCESS -> unconfigured, FAILURE or ERROR (or an exception) -> finalized. The trigger returns the
transition callback's result (ERROR in that case), never on_error's. FAILURE goes back to the
start state (shutdown: to finalized). A callback returning something that is not a
``TransitionCallbackReturn`` (e.g. None) makes the trigger raise ``AttributeError`` and leaves
the node in the transition state, as upstream.

The default ``on_configure`` … ``on_error`` call the same method of every managed entity
(lifecycle publishers are managed entities: ``on_activate`` enables them, ``on_deactivate``
disables them), so overrides must call ``super()``. The node publishes
``lifecycle_msgs/TransitionEvent`` on ``~/transition_event`` for every state change (timestamp and
transition left at their defaults, start and goal states filled), as rcl_lifecycle does.
``node._state_machine.current_state`` is ``(id, label)``, as upstream.

A transition that is not valid in the current state logs rcl_lifecycle's warning ("No
transition matching <id> found for current state <label>") and raises ``RCLError``
("Failed to trigger lifecycle state machine transition: Transition is not registered.").

The five lifecycle services exist as upstream (with ``enable_communication_interface``), in the
node's default callback group unless ``callback_group`` is given: ``~/change_state``
(``ChangeState``), ``~/get_state``, ``~/get_available_states``, ``~/get_available_transitions``
and ``~/get_transition_graph`` (``GetAvailableTransitions``). ``__on_change_state`` is Humble's
(rclpy 3.3.x, before ros2/rclpy#1319): a ``transition.label`` that is not available answers
``success=False``; otherwise ``transition.id`` goes to ``__change_state`` unchecked, so an id
that is not valid in the current state raises ``RCLError`` out of the service callback, and the
executor re-raises it from ``spin()``/``spin_once()``.
"""

from typing import NamedTuple

from lifecycle_msgs.msg import State
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.msg import TransitionDescription
from lifecycle_msgs.msg import TransitionEvent
import lifecycle_msgs.srv

from rclpy import _graph
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.logging import get_logger
from rclpy.node import Node
from rclpy.qos import qos_profile_services_default
from rclpy.qos import QoSProfile
from rclpy.service import Service
from rclpy.type_support import check_is_valid_srv_type

from .managed_entity import ManagedEntity
from .publisher import LifecyclePublisher

TransitionCallbackReturn = _rclpy.TransitionCallbackReturnType


class LifecycleState(NamedTuple):
    """A lifecycle state: label and id."""

    label: str
    state_id: int


_STATES = {
    State.PRIMARY_STATE_UNKNOWN: 'unknown',
    State.PRIMARY_STATE_UNCONFIGURED: 'unconfigured',
    State.PRIMARY_STATE_INACTIVE: 'inactive',
    State.PRIMARY_STATE_ACTIVE: 'active',
    State.PRIMARY_STATE_FINALIZED: 'finalized',
    State.TRANSITION_STATE_CONFIGURING: 'configuring',
    State.TRANSITION_STATE_CLEANINGUP: 'cleaningup',
    State.TRANSITION_STATE_SHUTTINGDOWN: 'shuttingdown',
    State.TRANSITION_STATE_ACTIVATING: 'activating',
    State.TRANSITION_STATE_DEACTIVATING: 'deactivating',
    State.TRANSITION_STATE_ERRORPROCESSING: 'errorprocessing',
}

_S = State
_T = Transition
_SUCCESS, _FAILURE, _ERROR = 'transition_success', 'transition_failure', 'transition_error'

# (transition id, label, start state, goal state); labels as rcl_lifecycle registers them:
# the five user transitions by name, the callback results as transition_success/failure/error.
_TRANSITIONS = (
    (_T.TRANSITION_CONFIGURE, 'configure', _S.PRIMARY_STATE_UNCONFIGURED,
     _S.TRANSITION_STATE_CONFIGURING),
    (_T.TRANSITION_ON_CONFIGURE_SUCCESS, _SUCCESS, _S.TRANSITION_STATE_CONFIGURING,
     _S.PRIMARY_STATE_INACTIVE),
    (_T.TRANSITION_ON_CONFIGURE_FAILURE, _FAILURE, _S.TRANSITION_STATE_CONFIGURING,
     _S.PRIMARY_STATE_UNCONFIGURED),
    (_T.TRANSITION_ON_CONFIGURE_ERROR, _ERROR, _S.TRANSITION_STATE_CONFIGURING,
     _S.TRANSITION_STATE_ERRORPROCESSING),
    (_T.TRANSITION_CLEANUP, 'cleanup', _S.PRIMARY_STATE_INACTIVE,
     _S.TRANSITION_STATE_CLEANINGUP),
    (_T.TRANSITION_ON_CLEANUP_SUCCESS, _SUCCESS, _S.TRANSITION_STATE_CLEANINGUP,
     _S.PRIMARY_STATE_UNCONFIGURED),
    (_T.TRANSITION_ON_CLEANUP_FAILURE, _FAILURE, _S.TRANSITION_STATE_CLEANINGUP,
     _S.PRIMARY_STATE_INACTIVE),
    (_T.TRANSITION_ON_CLEANUP_ERROR, _ERROR, _S.TRANSITION_STATE_CLEANINGUP,
     _S.TRANSITION_STATE_ERRORPROCESSING),
    (_T.TRANSITION_ACTIVATE, 'activate', _S.PRIMARY_STATE_INACTIVE,
     _S.TRANSITION_STATE_ACTIVATING),
    (_T.TRANSITION_ON_ACTIVATE_SUCCESS, _SUCCESS, _S.TRANSITION_STATE_ACTIVATING,
     _S.PRIMARY_STATE_ACTIVE),
    (_T.TRANSITION_ON_ACTIVATE_FAILURE, _FAILURE, _S.TRANSITION_STATE_ACTIVATING,
     _S.PRIMARY_STATE_INACTIVE),
    (_T.TRANSITION_ON_ACTIVATE_ERROR, _ERROR, _S.TRANSITION_STATE_ACTIVATING,
     _S.TRANSITION_STATE_ERRORPROCESSING),
    (_T.TRANSITION_DEACTIVATE, 'deactivate', _S.PRIMARY_STATE_ACTIVE,
     _S.TRANSITION_STATE_DEACTIVATING),
    (_T.TRANSITION_ON_DEACTIVATE_SUCCESS, _SUCCESS, _S.TRANSITION_STATE_DEACTIVATING,
     _S.PRIMARY_STATE_INACTIVE),
    (_T.TRANSITION_ON_DEACTIVATE_FAILURE, _FAILURE, _S.TRANSITION_STATE_DEACTIVATING,
     _S.PRIMARY_STATE_ACTIVE),
    (_T.TRANSITION_ON_DEACTIVATE_ERROR, _ERROR, _S.TRANSITION_STATE_DEACTIVATING,
     _S.TRANSITION_STATE_ERRORPROCESSING),
    (_T.TRANSITION_UNCONFIGURED_SHUTDOWN, 'shutdown', _S.PRIMARY_STATE_UNCONFIGURED,
     _S.TRANSITION_STATE_SHUTTINGDOWN),
    (_T.TRANSITION_INACTIVE_SHUTDOWN, 'shutdown', _S.PRIMARY_STATE_INACTIVE,
     _S.TRANSITION_STATE_SHUTTINGDOWN),
    (_T.TRANSITION_ACTIVE_SHUTDOWN, 'shutdown', _S.PRIMARY_STATE_ACTIVE,
     _S.TRANSITION_STATE_SHUTTINGDOWN),
    (_T.TRANSITION_ON_SHUTDOWN_SUCCESS, _SUCCESS, _S.TRANSITION_STATE_SHUTTINGDOWN,
     _S.PRIMARY_STATE_FINALIZED),
    (_T.TRANSITION_ON_SHUTDOWN_FAILURE, _FAILURE, _S.TRANSITION_STATE_SHUTTINGDOWN,
     _S.PRIMARY_STATE_FINALIZED),
    (_T.TRANSITION_ON_SHUTDOWN_ERROR, _ERROR, _S.TRANSITION_STATE_SHUTTINGDOWN,
     _S.TRANSITION_STATE_ERRORPROCESSING),
    (_T.TRANSITION_ON_ERROR_SUCCESS, _SUCCESS, _S.TRANSITION_STATE_ERRORPROCESSING,
     _S.PRIMARY_STATE_UNCONFIGURED),
    (_T.TRANSITION_ON_ERROR_FAILURE, _FAILURE, _S.TRANSITION_STATE_ERRORPROCESSING,
     _S.PRIMARY_STATE_FINALIZED),
    (_T.TRANSITION_ON_ERROR_ERROR, _ERROR, _S.TRANSITION_STATE_ERRORPROCESSING,
     _S.PRIMARY_STATE_FINALIZED),
)


class _LifecycleStateMachine:
    """Python mirror of rclpy's ``LifecycleStateMachine`` (rcl_lifecycle)."""

    def __init__(self, node, enable_com_interface):
        self._node = node
        self._state = State.PRIMARY_STATE_UNCONFIGURED
        self._publisher = None
        if enable_com_interface:
            topic = node.resolve_topic_name('~/transition_event')
            self._publisher = _graph.PublisherImpl(
                node, topic, TransitionEvent, QoSProfile(depth=10))
            _graph.GRAPH.add_publisher(self._publisher)

    @property
    def initialized(self):
        return True

    @property
    def current_state(self):
        return (self._state, _STATES[self._state])

    @property
    def available_states(self):
        return list(_STATES.items())

    @property
    def available_transitions(self):
        return [(tid, label, start, _STATES[start], goal, _STATES[goal])
                for tid, label, start, goal in _TRANSITIONS if start == self._state]

    @property
    def transition_graph(self):
        return [(tid, label, start, _STATES[start], goal, _STATES[goal])
                for tid, label, start, goal in _TRANSITIONS]

    def get_transition_by_label(self, label):
        for tid, tlabel, start, goal in _TRANSITIONS:
            if start == self._state and tlabel == label:
                return tid
        raise _rclpy.RCLError('Failed to get transition from label')

    def _trigger(self, index, value, publish_update):
        for transition in _TRANSITIONS:
            start, goal = transition[2], transition[3]
            if start == self._state and transition[index] == value:
                self._state = goal
                if publish_update and self._publisher is not None:
                    self._publish(start, goal)
                return
        # rcl_lifecycle.c: rcl_lifecycle_get_transition_by_id/_label warn, then
        # _trigger_transition sets "Transition is not registered." and rclpy raises RCLError
        get_logger('rcl_lifecycle').warning(
            'No transition matching {} found for current state {}'.format(
                value, _STATES[self._state]))
        raise _rclpy.RCLError('Failed to trigger lifecycle state machine transition: '
                              'Transition is not registered.')

    def _publish(self, start, goal):
        if self._publisher.destroyed or not self._publisher.context.ok():
            return
        self._publisher.publish(TransitionEvent(
            start_state=State(id=start, label=_STATES[start]),
            goal_state=State(id=goal, label=_STATES[goal])))

    def trigger_transition_by_id(self, transition_id, publish_update):
        self._trigger(0, transition_id, publish_update)

    def trigger_transition_by_label(self, label, publish_update):
        self._trigger(1, label, publish_update)

    def destroy(self):
        if self._publisher is not None:
            _graph.GRAPH.remove(self._publisher)


class LifecycleNodeMixin(ManagedEntity):
    """Lifecycle behaviour shared by ``LifecycleNode``; used together with ``Node``."""

    def __init__(self, *, enable_communication_interface=True, callback_group=None):
        self._callbacks = {
            State.TRANSITION_STATE_CONFIGURING: self.on_configure,
            State.TRANSITION_STATE_CLEANINGUP: self.on_cleanup,
            State.TRANSITION_STATE_SHUTTINGDOWN: self.on_shutdown,
            State.TRANSITION_STATE_ACTIVATING: self.on_activate,
            State.TRANSITION_STATE_DEACTIVATING: self.on_deactivate,
            State.TRANSITION_STATE_ERRORPROCESSING: self.on_error,
        }
        if callback_group is None:
            callback_group = self.default_callback_group
        self._managed_entities = set()
        for srv_type in (lifecycle_msgs.srv.ChangeState, lifecycle_msgs.srv.GetState,
                         lifecycle_msgs.srv.GetAvailableStates,
                         lifecycle_msgs.srv.GetAvailableTransitions):
            check_is_valid_srv_type(srv_type)
        self._state_machine = _LifecycleStateMachine(self, enable_communication_interface)
        if enable_communication_interface:
            services = []
            for name, srv_type, callback in (
                    ('change_state', lifecycle_msgs.srv.ChangeState, self.__on_change_state),
                    ('get_state', lifecycle_msgs.srv.GetState, self.__on_get_state),
                    ('get_available_states', lifecycle_msgs.srv.GetAvailableStates,
                     self.__on_get_available_states),
                    ('get_available_transitions', lifecycle_msgs.srv.GetAvailableTransitions,
                     self.__on_get_available_transitions),
                    ('get_transition_graph', lifecycle_msgs.srv.GetAvailableTransitions,
                     self.__on_get_transition_graph)):
                # rcl_lifecycle_com_interface: "<node fqn>/<service>", services default QoS
                impl = _graph.ServiceImpl(self, self.resolve_service_name('~/' + name),
                                          srv_type, qos_profile_services_default)
                _graph.GRAPH.add_service(impl)
                services.append(Service(impl, srv_type, impl.name, callback, callback_group,
                                        qos_profile_services_default))
            (self._service_change_state, self._service_get_state,
             self._service_get_available_states, self._service_get_available_transitions,
             self._service_get_transition_graph) = services
            for service in services:
                callback_group.add_entity(service)
            # Extend base class list of services, so they are added to the executor when spinning.
            self._services.extend(services)

    def trigger_configure(self):
        """Trigger the configure transition; return the on_configure result."""
        return self.__change_state(Transition.TRANSITION_CONFIGURE)

    def trigger_cleanup(self):
        """Trigger the cleanup transition; return the on_cleanup result."""
        return self.__change_state(Transition.TRANSITION_CLEANUP)

    def trigger_shutdown(self):
        """Trigger the shutdown transition from a primary state (None when finalized)."""
        current_state = self._state_machine.current_state[1]
        if current_state == 'unconfigured':
            return self.__change_state(Transition.TRANSITION_UNCONFIGURED_SHUTDOWN)
        if current_state == 'inactive':
            return self.__change_state(Transition.TRANSITION_INACTIVE_SHUTDOWN)
        if current_state == 'active':
            return self.__change_state(Transition.TRANSITION_ACTIVE_SHUTDOWN)

    def trigger_activate(self):
        """Trigger the activate transition; return the on_activate result."""
        return self.__change_state(Transition.TRANSITION_ACTIVATE)

    def trigger_deactivate(self):
        """Trigger the deactivate transition; return the on_deactivate result."""
        return self.__change_state(Transition.TRANSITION_DEACTIVATE)

    def add_managed_entity(self, entity):
        """Make ``entity`` follow this node's transitions."""
        self._managed_entities.add(entity)

    def _forward(self, method, state):
        for entity in self._managed_entities:
            ret = getattr(entity, method)(state)
            if ret != TransitionCallbackReturn.SUCCESS:
                return ret
        return TransitionCallbackReturn.SUCCESS

    def on_configure(self, state):
        """Handle configuring: call on_configure of every managed entity."""
        return self._forward('on_configure', state)

    def on_cleanup(self, state):
        """Handle cleaning up: call on_cleanup of every managed entity."""
        return self._forward('on_cleanup', state)

    def on_shutdown(self, state):
        """Handle shutting down: call on_shutdown of every managed entity."""
        return self._forward('on_shutdown', state)

    def on_activate(self, state):
        """Handle activating: call on_activate of every managed entity (enables publishers)."""
        return self._forward('on_activate', state)

    def on_deactivate(self, state):
        """Handle deactivating: call on_deactivate of every managed entity."""
        return self._forward('on_deactivate', state)

    def on_error(self, state):
        """Handle error processing: call on_error of every managed entity."""
        return self._forward('on_error', state)

    def create_lifecycle_publisher(self, *args, **kwargs):
        """Create a ``LifecyclePublisher`` (same arguments as ``create_publisher``)."""
        if 'publisher_class' in kwargs:
            raise TypeError(
                "create_publisher() got an unexpected keyword argument 'publisher_class'")
        pub = Node.create_publisher(self, *args, **kwargs, publisher_class=LifecyclePublisher)
        self._managed_entities.add(pub)
        return pub

    def destroy_lifecycle_publisher(self, publisher):
        """Destroy a lifecycle publisher; return False if it is not one of this node."""
        try:
            self._managed_entities.remove(publisher)
        except KeyError:
            pass
        return Node.destroy_publisher(self, publisher)

    def __execute_callback(self, current_state_id, previous_state):
        callback = self._callbacks.get(current_state_id, None)
        if callback is None:
            return TransitionCallbackReturn.SUCCESS
        try:
            return callback(previous_state)
        except Exception:  # noqa: B902 - as rclpy: a raising callback -> ERROR
            return TransitionCallbackReturn.ERROR

    def __change_state(self, transition_id):
        initial = self._state_machine.current_state
        initial_state = LifecycleState(state_id=initial[0], label=initial[1])
        self._state_machine.trigger_transition_by_id(transition_id, True)
        cb_return_code = self.__execute_callback(
            self._state_machine.current_state[0], initial_state)
        self._state_machine.trigger_transition_by_label(cb_return_code.to_label(), True)
        if cb_return_code == TransitionCallbackReturn.ERROR:
            error_cb_ret_code = self.__execute_callback(
                self._state_machine.current_state[0], initial_state)
            self._state_machine.trigger_transition_by_label(error_cb_ret_code.to_label(), True)
        return cb_return_code

    def __on_change_state(self, req, resp):
        transition_id = req.transition.id
        if req.transition.label:
            try:
                transition_id = self._state_machine.get_transition_by_label(req.transition.label)
            except _rclpy.RCLError:
                resp.success = False
                return resp
        cb_return_code = self.__change_state(transition_id)
        resp.success = cb_return_code == TransitionCallbackReturn.SUCCESS
        return resp

    def __on_get_state(self, req, resp):
        resp.current_state.id, resp.current_state.label = self._state_machine.current_state
        return resp

    def __on_get_available_states(self, req, resp):
        for state_id, label in self._state_machine.available_states:
            resp.available_states.append(State(id=state_id, label=label))
        return resp

    @staticmethod
    def _describe_transitions(transitions, resp):
        for tid, tlabel, start_id, start_label, goal_id, goal_label in transitions:
            item = TransitionDescription()
            item.transition.id = tid
            item.transition.label = tlabel
            item.start_state.id = start_id
            item.start_state.label = start_label
            item.goal_state.id = goal_id
            item.goal_state.label = goal_label
            resp.available_transitions.append(item)
        return resp

    def __on_get_available_transitions(self, req, resp):
        return self._describe_transitions(self._state_machine.available_transitions, resp)

    def __on_get_transition_graph(self, req, resp):
        return self._describe_transitions(self._state_machine.transition_graph, resp)


class LifecycleNode(LifecycleNodeMixin, Node):
    """A ROS 2 managed node (stand-in)."""

    def __init__(self, node_name, *, enable_communication_interface=True, **kwargs):
        Node.__init__(self, node_name, **kwargs)
        LifecycleNodeMixin.__init__(
            self, enable_communication_interface=enable_communication_interface)

    def destroy_node(self):
        """Destroy the node and its lifecycle interface."""
        self._state_machine.destroy()
        Node.destroy_node(self)
