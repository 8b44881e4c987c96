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
Shared body of the launch tests (``*_launch_test.py``).

Each task's launch test launches ``launch/<task>.launch.py`` with autostart and the ONNX Runtime
backend, publishes a real photo on a private image topic and waits with
``launch_testing_ros.WaitForTopics`` until the node's output arrives.
``autostart_once_launch_test.py`` checks that the reconfigure workflow ends inactive (autostart
acts once per launch) and ``replay_launch_test.py`` that a replayed bag gets a result for every
frame (playback starts once the nodes are active). Needs a real ROS 2 (launch_testing,
launch_testing_ros, rclpy) and the project data (``$JETSON_DNN_DATA``).
"""

import importlib
import importlib.util
import os
from pathlib import Path
import threading
import time
import unittest

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get('JETSON_DNN_DATA', ROOT / '..' / 'shared' / 'data'))
IMAGE_TOPIC = '/launch_test/image'


def _missing(needed: Path) -> str:
    """Return why a launch test cannot run here ('' if it can): no ROS 2, or ``needed`` absent."""
    for module in ('launch', 'launch_testing', 'launch_testing_ros', 'rclpy'):
        if importlib.util.find_spec(module) is None:
            return f'{module} is not importable (needs a sourced ROS 2)'
    if not needed.exists():
        return f'project data not found at {needed}'
    return ''


def _skipped(name: str, reason: str):
    """
    Return ``(None, case, None)``: a unittest case whose single test skips with ``reason``.

    No module-level skip: under launch_testing's pytest plugin one skipped the whole test
    folder. Without ``generate_test_description`` the module is a plain test module.
    """
    def test_launch(self):
        self.skipTest(reason)
    test_launch.__doc__ = f'Launch test {name} (skipped: {reason}).'
    return None, type(name, (unittest.TestCase,), {'test_launch': test_launch}), None


def _include(launch_file: str, **arguments):
    """Return a LaunchDescription that includes ``launch/<launch_file>`` and is ReadyToTest."""
    import launch_testing.actions
    from launch import LaunchDescription
    from launch.actions import IncludeLaunchDescription
    from launch.launch_description_sources import PythonLaunchDescriptionSource
    include = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(ROOT / 'launch' / launch_file)),
        launch_arguments=arguments.items())
    return LaunchDescription([include, launch_testing.actions.ReadyToTest()])


def _test_description(launch_file: str, **arguments):
    """Return the module's ``generate_test_description``: ``launch_file`` with ``arguments``."""
    @pytest.mark.launch_test
    @pytest.mark.ros
    def generate_test_description():
        """Launch the file under test with the test's arguments, then ReadyToTest."""
        return _include(launch_file, **arguments)
    return generate_test_description


def _exit_codes_test():
    """Return the post-shutdown test: every process exits with 0, SIGINT or SIGTERM."""
    import launch_testing

    @launch_testing.post_shutdown_test()
    class TestShutdown(unittest.TestCase):
        """Check the processes exit cleanly."""

        def test_exit_codes(self, proc_info):
            """Every launched process exits with 0, SIGINT (-2) or SIGTERM (-15)."""
            launch_testing.asserts.assertExitCodes(proc_info,
                                                   allowable_exit_codes=[0, -2, -15])
    return TestShutdown


def make_launch_test(task: str, photo: str, output: str, msg_type: str):
    """
    Build the launch test of one task.

    :param task: task name; ``launch/<task>.launch.py`` is launched.
    :param photo: file name of a photo in ``$JETSON_DNN_DATA/images``.
    :param output: absolute output topic to wait for.
    :param msg_type: ``package.msg.Type`` of that topic.
    :return: ``(generate_test_description, TestOutputs, TestShutdown)`` for the test module.
    """
    missing = _missing(DATA / 'images' / photo)
    if missing:
        return _skipped('TestOutputs', missing)
    import launch_testing_ros
    import rclpy
    module, _, name = msg_type.rpartition('.')
    output_type = getattr(importlib.import_module(module), name)
    # autostart, ONNX Runtime and a private image topic
    generate_test_description = _test_description(
        f'{task}.launch.py', image=IMAGE_TOPIC, backend='onnxruntime', autostart='true',
        log_level='info')

    class TestOutputs(unittest.TestCase):
        """Publish the photo until the node's output arrives."""

        @classmethod
        def setUpClass(cls):
            """Start rclpy and a publisher of the photo."""
            import cv2
            from sensor_msgs.msg import Image
            rclpy.init()
            cls.node = rclpy.create_node('launch_test_camera')
            image = cv2.imread(str(DATA / 'images' / photo), cv2.IMREAD_COLOR)
            cls.msg = Image(height=image.shape[0], width=image.shape[1], encoding='bgr8',
                            step=image.shape[1] * 3, data=image.tobytes())
            cls.msg.header.frame_id = 'camera_optical_frame'
            cls.pub = cls.node.create_publisher(Image, IMAGE_TOPIC, 1)
            cls.stop = threading.Event()
            cls.thread = threading.Thread(target=cls._publish, daemon=True)
            cls.thread.start()

        @classmethod
        def _publish(cls):
            while not cls.stop.wait(0.2):
                cls.msg.header.stamp = cls.node.get_clock().now().to_msg()
                cls.pub.publish(cls.msg)

        @classmethod
        def tearDownClass(cls):
            """Stop publishing and shut rclpy down."""
            cls.stop.set()
            cls.thread.join(timeout=2.0)
            cls.node.destroy_node()
            rclpy.shutdown()

        def test_output_arrives(self):
            """The node configures, activates and publishes its output (model load <= 120 s)."""
            wait = launch_testing_ros.WaitForTopics([(output, output_type)], timeout=120.0)
            try:
                # Humble's WaitForTopics has wait()/shutdown() only (no received_messages)
                self.assertTrue(wait.wait(), f'nothing received on {output}')
            finally:
                wait.shutdown()

    return generate_test_description, TestOutputs, _exit_codes_test()


class _LifecycleClient:
    """Lifecycle service calls to one node from a private rclpy node (real ROS 2 only)."""

    def __init__(self, rclpy, node, target: str):
        from lifecycle_msgs.srv import ChangeState, GetState
        self._rclpy, self._node = rclpy, node
        self._get = node.create_client(GetState, f'{target}/get_state')
        self._change = node.create_client(ChangeState, f'{target}/change_state')

    def _call(self, client, request, timeout: float):
        if not client.wait_for_service(timeout_sec=timeout):
            raise AssertionError(f'{client.srv_name} not available')
        future = client.call_async(request)
        self._rclpy.spin_until_future_complete(self._node, future, timeout_sec=timeout)
        if not future.done():
            raise AssertionError(f'{client.srv_name} did not answer in {timeout} s')
        return future.result()

    def state(self, timeout: float = 30.0) -> str:
        """Return the label of the node's current state."""
        from lifecycle_msgs.srv import GetState
        return self._call(self._get, GetState.Request(), timeout).current_state.label

    def change(self, transition_id: int, timeout: float = 120.0) -> bool:
        """Request a transition; return the service's ``success``."""
        from lifecycle_msgs.srv import ChangeState
        request = ChangeState.Request()
        request.transition.id = transition_id
        return self._call(self._change, request, timeout).success

    def wait_for(self, label: str, timeout: float) -> str:
        """Poll the state until it is ``label`` or ``timeout`` seconds passed; return it."""
        deadline = time.monotonic() + timeout
        state = self.state()
        while state != label and time.monotonic() < deadline:
            time.sleep(0.5)
            state = self.state()
        return state


def make_autostart_once_test():
    """
    Build the launch test of autostart acting once (issue 13 item 8).

    ``detection.launch.py`` with autostart; once the node is active, the README's reconfigure
    workflow (deactivate, cleanup, configure) must leave it inactive for good: before the fix,
    the launch's handler requested activate after every configure.

    :return: ``(generate_test_description, TestAutostartOnce, TestShutdown)``.
    """
    missing = _missing(DATA / 'models')
    if missing:
        return _skipped('TestAutostartOnce', missing)
    from lifecycle_msgs.msg import Transition
    import rclpy
    target = '/detection/detection_node'
    generate_test_description = _test_description(
        'detection.launch.py', image=IMAGE_TOPIC, backend='onnxruntime', autostart='true')

    class TestAutostartOnce(unittest.TestCase):
        """Reconfigure a node that autostart activated."""

        @classmethod
        def setUpClass(cls):
            """Start rclpy and the lifecycle clients."""
            rclpy.init()
            cls.node = rclpy.create_node('autostart_once_test')
            cls.lifecycle = _LifecycleClient(rclpy, cls.node, target)

        @classmethod
        def tearDownClass(cls):
            """Shut rclpy down."""
            cls.node.destroy_node()
            rclpy.shutdown()

        def test_reconfigure_ends_inactive(self):
            """Deactivate, cleanup, configure: the node stays inactive (no launch activate)."""
            self.assertEqual(self.lifecycle.wait_for('active', 120.0), 'active')
            for transition in (Transition.TRANSITION_DEACTIVATE, Transition.TRANSITION_CLEANUP,
                               Transition.TRANSITION_CONFIGURE):
                self.assertTrue(self.lifecycle.change(transition), transition)
            # the old handler's activate followed the configure within a fraction of a second
            for _ in range(10):
                self.assertEqual(self.lifecycle.state(), 'inactive')
                time.sleep(0.5)
            self.assertTrue(self.lifecycle.change(Transition.TRANSITION_ACTIVATE))
            self.assertEqual(self.lifecycle.state(), 'active')

    return generate_test_description, TestAutostartOnce, _exit_codes_test()


def bag_message_count(bag: Path, topic: str) -> int:
    """Return how many messages of ``topic`` the rosbag2 ``bag`` holds (its metadata.yaml)."""
    info = yaml.safe_load((bag / 'metadata.yaml').read_text(encoding='utf-8'))
    for entry in info['rosbag2_bagfile_information']['topics_with_message_count']:
        if entry['topic_metadata']['name'] == topic:
            return int(entry['message_count'])
    raise AssertionError(f'{bag} has no {topic}')


def make_replay_test():
    """
    Build the launch test of replay (issue 13 item 9): every frame of the bag gets a result.

    ``replay.launch.py`` plays ``bags/photos_sqlite3`` (8 photos on /camera/image_raw) through
    the detection node; playback starts once the node is active, so each of the 8 frames gets
    a ``detections`` message (before the fix the first ones were played to a node still loading).

    :return: ``(generate_test_description, TestReplay, TestShutdown)``.
    """
    bag = DATA / 'bags' / 'photos_sqlite3'
    missing = _missing(bag / 'metadata.yaml')
    if missing:
        return _skipped('TestReplay', missing)
    import rclpy
    frames = bag_message_count(bag, '/camera/image_raw')
    # the photo bag through detection (ONNX Runtime) at half speed
    generate_test_description = _test_description(
        'replay.launch.py', bag=str(bag), tasks='detection', backend='onnxruntime', rate='0.5')

    class TestReplay(unittest.TestCase):
        """Count the detection results of the replayed bag."""

        @classmethod
        def setUpClass(cls):
            """Subscribe to the detections (before the nodes are active)."""
            from rclpy.qos import QoSProfile, ReliabilityPolicy
            from vision_msgs.msg import Detection2DArray
            rclpy.init()
            cls.node = rclpy.create_node('replay_test')
            cls.stamps = set()
            cls.sub = cls.node.create_subscription(
                Detection2DArray, '/detection/detections',
                lambda msg: cls.stamps.add((msg.header.stamp.sec, msg.header.stamp.nanosec)),
                QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE))

        @classmethod
        def tearDownClass(cls):
            """Shut rclpy down."""
            cls.node.destroy_node()
            rclpy.shutdown()

        def test_every_frame_gets_a_result(self):
            """All frames of the bag are detected, the first ones included."""
            deadline = time.monotonic() + 180.0
            while len(self.stamps) < frames and time.monotonic() < deadline:
                rclpy.spin_once(self.node, timeout_sec=0.5)
            self.assertEqual(len(self.stamps), frames, f'{len(self.stamps)} of {frames} frames')

    return generate_test_description, TestReplay, _exit_codes_test()
