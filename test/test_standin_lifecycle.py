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
Services, clients, lifecycle services and destroyed handles of the rclpy stand-in.

Each test names the upstream file (ros2/rclpy, branch humble, rclpy 3.3.x) whose behaviour it
checks. The tests use the public rclpy API only, so they also run against a real Humble install
(where the lifecycle services of a node in this process answer through the middleware).
"""

import contextlib
import threading

from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetAvailableStates, GetAvailableTransitions, GetState
import pytest
import rclpy
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.exceptions import InvalidHandle
from rclpy.executors import MultiThreadedExecutor, SingleThreadedExecutor
from rclpy.lifecycle import LifecycleNode, TransitionCallbackReturn
from rclpy.node import Node
from std_msgs.msg import String

try:
    from rclpy import _standin
except ImportError:  # real rclpy
    _standin = None

pytestmark = pytest.mark.standins  # see test_standins_isolation.py


@pytest.fixture
def ros():
    """Initialise rclpy; yield a list of nodes destroyed afterwards."""
    rclpy.init()
    nodes = []
    yield nodes
    for node in nodes:
        with contextlib.suppress(Exception):
            node.destroy_node()
    rclpy.try_shutdown()
    if _standin is not None:
        _standin.reset()


def call(executor, client, request, timeout=5.0):
    """Send ``request`` and spin until the response arrives; return it."""
    assert client.wait_for_service(timeout_sec=timeout)
    future = client.call_async(request)
    executor.spin_until_future_complete(future, timeout_sec=timeout)
    assert future.done()
    return future.result()


def spin_until_raises(executor, exc_type, timeout=5.0):
    """Spin until a callback raises ``exc_type`` out of the executor; return the exception."""
    import time
    end = time.monotonic() + timeout
    with pytest.raises(exc_type) as info:
        while time.monotonic() < end:
            executor.spin_once(timeout_sec=0.05)
    return info.value


def serve(ros, srv_type, callback):
    """Return (executor, client) of a service ``/srv`` served by ``callback``."""
    server = Node('server')
    client_node = Node('client')
    ros.extend([server, client_node])
    server.create_service(srv_type, 'srv', callback)
    executor = SingleThreadedExecutor()
    executor.add_node(server)
    executor.add_node(client_node)
    return executor, client_node.create_client(srv_type, '/srv')


class _Lifecycle(LifecycleNode):

    def on_configure(self, state):
        return TransitionCallbackReturn.SUCCESS


def _setup(ros, cls=_Lifecycle):
    node = cls('lc', namespace='/ns')
    probe = Node('probe')
    ros.extend([node, probe])
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(probe)
    return node, probe, executor


# ------------------------------------------------------------------------- service types
def test_lifecycle_srv_types_have_humble_fields():
    """lifecycle_msgs/srv/*.srv (rcl_interfaces humble) as rosidl_generator_py builds them."""
    assert ChangeState.Request().transition == Transition()
    assert ChangeState.Response().success is False
    assert GetState.Response().current_state == State()
    assert list(GetAvailableStates.Response().available_states) == []
    assert list(GetAvailableTransitions.Response().available_transitions) == []
    # rosidl: an empty request structure gets one uint8 member
    assert 'structure_needs_at_least_one_member' in GetState.Request.get_fields_and_field_types()
    assert ChangeState.Request.__module__ == 'lifecycle_msgs.srv._change_state'
    with pytest.raises(NotImplementedError):
        ChangeState()


# ------------------------------------------------------------------- services and clients
def test_service_answers_a_client(ros):
    """rclpy/node.py create_service/create_client, executors.py _execute_service/_client."""
    seen = []

    def on_request(request, response):
        seen.append(request.transition.label)
        response.success = request.transition.label == 'yes'
        return response

    executor, client = serve(ros, ChangeState, on_request)
    assert call(executor, client, ChangeState.Request(transition=Transition(label='yes'))).success
    assert not call(executor, client,
                    ChangeState.Request(transition=Transition(label='no'))).success
    assert seen == ['yes', 'no']
    with pytest.raises(TypeError):   # client.py call_async: only srv_type.Request
        client.call_async(GetState.Request())
    server = ros[0]
    assert server.destroy_service(next(iter(server.services)))
    assert not client.service_is_ready()


def test_service_callback_exception_propagates_from_spin(ros):
    """executors.py (humble): the handler's exception is re-raised by spin_once and spin."""
    def on_request(request, response):
        raise ValueError('boom')

    executor, client = serve(ros, GetState, on_request)
    client.call_async(GetState.Request())
    spin_until_raises(executor, ValueError)
    client.call_async(GetState.Request())
    with pytest.raises(ValueError, match='boom'):
        executor.spin()


def test_service_callback_returning_none_raises_type_error(ros):
    """service.py send_response: a response that is not srv_type.Response is a TypeError."""
    executor, client = serve(ros, GetState, lambda request, response: None)
    client.call_async(GetState.Request())
    spin_until_raises(executor, TypeError)


def test_destroyed_client_and_service_refuse_use(ros):
    """client.py call_async and service.py send_response use ``with self.handle``."""
    node = Node('n')
    ros.append(node)
    client = node.create_client(GetState, 'x')
    assert node.destroy_client(client)
    with pytest.raises(InvalidHandle):
        client.call_async(GetState.Request())


# ------------------------------------------------------------------- multi-threaded executor
def _spin_in_thread(executor):
    errors = []

    def run():
        try:
            executor.spin()
        except Exception as exc:  # noqa: B902 - collected for the test
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def test_multithreaded_executor_runs_a_reentrant_group_in_parallel(ros):
    """executors.py MultiThreadedExecutor + callback_groups.py ReentrantCallbackGroup."""
    node = Node('reentrant')
    ros.append(node)
    barrier = threading.Barrier(2, timeout=10.0)
    passed = []

    def callback(msg):
        barrier.wait()   # only returns if two callbacks run at the same time
        passed.append(msg.data)

    node.create_subscription(String, 'in', callback, 10, callback_group=ReentrantCallbackGroup())
    pub = node.create_publisher(String, 'in', 10)
    executor = MultiThreadedExecutor(num_threads=2)
    executor.add_node(node)
    thread, errors = _spin_in_thread(executor)
    pub.publish(String(data='a'))
    pub.publish(String(data='b'))
    try:
        for _ in range(1000):
            if len(passed) == 2 or errors:
                break
            threading.Event().wait(0.01)
    finally:
        executor.shutdown()
        thread.join(10.0)
    assert errors == [] and sorted(passed) == ['a', 'b']


def test_multithreaded_executor_keeps_a_mutually_exclusive_group_exclusive(ros):
    """callback_groups.py MutuallyExclusiveCallbackGroup: one callback of the group at a time."""
    node = Node('exclusive')
    ros.append(node)
    group = MutuallyExclusiveCallbackGroup()
    running = []
    overlaps = []
    calls = []

    def tick():
        running.append(1)
        overlaps.append(len(running))
        threading.Event().wait(0.001)
        running.pop()
        calls.append(1)

    for _ in range(3):
        node.create_timer(0.001, tick, callback_group=group)
    executor = MultiThreadedExecutor(num_threads=4)
    executor.add_node(node)
    thread, errors = _spin_in_thread(executor)
    try:
        for _ in range(1000):
            if len(calls) >= 30 or errors:
                break
            threading.Event().wait(0.01)
    finally:
        executor.shutdown()
        thread.join(10.0)
    assert errors == [] and len(calls) >= 30 and max(overlaps) == 1


@pytest.mark.parametrize('executor_class', [SingleThreadedExecutor, MultiThreadedExecutor])
def test_timer_callback_exception_propagates_from_spin(ros, executor_class):
    """
    executors.py (humble): spin() re-raises a callback's exception (the process exits).

    SingleThreadedExecutor raises the handler's exception, MultiThreadedExecutor the worker's
    (``future.result()`` in ``_spin_once_impl``).
    """
    node = Node('raises')
    ros.append(node)

    def tick():
        raise KeyError('worker')

    node.create_timer(0.001, tick)
    executor = executor_class()
    executor.add_node(node)
    try:
        with pytest.raises(KeyError):
            executor.spin()
    finally:
        executor.shutdown()


# ------------------------------------------------------------------------------ publishers
def test_destroyed_publisher_raises_invalid_handle(ros):
    """publisher.py (humble) publish/topic_name/get_subscription_count: ``with self.handle``."""
    node = Node('pub')
    ros.append(node)
    pub = node.create_publisher(String, 'chatter', 10)
    pub.publish(String(data='ok'))
    assert node.destroy_publisher(pub)
    with pytest.raises(InvalidHandle, match='destruction was requested'):
        pub.publish(String(data='late'))
    with pytest.raises(InvalidHandle):
        pub.topic_name
    with pytest.raises(InvalidHandle):
        pub.get_subscription_count()


def test_publishers_of_a_destroyed_node_raise_invalid_handle(ros):
    """node.py destroy_node destroys every publisher."""
    node = Node('gone')
    pub = node.create_publisher(String, 'chatter', 10)
    node.destroy_node()
    with pytest.raises(InvalidHandle):
        pub.publish(String(data='late'))


# ------------------------------------------------------------------------ lifecycle services
def test_lifecycle_node_offers_the_five_services(ros):
    """lifecycle/node.py LifecycleNodeMixin.__init__: five services (rcl_lifecycle names)."""
    node, probe, executor = _setup(ros)
    names = sorted(s.srv_name for s in node.services)
    assert [n for n in names if n.startswith('/ns/lc/')] == [
        '/ns/lc/change_state', '/ns/lc/get_available_states',
        '/ns/lc/get_available_transitions', '/ns/lc/get_state', '/ns/lc/get_transition_graph']
    get_state = probe.create_client(GetState, '/ns/lc/get_state')
    assert call(executor, get_state, GetState.Request()).current_state == State(
        id=State.PRIMARY_STATE_UNCONFIGURED, label='unconfigured')
    states = probe.create_client(GetAvailableStates, '/ns/lc/get_available_states')
    labels = {s.label for s in call(executor, states,
                                    GetAvailableStates.Request()).available_states}
    assert {'unconfigured', 'inactive', 'active', 'finalized', 'configuring'} <= labels
    transitions = probe.create_client(GetAvailableTransitions,
                                      '/ns/lc/get_available_transitions')
    available = call(executor, transitions, GetAvailableTransitions.Request())
    assert sorted(t.transition.label for t in available.available_transitions) == [
        'configure', 'shutdown']
    graph = probe.create_client(GetAvailableTransitions, '/ns/lc/get_transition_graph')
    assert len(call(executor, graph,
                    GetAvailableTransitions.Request()).available_transitions) >= 20


def test_change_state_by_id_and_by_label(ros):
    """lifecycle/node.py __on_change_state: a label is looked up, else the id is used."""
    node, probe, executor = _setup(ros)
    change = probe.create_client(ChangeState, '/ns/lc/change_state')
    request = ChangeState.Request(transition=Transition(id=Transition.TRANSITION_CONFIGURE))
    assert call(executor, change, request).success
    assert node._state_machine.current_state[1] == 'inactive'
    request = ChangeState.Request(transition=Transition(label='activate'))
    assert call(executor, change, request).success
    assert node._state_machine.current_state[1] == 'active'


def test_change_state_with_unavailable_label_answers_false(ros):
    """lifecycle/node.py __on_change_state: get_transition_by_label RCLError -> success=False."""
    node, probe, executor = _setup(ros)
    change = probe.create_client(ChangeState, '/ns/lc/change_state')
    request = ChangeState.Request(transition=Transition(label='activate'))
    assert call(executor, change, request).success is False
    assert node._state_machine.current_state[1] == 'unconfigured'


def test_change_state_with_invalid_id_raises_out_of_spin(ros):
    """
    Humble's __on_change_state passes an invalid id to __change_state unchecked.

    rcl_lifecycle answers RCL_RET_ERROR ("Transition is not registered."), rclpy raises
    RCLError out of the service callback and the executor re-raises it (ros2/rclpy#1209; fixed
    by #1319 after Humble 3.3.12).
    """
    node, probe, executor = _setup(ros)
    change = probe.create_client(ChangeState, '/ns/lc/change_state')
    assert change.wait_for_service(timeout_sec=5.0)
    future = change.call_async(
        ChangeState.Request(transition=Transition(id=Transition.TRANSITION_ACTIVATE)))
    error = spin_until_raises(executor, RuntimeError)
    assert 'Failed to trigger lifecycle state machine transition' in str(error)
    assert type(error).__name__ == 'RCLError'
    assert not future.done()   # no response was sent
    assert node._state_machine.current_state[1] == 'unconfigured'
