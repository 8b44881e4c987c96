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
Run a launch description on the ``launch``/``launch_ros`` stand-ins, with stand-in lifecycle nodes.

:class:`LaunchSim` visits entities and processes events the way humble's
``launch/launch/launch_service.py`` does (``visit_entity`` recursion; for each event, every
registered handler in order, ``_push_locals``/``handle``/visit/``_pop_locals``). The launch's
ROS node is :class:`LifecycleGraph`: each ``<node>/change_state`` request runs the default
lifecycle state machine of rcl_lifecycle (invalid transitions answer ``success=False``) and
publishes the two ``TransitionEvent`` messages of a transition (to the transition state, then to
the goal) to ``<node>/transition_event``, as a real lifecycle node does; the same happens for a
request from outside the launch (``ros2 lifecycle set``), see :meth:`LaunchSim.external`.
Only usable where the stand-ins are installed (no real rclpy).
"""

import collections.abc

from launch.launch_description_entity import LaunchDescriptionEntity
from lifecycle_msgs.msg import State, Transition, TransitionEvent

# (state, transition id) -> (transition label, transition state, success goal, failure goal)
MACHINE = {
    ('unconfigured', Transition.TRANSITION_CONFIGURE): (
        'configure', 'configuring', 'inactive', 'unconfigured'),
    ('inactive', Transition.TRANSITION_CLEANUP): ('cleanup', 'cleaningup', 'unconfigured',
                                                  'inactive'),
    ('inactive', Transition.TRANSITION_ACTIVATE): ('activate', 'activating', 'active',
                                                   'inactive'),
    ('active', Transition.TRANSITION_DEACTIVATE): ('deactivate', 'deactivating', 'inactive',
                                                   'active'),
    ('unconfigured', Transition.TRANSITION_UNCONFIGURED_SHUTDOWN): (
        'shutdown', 'shuttingdown', 'finalized', 'finalized'),
    ('inactive', Transition.TRANSITION_INACTIVE_SHUTDOWN): (
        'shutdown', 'shuttingdown', 'finalized', 'finalized'),
    ('active', Transition.TRANSITION_ACTIVE_SHUTDOWN): (
        'shutdown', 'shuttingdown', 'finalized', 'finalized'),
}
STATE_IDS = {
    'unconfigured': State.PRIMARY_STATE_UNCONFIGURED, 'inactive': State.PRIMARY_STATE_INACTIVE,
    'active': State.PRIMARY_STATE_ACTIVE, 'finalized': State.PRIMARY_STATE_FINALIZED,
    'configuring': State.TRANSITION_STATE_CONFIGURING,
    'cleaningup': State.TRANSITION_STATE_CLEANINGUP,
    'shuttingdown': State.TRANSITION_STATE_SHUTTINGDOWN,
    'activating': State.TRANSITION_STATE_ACTIVATING,
    'deactivating': State.TRANSITION_STATE_DEACTIVATING,
}
NAMES = {'configure': Transition.TRANSITION_CONFIGURE, 'cleanup': Transition.TRANSITION_CLEANUP,
         'activate': Transition.TRANSITION_ACTIVATE,
         'deactivate': Transition.TRANSITION_DEACTIVATE}


class _Response:

    def __init__(self, success):
        self.success = success


class _Client:

    def __init__(self, graph, name):
        self._graph, self.srv_name = graph, name

    def call(self, request):
        node = self.srv_name[:-len('/change_state')]
        # launch_ros sends the id only: Humble's __on_change_state does not check it
        return _Response(self._graph.change_state(node, request.transition.id, checked=False))


class LifecycleGraph:
    """The launch's ROS node: lifecycle nodes reachable by ``change_state``."""

    def __init__(self):
        self.states = {}
        self.crashed = []   # (node, transition id): an unchecked invalid request killed it
        self.fail = set()
        self._subscriptions = collections.defaultdict(list)

    def create_subscription(self, msg_type, topic, callback, qos):
        """Subscribe to ``<node>/transition_event``."""
        assert msg_type is TransitionEvent, msg_type
        self._subscriptions[topic].append(callback)
        return (topic, callback)

    def create_client(self, srv_type, name):
        """Create the ``<node>/change_state`` client; the node process starts unconfigured."""
        from lifecycle_msgs.srv import ChangeState
        assert srv_type is ChangeState, srv_type
        self.states.setdefault(name[:-len('/change_state')], 'unconfigured')
        return _Client(self, name)

    def _publish(self, node, label, start, goal):
        msg = TransitionEvent()
        msg.transition.label = label
        msg.start_state.id, msg.start_state.label = STATE_IDS[start], start
        msg.goal_state.id, msg.goal_state.label = STATE_IDS[goal], goal
        for callback in self._subscriptions[f'{node}/transition_event']:
            callback(msg)

    def change_state(self, node: str, transition_id: int, checked: bool = True) -> bool:
        """
        Run one transition; False (nothing published) when it is not valid now.

        :param checked: the request was checked against the available transitions first
            (``ros2 lifecycle set`` does); unchecked (launch_ros' ChangeState by id), an invalid
            transition raises ``RCLError`` out of the node's ``spin()`` on Humble and ends the
            node process: recorded in :attr:`crashed`, and the node is gone.
        """
        if self.states[node] == 'dead':
            raise AssertionError(f'{node} was killed by an invalid transition request')
        step = MACHINE.get((self.states[node], transition_id))
        if step is None:
            if not checked:
                self.crashed.append((node, transition_id))
                self.states[node] = 'dead'
            return False
        label, middle, success, failure = step
        start = self.states[node]
        self._publish(node, label, start, middle)
        ok = not (label == 'configure' and node in self.fail)
        goal = success if ok else failure
        self._publish(node, 'transition_success' if ok else 'transition_failure', middle, goal)
        self.states[node] = goal
        return ok


class LaunchSim:
    """
    Visit a launch description and process its events until the queue is empty.

    :param description: the ``LaunchDescription`` (stand-in launch).
    :param arguments: launch arguments (name -> string), as ``name:=value`` on the command line.
    """

    def __init__(self, description, arguments=None):
        from launch import LaunchContext
        self.context = LaunchContext()
        self.graph = LifecycleGraph()
        self.context.extend_globals({'launch_ros_node': self.graph})
        self.context.launch_configurations.update(arguments or {})
        self.executed = []
        self._visit(description)
        self.spin()

    def _visit(self, entity):
        self.executed.append(entity)
        for sub in entity.visit(self.context) or ():
            self._visit(sub)

    def spin(self, limit: int = 10000):
        """
        Process queued events (as ``LaunchService.__process_event``) until none is left.

        :raises AssertionError: if a request of the launch killed a node (see
            :meth:`LifecycleGraph.change_state`).
        """
        self._process(limit)
        assert not self.graph.crashed, f'the launch killed nodes: {self.graph.crashed}'

    def _process(self, limit: int):
        queue = self.context._event_queue
        while queue:
            limit -= 1
            assert limit > 0, 'launch events do not settle'
            event = queue.popleft()
            for handler in tuple(self.context._event_handlers):
                if handler.matches(event):
                    self.context._push_locals()
                    entities = handler.handle(event, self.context)
                    if not isinstance(entities, collections.abc.Iterable):
                        entities = (entities,)
                    for entity in [e for e in entities if e is not None]:
                        if not isinstance(entity, LaunchDescriptionEntity):
                            raise RuntimeError(f'expected a LaunchDescriptionEntity from '
                                               f'{handler}, got {entity!r}')  # as upstream
                        self._visit(entity)
                    self.context._pop_locals()

    def external(self, node: str, *transitions: str):
        """Request ``transitions`` from outside the launch (``ros2 lifecycle set``), in order."""
        results = [self.graph.change_state(node, NAMES[name]) for name in transitions]
        self.spin()
        return results

    @property
    def processes(self):
        """Return the processes started so far (ExecuteProcess / Node actions)."""
        return list(self.context.standin_processes)

    def logged(self):
        """Return the texts of the LogInfo actions executed so far."""
        return [getattr(a, 'standin_text', '') for a in self.executed
                if type(a).__name__ == 'LogInfo']
