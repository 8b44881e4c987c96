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

"""Review regressions of the ROS layer, the launch helpers, bag writing and the CLI."""

import sys
import types

from jetson_dnn_ros import bag
from jetson_dnn_ros import cli
from jetson_dnn_ros import launch_helpers
from jetson_dnn_ros.errors import ImageEncodingError, JetsonDnnError
import numpy as np
import pytest


# ---------------------------------------------------------------------------- launch
class _Action:
    """Mirror of ``launch/launch/action.py`` (humble): ``condition`` is a getter only."""

    def __init__(self, *, condition=None):
        self.__condition = condition

    @property
    def condition(self):
        return self.__condition


class _EmitEvent(_Action):
    """Mirror of ``launch.actions.EmitEvent(*, event, **kwargs)``."""

    def __init__(self, *, event, **kwargs):
        super().__init__(**kwargs)
        self.event = event


class _RegisterEventHandler(_Action):
    """Mirror of ``launch.actions.RegisterEventHandler(event_handler, **kwargs)``."""

    def __init__(self, event_handler, **kwargs):
        super().__init__(**kwargs)
        self.event_handler = event_handler


class _Recorder:
    """Keyword-only constructor that records its arguments (IfCondition, ChangeState, …)."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


@pytest.fixture
def fake_launch(monkeypatch):
    """Install just enough of launch/launch_ros for :func:`launch_helpers.lifecycle_actions`."""
    from lifecycle_msgs.msg import Transition
    modules = {
        'launch': types.ModuleType('launch'),
        'launch.actions': types.ModuleType('launch.actions'),
        'launch.conditions': types.ModuleType('launch.conditions'),
        'launch.events': types.ModuleType('launch.events'),
        'launch_ros': types.ModuleType('launch_ros'),
        'launch_ros.event_handlers': types.ModuleType('launch_ros.event_handlers'),
        'launch_ros.events': types.ModuleType('launch_ros.events'),
        'launch_ros.events.lifecycle': types.ModuleType('launch_ros.events.lifecycle'),
    }
    modules['launch.actions'].EmitEvent = _EmitEvent
    modules['launch.actions'].RegisterEventHandler = _RegisterEventHandler
    modules['launch.actions'].OpaqueFunction = _Recorder
    modules['launch.actions'].LogInfo = _Recorder
    modules['launch.conditions'].IfCondition = _Recorder
    modules['launch.events'].matches_action = lambda action: (lambda a: a is action)
    modules['launch_ros.event_handlers'].OnStateTransition = _Recorder
    modules['launch_ros.events.lifecycle'].ChangeState = _Recorder
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    return Transition


def test_lifecycle_actions_work_with_launch_read_only_condition(fake_launch):
    """Action.condition has no setter upstream: the condition must go to the constructor."""
    Transition = fake_launch
    node = object()
    activate, configure = launch_helpers.lifecycle_actions(node, 'true')
    assert isinstance(configure, _EmitEvent)
    assert configure.condition is not None and configure.condition.args == ('true',)
    assert configure.event.kwargs['transition_id'] == Transition.TRANSITION_CONFIGURE
    assert configure.event.kwargs['lifecycle_node_matcher'](node)
    assert activate.condition is not None and activate.condition.args == ('true',)
    handler = activate.event_handler.kwargs
    # once: the first transition out of configuring decides (test_launch_behaviour.py runs it)
    assert handler['start_state'] == 'configuring' and handler['handle_once'] is True
    (decide,) = handler['entities']
    event = types.SimpleNamespace(goal_state='inactive')
    context = types.SimpleNamespace(locals=types.SimpleNamespace(event=event))
    (emit,) = decide.kwargs['function'](context)
    assert emit.event.kwargs['transition_id'] == Transition.TRANSITION_ACTIVATE


# ---------------------------------------------------------------------------- bags and CLI
def test_result_writer_on_existing_folder_raises_image_encoding_error(tmp_path):
    """The documented error (rosbags' Writer refuses an existing path in its constructor)."""
    target = tmp_path / 'exists_bag'
    target.mkdir()
    with pytest.raises(ImageEncodingError, match='exists'):
        bag.BagResultWriter(target)


def test_write_images_bag_on_existing_folder_raises_image_encoding_error(tmp_path):
    target = tmp_path / 'exists_bag'
    target.mkdir()
    frames = [np.zeros((4, 6, 3), np.uint8)]
    with pytest.raises(JetsonDnnError, match='exists'):
        bag.write_images_bag(target, frames)


def test_cli_bag_from_images_existing_output_is_one_error_line(tmp_path, capsys):
    import cv2
    image = tmp_path / 'a.png'
    cv2.imwrite(str(image), np.zeros((4, 6, 3), np.uint8))
    target = tmp_path / 'exists_bag'
    target.mkdir()
    assert cli.main(['bag', 'from-images', str(image), str(target)]) == 1
    err = capsys.readouterr().err
    assert 'exists' in err and 'Traceback' not in err


# ---------------------------------------------------------------------------- node teardown
class _SignallingLock:
    """A lock that reports when someone starts a blocking, timed wait on it (``_release``)."""

    def __init__(self):
        import threading
        self._lock = threading.Lock()
        self.waiting = threading.Event()

    def acquire(self, blocking=True, timeout=-1):
        if blocking and timeout >= 0:
            self.waiting.set()
        return self._lock.acquire(blocking, timeout)

    def release(self):
        self._lock.release()

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc_info):
        self._lock.release()


@pytest.mark.standins
def test_shutdown_waits_for_the_frame_in_flight_before_tearing_down(data_dir):
    """
    A frame in flight when shutdown starts finishes, is dropped (not published), nothing fails.

    Shutdown waits for the frame before tearing down; the frame's result is dropped because
    it was finished after the transition began (issue 13 item 4).
    """
    import threading
    from jetson_dnn_ros.ros.classification_node import ClassificationNode
    import rclpy
    from rclpy.lifecycle import TransitionCallbackReturn
    from rclpy.parameter import Parameter
    from sensor_msgs.msg import Image
    try:
        from rclpy import _standin
    except ImportError:  # real rclpy
        _standin = None
    rclpy.init()
    try:
        node = ClassificationNode(namespace='/review', parameter_overrides=[
            Parameter('model', value='mobilenet_v2_1001'),
            Parameter('backend', value='onnxruntime')])
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        node._busy = _SignallingLock()
        pipeline = node.pipeline
        original = pipeline.process
        shutdown = threading.Thread(target=node.trigger_shutdown)

        def process(image, encoding):
            shutdown.start()  # shutdown begins while this frame is in flight
            assert node._busy.waiting.wait(60.0)
            return original(image, encoding)

        pipeline.process = process
        image = np.full((48, 64, 3), 100, np.uint8)
        node.on_image(Image(height=48, width=64, encoding='bgr8', step=64 * 3,
                            data=image.tobytes()))
        shutdown.join(60.0)
        assert not shutdown.is_alive()
        assert node.stats.errors_total == 0, node.stats.last_error
        assert (node.stats.published_total, node.stats.dropped_total) == (0, 1)
        assert node.pipeline is None and node._state_machine.current_state[1] == 'finalized'
        node.destroy_node()
    finally:
        if _standin is not None:
            _standin.reset()
        else:
            rclpy.try_shutdown()


def test_iter_frames_names_are_unique_within_one_input(tmp_path):
    """a.jpg and a.png in one folder must not share a name (outputs would overwrite)."""
    import cv2
    from jetson_dnn_ros import media
    for name in ('a.jpg', 'a.png', 'a_1.jpg'):
        cv2.imwrite(str(tmp_path / name), np.full((4, 6, 3), 50, np.uint8))
    names = [frame.name for frame in media.iter_frames(tmp_path)]
    assert len(names) == 3 and len(set(names)) == 3
