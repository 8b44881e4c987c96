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
Lifecycle robustness of DnnNode (issue 13 items 1, 3 and 4), on a tiny ONNX classifier.

- item 1: a ``change_state`` request for a transition that is not available answers
  ``success=false``, logs a warning and keeps the state; it never raises out of the service
  callback (Humble's rclpy would, and the executor would stop);
- item 3: the diagnostics timer never races teardown;
- item 4: a result whose frame was still in flight when a transition began is dropped;
- the random-transition run: >= 1000 valid and invalid transitions through the service and
  ``trigger_*`` while frames stream in from several threads.

With the rclpy stand-in the lifecycle services behave as Humble's (see test_standin_lifecycle.py).
"""

import contextlib
import logging
import random
import sys
import threading

from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState
import numpy as np
from onnxgen import constant_model
import pytest
import rclpy
from rclpy.executors import MultiThreadedExecutor
from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image
import test_standin_lifecycle
import yaml

try:
    from rclpy import _standin
except ImportError:  # real rclpy
    _standin = None

pytestmark = pytest.mark.standins  # see test_standins_isolation.py

ros = test_standin_lifecycle.ros
"""Fixture: rclpy initialised; yields a list of nodes destroyed afterwards."""

NS = '/lc'
IMAGE_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)


@pytest.fixture
def tiny_model(tmp_path):
    """Return the path of a descriptor .yaml of a 5-class constant ONNX classifier (16x16)."""
    logits = np.array([[0.0, 3.0, 1.0, -2.0, 2.0]], np.float32)
    onnx_path = constant_model(tmp_path / 'tiny.onnx', {'logits': logits}, input_name='input',
                               input_shape=(1, 3, 16, 16))
    descriptor = tmp_path / 'tiny.yaml'
    descriptor.write_text(yaml.safe_dump({
        'name': 'tiny', 'task': 'classification', 'file': str(onnx_path),
        'input': {'width': 16, 'height': 16}, 'decoder': {'name': 'classification'},
        'labels': ['a', 'b', 'c', 'd', 'e']}))
    return descriptor


def make_node(ros, model_config, **overrides):
    """Return a ClassificationNode in namespace /lc on ``model_config`` (ONNX Runtime)."""
    from jetson_dnn_ros.ros.classification_node import ClassificationNode
    values = {'model_config': str(model_config), 'backend': 'onnxruntime', **overrides}
    node = ClassificationNode(namespace=NS, parameter_overrides=[
        Parameter(k, value=v) for k, v in values.items()])
    ros.append(node)
    return node


def image_msg():
    """Return a 16x16 bgr8 sensor_msgs/Image."""
    return Image(height=16, width=16, encoding='bgr8', step=48,
                 data=np.full((16, 16, 3), 90, np.uint8).tobytes())


def state_of(node):
    """Return the label of the node's lifecycle state."""
    return node._state_machine.current_state[1]


def transitions_held(node):
    """Return a context that holds the node's transition lock (none on the original node)."""
    lock = getattr(node, '_transition_lock', None)
    return lock if lock is not None else contextlib.nullcontext()


def check_consistent(node):
    """Assert that the node's resources agree with its lifecycle state; return the state."""
    with transitions_held(node):
        label = state_of(node)
        assert label in ('unconfigured', 'inactive', 'active', 'finalized'), label
        configured = label in ('inactive', 'active')
        assert (node.pipeline is not None) == configured, label
        assert node._configured == configured, label
        assert (node._diag_timer is not None) == configured, label
        assert (node._diag_pub is not None) == configured, label
        assert bool(node._lifecycle_pubs) == configured, label
        assert (node._image_sub is not None) == (label == 'active'), label
        return label


class Spinner:
    """Spin a MultiThreadedExecutor (as run_nodes does) in a thread; keep what escapes spin()."""

    def __init__(self, *nodes):
        self.executor = MultiThreadedExecutor(num_threads=4)
        for node in nodes:
            self.executor.add_node(node)
        self.escaped = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.executor.spin()
        except Exception as exc:  # noqa: B902 - what would end the process
            self.escaped.append(exc)

    def stop(self):
        self.executor.shutdown()
        self.thread.join(10.0)


def serve_change_state(ros, node):
    """Spin ``node`` and a probe in a thread; return (probe's change_state client, spinner)."""
    probe = rclpy.create_node('probe')
    ros.append(probe)
    client = probe.create_client(ChangeState, f'{NS}/classification_node/change_state')
    spinner = Spinner(node, probe)
    assert client.wait_for_service(timeout_sec=5.0)
    return client, spinner


def request(client, transition_id=0, label='', timeout=20.0):
    """Send a ChangeState request; return the response, or None if none came."""
    done = threading.Event()
    future = client.call_async(ChangeState.Request(
        transition=Transition(id=transition_id, label=label)))
    future.add_done_callback(lambda _: done.set())
    if not done.wait(timeout):
        return None
    return future.result()


# ------------------------------------------------------------------------------ item 1
def test_invalid_change_state_request_answers_false_and_keeps_the_node(ros, tiny_model, caplog):
    """Humble raises RCLError out of change_state for an invalid id; the node must not."""
    node = make_node(ros, tiny_model)
    client, spinner = serve_change_state(ros, node)
    try:
        with caplog.at_level(logging.WARNING):
            # activate while unconfigured: by id, by label, and an rcl-internal id
            for tid, label in ((Transition.TRANSITION_ACTIVATE, ''), (0, 'activate'),
                               (Transition.TRANSITION_ON_CONFIGURE_SUCCESS, ''), (200, '')):
                response = request(client, tid, label)
                assert response is not None, f'no answer to {tid} {label!r}: {spinner.escaped}'
                assert response.success is False
                assert state_of(node) == 'unconfigured'
        refused = [r.getMessage() for r in caplog.records
                   if r.levelno == logging.WARNING and 'refused lifecycle transition' in
                   r.getMessage()]
        assert len(refused) == 4, refused
        assert "'unconfigured'" in refused[0] and 'configure' in refused[0]
        assert request(client, Transition.TRANSITION_CONFIGURE).success
        assert request(client, Transition.TRANSITION_CONFIGURE).success is False  # inactive
        assert request(client, 0, 'activate').success
        assert check_consistent(node) == 'active'
        assert spinner.thread.is_alive() and spinner.escaped == []
    finally:
        spinner.stop()


def test_activate_after_failed_configure_answers_false(ros, tmp_path):
    """A failed configure leaves the node unconfigured; a client's activate is refused."""
    node = make_node(ros, tmp_path / 'missing.yaml')
    client, spinner = serve_change_state(ros, node)
    try:
        assert request(client, Transition.TRANSITION_CONFIGURE).success is False
        response = request(client, Transition.TRANSITION_ACTIVATE)
        assert response is not None and response.success is False, spinner.escaped
        assert check_consistent(node) == 'unconfigured'
        assert spinner.escaped == []
    finally:
        spinner.stop()


# ------------------------------------------------------------------------------ item 3
def test_diagnostics_never_race_configure_and_cleanup(ros, tiny_model, monkeypatch):
    """Configure/cleanup cycles while /diagnostics is published from another thread."""
    import gc
    monkeypatch.setattr(gc, 'collect', lambda *args: 0)   # not part of the race, only slow
    node = make_node(ros, tiny_model)
    escapes = []
    stop = threading.Event()

    def diagnostics():
        while not stop.is_set():
            try:
                node.publish_diagnostics()
            except Exception as exc:  # noqa: B902 - what the timer would raise into spin
                escapes.append(exc)

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    thread = threading.Thread(target=diagnostics, daemon=True)
    thread.start()
    try:
        for _ in range(60):
            assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
            assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
    finally:
        stop.set()
        thread.join(10.0)
        sys.setswitchinterval(old_interval)
    assert escapes == [], f'{len(escapes)} escapes, first: {escapes[0]!r}'
    assert check_consistent(node) == 'unconfigured'


def test_diagnostics_tick_interrupted_by_cleanup_publishes_or_skips(ros, tiny_model):
    """Cleanup starting inside a diagnostics tick (after its checks) must not break the tick."""
    node = make_node(ros, tiny_model)
    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
    original = node.diagnostics_values
    cleanup = threading.Thread(target=node.trigger_cleanup)

    def values_then_cleanup():
        cleanup.start()
        cleanup.join(0.5)   # the fixed node makes cleanup wait for the tick: give it a chance
        return original()

    node.diagnostics_values = values_then_cleanup
    node.publish_diagnostics()   # raised AttributeError/InvalidHandle when cleanup ran under it
    cleanup.join(10.0)
    assert not cleanup.is_alive()
    assert check_consistent(node) == 'unconfigured'


def test_diagnostics_are_not_held_back_by_a_result_being_published(ros, tiny_model):
    """Publishing a result and a diagnostics tick exclude transitions, not each other."""
    node = make_node(ros, tiny_model)
    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
    assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
    ticks = []
    original_tick = node._publish_diagnostics
    node._publish_diagnostics = lambda: ticks.append(1) or original_tick()
    original_publish = node.publish_result

    def publish_during_a_tick(*args):
        tick = threading.Thread(target=node.publish_diagnostics)
        tick.start()
        tick.join(10.0)
        original_publish(*args)

    node.publish_result = publish_during_a_tick
    node.on_image(image_msg())
    assert ticks == [1] and node.stats.published_total == 1


# ------------------------------------------------------------------------------ item 4
@pytest.mark.parametrize('transitions', [('deactivate', ), ('deactivate', 'cleanup'),
                                         ('deactivate', 'activate')])
def test_result_of_a_frame_in_flight_at_a_transition_is_dropped(ros, tiny_model, transitions):
    """A frame finishing after deactivate began is not published, even once active again."""
    node = make_node(ros, tiny_model)
    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
    assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
    published = []
    original_publish = node.publish_result
    node.publish_result = lambda *args: published.append(state_of(node)) or original_publish(
        *args)
    node.on_image(image_msg())
    assert published == ['active'] and node.stats.published_total == 1
    pipeline = node.pipeline
    original_process = pipeline.process
    worker_results = []
    workers = []

    def run_transitions():
        for name in transitions:
            worker_results.append(getattr(node, f'trigger_{name}')())

    def process(image, encoding):
        result = original_process(image, encoding)
        worker = threading.Thread(target=run_transitions)  # begins while the frame is in flight
        workers.append(worker)
        worker.start()
        if transitions[-1] == 'cleanup':  # cleanup waits for this frame: let it begin only
            while state_of(node) != 'cleaningup' and worker.is_alive():
                worker.join(0.001)
        else:
            worker.join(10.0)
        return result

    pipeline.process = process
    node.on_image(image_msg())
    workers[0].join(10.0)
    assert not workers[0].is_alive()
    assert worker_results == [TransitionCallbackReturn.SUCCESS] * len(transitions)
    assert published == ['active'], published
    assert node.stats.published_total == 1
    assert node.stats.dropped_total == 1
    assert node.stats.errors_total == 0, node.stats.last_error


# ------------------------------------------------------------------------ random transitions
USER = {Transition.TRANSITION_CONFIGURE: 'configure', Transition.TRANSITION_CLEANUP: 'cleanup',
        Transition.TRANSITION_ACTIVATE: 'activate', Transition.TRANSITION_DEACTIVATE: 'deactivate'}
INTERNAL = (Transition.TRANSITION_CREATE, Transition.TRANSITION_DESTROY,
            Transition.TRANSITION_ON_CONFIGURE_SUCCESS, Transition.TRANSITION_ON_CLEANUP_FAILURE,
            Transition.TRANSITION_ON_ACTIVATE_ERROR, Transition.TRANSITION_ON_ERROR_SUCCESS,
            Transition.TRANSITION_CALLBACK_SUCCESS, 200)
NEXT = {'unconfigured': 'configure', 'inactive': ('activate', 'cleanup'),
        'active': 'deactivate'}


def test_random_transitions_with_streaming_frames(ros, tiny_model, monkeypatch):
    """
    >= 1000 valid and invalid transitions while frames stream in from several threads.

    Requests come through the change_state service (ids, labels, rcl-internal ids) from one
    thread and through ``trigger_*`` from another (an autostart racing a client), while three
    threads call the image callback (as the reentrant group of a MultiThreadedExecutor does)
    and a probe publishes images to the node's subscription, which a MultiThreadedExecutor of
    four threads serves together with the service and the 10 Hz diagnostics timer. At the end
    the executor still spins, the node's resources agree with its state, and no result was
    published while the node was not active.
    """
    import gc
    import time
    # cleanup's gc.collect() frees GPU memory on a device; here it only costs ~0.1 s a cleanup
    monkeypatch.setattr(gc, 'collect', lambda *args: 0)
    rng = random.Random(13)
    node = make_node(ros, tiny_model, diagnostics_period=0.1)
    probe = rclpy.create_node('probe')
    ros.append(probe)
    client = probe.create_client(ChangeState, f'{NS}/classification_node/change_state')
    image_pub = probe.create_publisher(Image, f'{NS}/image', IMAGE_QOS)
    published = []
    original_publish = node.publish_result

    def recording_publish(*args):
        published.append((state_of(node), node._image_sub is not None))
        original_publish(*args)

    node.publish_result = recording_publish
    spinner = Spinner(node, probe)
    stop = threading.Event()
    failures = []

    def stream(index):
        msg = image_msg()
        while not stop.is_set():
            try:
                node.on_image(msg)
                if index == 0:
                    image_pub.publish(msg)
                time.sleep(0.0002)   # a camera, not a busy loop: leave the requesters CPU
            except Exception as exc:  # noqa: B902 - on_image must never raise
                failures.append(exc)

    counts = {'service': 0, 'service_ok': 0, 'trigger': 0, 'trigger_ok': 0, 'refused': 0}

    def through_service(n):
        for _ in range(n):
            state = state_of(node)
            roll = rng.random()
            if roll < 0.45 and state in NEXT:
                choice = NEXT[state]
                label = choice if isinstance(choice, str) else rng.choice(choice)
                response = request(client, 0, label) if rng.random() < 0.5 else request(
                    client, next(k for k, v in USER.items() if v == label))
            elif roll < 0.75:
                response = request(client, rng.choice(list(USER)))
            elif roll < 0.9:
                response = request(client, rng.choice(INTERNAL))
            else:
                response = request(client, 0, rng.choice(
                    ['configure', 'cleanup', 'activate', 'deactivate', 'bogus',
                     'transition_success']))
            if response is None:
                failures.append(RuntimeError(f'change_state unanswered: {spinner.escaped}'))
                return
            counts['service'] += 1
            counts['service_ok'] += bool(response.success)
            check_consistent(node)

    def through_trigger(n):
        for _ in range(n):
            name = rng.choice(['configure', 'activate', 'deactivate', 'cleanup'])
            counts['trigger'] += 1
            try:
                ok = getattr(node, f'trigger_{name}')() == TransitionCallbackReturn.SUCCESS
                counts['trigger_ok'] += ok
            except RuntimeError:   # RCLError: rclpy's answer to an invalid trigger_*
                counts['refused'] += 1
            except Exception as exc:  # noqa: B902
                failures.append(exc)

    streams = [threading.Thread(target=stream, args=(i, ), daemon=True) for i in range(3)]
    for thread in streams:
        thread.start()
    requesters = [threading.Thread(target=through_service, args=(800, ), daemon=True),
                  threading.Thread(target=through_trigger, args=(250, ), daemon=True)]
    try:
        for thread in requesters:
            thread.start()
        for thread in requesters:
            thread.join(120.0)
        assert not any(t.is_alive() for t in requesters), 'requests hang'
    finally:
        stop.set()
        for thread in streams:
            thread.join(10.0)
    try:
        assert failures == [], failures[:3]
        assert spinner.escaped == [] and spinner.thread.is_alive()
        assert counts['service'] + counts['trigger'] >= 1000, counts
        valid = counts['service_ok'] + counts['trigger_ok']
        invalid = counts['service'] - counts['service_ok'] + counts['refused']
        assert valid >= 200 and invalid >= 200, counts
        # results were published, and only while active with the image subscription alive
        assert published and set(published) == {('active', True)}, set(published)
        assert node.stats.errors_total == 0, node.stats.last_error
        check_consistent(node)
        # the node still answers and shuts down cleanly
        assert request(client, 0, 'shutdown').success
        assert check_consistent(node) == 'finalized'
        assert spinner.escaped == []
    finally:
        spinner.stop()
