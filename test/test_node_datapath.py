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
The image data path of a node: contained exceptions, windowed diagnostics, max_age, flags.

A classification node runs a tiny constant ONNX model (:mod:`onnxgen`) through the rclpy
stand-in graph; a probe node publishes frames and records outputs, one executor spins both.
Exceptions raised by a callback propagate out of ``spin_once`` as in real rclpy, so a test that
spins after a bad frame fails if the node let the exception escape.
"""

import logging

import cv2
import numpy as np
from onnxgen import constant_model
import pytest
import yaml

# stand-in rclpy (test/conftest.py installs it); marker standins: see test_standins_isolation.py
from builtin_interfaces.msg import Time  # noqa: I100
from jetson_dnn_ros.ros import node as node_module  # noqa: E402
from jetson_dnn_ros.ros import params as P  # noqa: E402
from jetson_dnn_ros.ros.classification_node import ClassificationNode  # noqa: E402
import rclpy  # noqa: I100
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.lifecycle import TransitionCallbackReturn  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import QoSProfile, ReliabilityPolicy  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from vision_msgs.msg import Classification  # noqa: E402
from test_nodes import spin_until_idle  # noqa: E402, I100

try:
    from rclpy import _standin
except ImportError:  # real rclpy
    _standin = None

pytestmark = pytest.mark.standins  # see test_standins_isolation.py

NS = '/datapath'
BEST_EFFORT = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
GOOD = np.full((12, 16, 3), 90, np.uint8)


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    """Return the path of a 5-class classification descriptor on a constant ONNX model."""
    folder = tmp_path_factory.mktemp('tiny_cls')
    logits = np.array([[0.0, 3.0, 1.0, -2.0, 2.0]], np.float32)
    constant_model(folder / 'cls.onnx', {'logits': logits}, input_name='input',
                   input_shape=(1, 3, 16, 16))
    descriptor = folder / 'tiny.yaml'
    descriptor.write_text(yaml.safe_dump({
        'name': 'tiny', 'task': 'classification', 'file': 'cls.onnx',
        'input': {'width': 16, 'height': 16},
        'decoder': {'name': 'classification', 'output': 'logits'},
        'labels': ['a', 'b', 'c', 'd', 'e']}))
    return str(descriptor)


@pytest.fixture
def context():
    """Return an initialised rclpy context of its own (shut down and forgotten afterwards)."""
    from rclpy.context import Context
    ctx = Context()
    rclpy.init(context=ctx)
    yield ctx
    ctx.try_shutdown()
    if _standin is not None:
        _standin.reset()


class Rig:
    """An active classification node, a probe node and one single-threaded executor."""

    def __init__(self, context, model, **overrides):
        params = [Parameter(k, value=v) for k, v in {
            'model_config': model, 'backend': 'onnxruntime', **overrides}.items()]
        self.node = ClassificationNode(namespace=NS, parameter_overrides=params,
                                       context=context)
        self.probe = rclpy.create_node('probe_datapath', context=context)
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)
        self.executor.add_node(self.probe)
        self.out = []
        self.probe.create_subscription(Classification, f'{NS}/classification',
                                       self.out.append, 10)
        compressed = overrides.get('image_transport') == 'compressed'
        self.image_pub = self.probe.create_publisher(
            CompressedImage if compressed else Image,
            f'{NS}/image/compressed' if compressed else f'{NS}/image', BEST_EFFORT)
        self.clock_pub = self.probe.create_publisher(Clock, '/clock', BEST_EFFORT)

    def activate(self):
        assert self.node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert self.node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        return self

    def spin(self):
        """Run callbacks until none is ready (an escaping exception fails the test)."""
        spin_until_idle(self.executor)

    def send(self, msg):
        self.image_pub.publish(msg)
        self.spin()

    def close(self):
        self.executor.shutdown()
        self.node.destroy_node()
        self.probe.destroy_node()


@pytest.fixture
def rig(context, tiny_model):
    """Return a factory of activated rigs (closed after the test)."""
    made = []

    def make(activate=True, **overrides):
        made.append(Rig(context, tiny_model, **overrides))
        return made[-1].activate() if activate else made[-1]
    yield make
    for r in made:
        r.close()


def raw(image=GOOD, sec=7, nanosec=0) -> Image:
    h, w = image.shape[:2]
    return Image(header=Header(stamp=Time(sec=sec, nanosec=nanosec), frame_id='cam'),
                 height=h, width=w, encoding='bgr8', step=w * 3, data=image.tobytes())


def compressed(data: bytes, fmt: str) -> CompressedImage:
    return CompressedImage(header=Header(stamp=Time(sec=7), frame_id='cam'), format=fmt,
                           data=data)


def level_of(node):
    """Return (level, message, values) of the node's next diagnostics status."""
    values = node.diagnostics_values()
    level, message = node_module._diagnostic_level(values)
    return level, message, values


class FakeClock:
    """Monotonic seconds that move only when told (no timed assertions)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def fake_clock(node) -> FakeClock:
    """Give the node fresh FrameStats on a fake clock; return the clock."""
    clock = FakeClock()
    node.stats = node_module.FrameStats(clock)
    return clock


def later() -> float:
    """Return seconds that take every failure out of the recent window."""
    return node_module.RECENT_S + 1.0


# ------------------------------------------------------------------------- item 2
def test_float_tiff_compressed_frame_is_counted_and_spin_goes_on(rig, tmp_path):
    """A CompressedImage holding a float TIFF (TypeError on 8075a4e) must not stop spin()."""
    r = rig(image_transport='compressed')
    path = tmp_path / 'hdr.tiff'
    assert cv2.imwrite(str(path), np.linspace(0, 1, 576, dtype=np.float32).reshape(12, 16, 3))
    r.send(compressed(path.read_bytes(), 'bgr8; tiff compressed bgr8'))
    assert r.out == []
    stats = r.node.stats
    assert stats.bad_input_total == 1 and 'floating-point' in stats.last_error
    ok, png = cv2.imencode('.png', GOOD)
    r.send(compressed(png.tobytes(), 'png'))  # the next good frame is processed
    assert len(r.out) == 1
    level, message, values = level_of(r.node)
    assert values['bad_input'] == '1' and values['recent_failures'] == '1'
    assert level == 'WARN' and 'floating-point' in message


@pytest.mark.parametrize('stage', ['convert', 'process', 'postprocess', 'publish', 'overlay'])
def test_any_exception_in_the_image_callback_is_contained(rig, monkeypatch, caplog, stage):
    """Whatever raises (not only domain errors), spin() goes on and the error is counted."""
    r = rig()
    node = r.node
    calls = []

    def boom(*args, **kwargs):
        calls.append(stage)
        raise TypeError(f'boom in {stage}')
    if stage == 'convert':
        monkeypatch.setattr('jetson_dnn_ros.ros.conversions.image_msg_to_array', boom)
    elif stage == 'process':
        monkeypatch.setattr(node.pipeline, 'process', boom)
    elif stage == 'overlay':
        monkeypatch.setattr('jetson_dnn_ros.overlay.draw', boom)
        r.probe.create_subscription(Image, f'{NS}/overlay', lambda m: None, 1)
    else:
        monkeypatch.setattr(node, 'postprocess' if stage == 'postprocess' else
                            'publish_result', boom)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            r.send(raw())
    assert len(calls) == 3
    assert node.stats.errors_total == 3 and f'TypeError: boom in {stage}' in node.stats.last_error
    errors = [rec.getMessage() for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert len(errors) == 1 and 'boom' in errors[0]  # throttled: one line per 5 s
    monkeypatch.undo()
    r.send(raw())
    assert len(r.out) == (3 if stage == 'overlay' else 0) + 1  # overlay fails after publishing
    level, message, values = level_of(node)
    assert values['errors'] == '3' and level == 'WARN' and 'boom' in message


# ------------------------------------------------------------------------- item 11
def test_level_follows_the_recent_window_not_the_totals(rig):
    r = rig()
    node = r.node
    clock = fake_clock(node)
    bad = raw()
    bad.encoding = 'jpeg'
    r.send(bad)
    r.send(raw())
    level, message, values = level_of(node)
    assert level == 'WARN' and 'jpeg' in message and values['bad_input'] == '1'
    clock.now += later()
    r.send(raw())
    level, message, values = level_of(node)
    assert values['bad_input'] == '1'  # the total stays
    assert level == 'OK', message


def test_matched_subscription_without_frames_warns_with_the_likely_cause(rig):
    r = rig()
    node = r.node
    clock = fake_clock(node)
    assert node.count_publishers(f'{NS}/image') == 1  # the probe's publisher
    level, message, _ = level_of(node)
    assert level == 'OK', message  # just activated
    clock.now += later()
    level, message, values = level_of(node)
    assert values['image_publishers'] == '1' and values['image_topic'] == f'{NS}/image'
    assert level == 'WARN'
    assert 'no frame arrived' in message and 'best-effort' in message
    assert 'rmem_max' in message and 'Receiving large images' in message
    r.send(raw())
    level, message, _ = level_of(node)
    assert level == 'OK', message
    # no publisher at all: waiting for a camera is not a warning
    r.probe.destroy_publisher(r.image_pub)
    clock.now += later()
    level, message, values = level_of(node)
    assert values['image_publishers'] == '0' and level == 'OK', message


def test_reliable_subscription_without_frames_names_the_qos_mismatch(rig):
    r = rig(image_qos='reliable')
    fake_clock(r.node).now += later()
    level, message, _ = level_of(r.node)
    assert level == 'WARN' and 'does not match image_qos: reliable' in message


def test_frame_in_flight_at_shutdown_is_not_an_error(rig, context, monkeypatch, caplog):
    """Context shut down mid-frame: publish raises 'context is invalid'; no ERROR, not counted."""
    r = rig()
    node = r.node
    original = node.pipeline.process

    def process(image, encoding):
        context.shutdown()  # Ctrl-C while this frame is being processed
        return original(image, encoding)
    monkeypatch.setattr(node.pipeline, 'process', process)
    with caplog.at_level(logging.DEBUG):
        node.on_image(raw())
    assert [rec.getMessage() for rec in caplog.records if rec.levelno >= logging.WARNING] == []
    assert node.stats.errors_total == 0 and node.stats.last_error == ''
    assert node.stats.dropped_total == 1


def test_frame_after_deactivate_started_is_not_an_error(rig, monkeypatch, caplog):
    """The node left active while a frame was in flight and its publisher was destroyed."""
    r = rig()
    node = r.node

    def publish_result(result, header, image_bgr):
        node._destroy_subscriptions()  # deactivate has begun
        from rclpy.exceptions import InvalidHandle
        raise InvalidHandle('cannot use Destroyable because destruction was requested')
    monkeypatch.setattr(node, 'publish_result', publish_result)
    with caplog.at_level(logging.WARNING):
        node.on_image(raw())
    assert [rec.getMessage() for rec in caplog.records if rec.levelno >= logging.WARNING] == []
    assert node.stats.errors_total == 0


# ------------------------------------------------------------------------- item 7
def test_max_age_drops_stale_frames_on_the_sim_clock(rig):
    r = rig(use_sim_time=True, max_age=0.5)
    node = r.node
    r.clock_pub.publish(Clock(clock=Time(sec=100)))
    r.spin()
    assert node.get_clock().now().nanoseconds == 100 * 10**9
    r.send(raw(sec=99, nanosec=600_000_000))  # 0.4 s old: kept
    assert len(r.out) == 1
    r.send(raw(sec=99, nanosec=400_000_000))  # 0.6 s old: dropped
    assert len(r.out) == 1 and node.stats.stale_total == 1
    r.send(raw(sec=0, nanosec=0))  # unstamped: no age, kept
    r.send(raw(sec=101))  # ahead of the clock: kept
    assert len(r.out) == 3 and node.stats.stale_total == 1
    level, message, values = level_of(node)
    assert values['frames_stale'] == '1' and level == 'OK', message
    r.send(raw(sec=50))  # every frame of the window is stale: warn about clocks
    level, message, values = level_of(node)
    assert values['window_stale'] == '1' and level == 'WARN' and 'max_age' in message
    # run-time parameter: 0 turns it off
    assert node.set_parameters([Parameter('max_age', value=0.0)])[0].successful
    r.send(raw(sec=50))
    assert len(r.out) == 4 and node.stats.stale_total == 2
    assert not node.set_parameters([Parameter('max_age', value=-1.0)])[0].successful


def backlog_run(node, frames: int = 90):
    """
    Feed a reliable publisher's backlog to an active node on a simulated clock.

    A camera stamps a frame every period (30 Hz) into a keep-last-10 history; the node takes the
    oldest queued frame whenever it is free, processing takes 3 periods (the camera is 3x
    faster than the node) and a dropped frame costs nothing. Only the simulated clock moves.

    :return: ages in seconds (clock at processing start - stamp) of the processed frames.
    """
    from collections import deque
    from rclpy.clock import ClockType
    from rclpy.time import Time as RosTime
    period = 1.0 / 30.0
    clock = node.get_clock()
    state = {'now': 100.0, 'stamp': None}

    def set_clock(seconds):
        state['now'] = seconds
        clock.set_ros_time_override(RosTime(nanoseconds=int(round(seconds * 1e9)),
                                            clock_type=ClockType.ROS_TIME))
    ages = []
    original = node.pipeline.process

    def process(image, encoding):
        ages.append(state['now'] - state['stamp'])
        set_clock(state['now'] + 3 * period)
        return original(image, encoding)
    node.pipeline.process = process
    try:
        start = state['now']
        set_clock(start)
        history = deque(maxlen=10)
        produced = 0
        while produced < frames or history:
            while produced < frames and start + produced * period <= state['now'] + 1e-9:
                stamp = start + produced * period
                ns = int(round(stamp * 1e9))
                history.append((stamp, raw(sec=ns // 10**9, nanosec=ns % 10**9)))
                produced += 1
            if not history:  # idle until the next frame
                set_clock(start + produced * period)
                continue
            state['stamp'], msg = history.popleft()
            node.on_image(msg)
    finally:
        node.pipeline.process = original
    return ages


def test_max_age_bounds_the_latency_of_a_reliable_backlog(rig):
    """Without max_age the queueing delay grows to the history depth; with it, <= max_age."""
    period = 1.0 / 30.0
    node = rig(use_sim_time=True).node
    unbounded = backlog_run(node)
    assert max(unbounded) > 8 * period  # a depth-10 history fills up
    assert node.set_parameters([Parameter('max_age', value=2 * period)])[0].successful
    bounded = backlog_run(node)
    assert len(bounded) >= 90 // 3 - 1  # the node still runs at its full rate
    assert max(bounded) <= 2 * period + 1e-6
    assert node.stats.stale_total > 0


def test_max_age_parameter_is_declared_and_documented():
    spec = P.param_table('detection')['max_age']
    assert spec.default == 0.0 and spec.runtime and spec.float_range == (0.0, 3600.0)
    assert '(s)' in spec.description and 'use_sim_time' in spec.description
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    for task in P.TASKS:
        text = (root / 'config' / f'{task}.yaml').read_text()
        (block,) = yaml.safe_load(text).values()
        assert block['ros__parameters']['max_age'] == 0.0, task
    assert '| `max_age` | all | `0.0` | yes |' in (root / 'README.md').read_text()


# ------------------------------------------------------------------------- item 12
def test_unknown_overlay_flag_is_refused_by_the_node(rig):
    r = rig()
    node = r.node
    before = node.overlay_options
    result = node.set_parameters([Parameter('overlay', value='bogus_flag')])[0]
    assert not result.successful
    assert "'bogus_flag'" in result.reason
    assert 'valid flags for classification: labels,conf,none' in result.reason
    assert node.get_parameter('overlay').value != 'bogus_flag'
    assert node.overlay_options is before
    assert node.set_parameters([Parameter('overlay', value='labels')])[0].successful


def test_unknown_overlay_flag_at_start_fails_configure_with_the_reason(rig, caplog):
    r = rig(activate=False, overlay='boxes')
    with caplog.at_level(logging.ERROR):
        assert r.node.trigger_configure() == TransitionCallbackReturn.FAILURE
    errors = [rec.getMessage() for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert len(errors) == 1 and "'boxes'" in errors[0] and 'labels,conf,none' in errors[0]
    assert '\n' not in errors[0]


@pytest.mark.parametrize('task', P.TASKS)
def test_shipped_overlay_flags_are_valid_for_their_task(task):
    from pathlib import Path
    from jetson_dnn_ros.overlay import OverlayOptions
    root = Path(__file__).resolve().parents[1]
    (block,) = yaml.safe_load((root / 'config' / f'{task}.yaml').read_text()).values()
    OverlayOptions.parse(block['ros__parameters']['overlay'], task=task)
