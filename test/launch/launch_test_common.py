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

"""Shared body of the per-task launch tests (``<task>_launch_test.py``).

Each task's launch test launches ``launch/<task>.launch.py`` with autostart and the ONNX Runtime
backend, publishes a real photo on a private image topic and waits with
``launch_testing_ros.WaitForTopics`` until the node's output arrives. Needs a real ROS 2
(launch_testing, launch_testing_ros, rclpy) and the project data (``$JETSON_DNN_DATA``).
"""

import importlib
import importlib.util
import os
from pathlib import Path
import threading
import unittest

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get('JETSON_DNN_DATA', ROOT / '..' / 'shared' / 'data'))
IMAGE_TOPIC = '/launch_test/image'


def _missing(photo: str) -> str:
    """Return why the launch test cannot run here ('' if it can)."""
    for module in ('launch', 'launch_testing', 'launch_testing_ros', 'rclpy'):
        if importlib.util.find_spec(module) is None:
            return f'{module} is not importable (needs a sourced ROS 2)'
    if not (DATA / 'images' / photo).is_file():
        return f'project data not found at {DATA}'
    return ''


def _skipped_case(task: str, reason: str):
    """Return a unittest case whose single test skips with reason."""
    def test_launch(self):
        self.skipTest(reason)
    test_launch.__doc__ = f'Launch test of {task} (skipped: {reason}).'
    return type('TestOutputs', (unittest.TestCase,), {'test_launch': test_launch})


def make_launch_test(task: str, photo: str, output: str, msg_type: str):
    """Build the launch test of one task.

    :param task: task name; ``launch/<task>.launch.py`` is launched.
    :param photo: file name of a photo in ``$JETSON_DNN_DATA/images``.
    :param output: absolute output topic to wait for.
    :param msg_type: ``package.msg.Type`` of that topic.
    :return: ``(generate_test_description, TestOutputs, TestShutdown)`` for the test module.
    """
    missing = _missing(photo)
    if missing:
        # no module-level skip (under launch_testing's pytest plugin it skipped the whole
        # test folder): a plain test case that skips, and no launch test entry point
        return None, _skipped_case(task, missing), None
    import launch_testing
    import launch_testing.actions
    import launch_testing.asserts
    import launch_testing_ros
    import rclpy
    from launch import LaunchDescription
    from launch.actions import IncludeLaunchDescription
    from launch.launch_description_sources import PythonLaunchDescriptionSource
    module, _, name = msg_type.rpartition('.')
    output_type = getattr(importlib.import_module(module), name)
    launch_file = ROOT / 'launch' / f'{task}.launch.py'

    @pytest.mark.launch_test
    @pytest.mark.ros
    def generate_test_description():
        """Launch the task with autostart, ONNX Runtime and a private image topic."""
        include = IncludeLaunchDescription(
            PythonLaunchDescriptionSource(str(launch_file)),
            launch_arguments={'image': IMAGE_TOPIC, 'backend': 'onnxruntime',
                              'autostart': 'true', 'log_level': 'info'}.items())
        return LaunchDescription([include, launch_testing.actions.ReadyToTest()])

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

    @launch_testing.post_shutdown_test()
    class TestShutdown(unittest.TestCase):
        """Check the processes exit cleanly."""

        def test_exit_codes(self, proc_info):
            """Every launched process exits with 0, SIGINT (-2) or SIGTERM (-15)."""
            launch_testing.asserts.assertExitCodes(proc_info,
                                                   allowable_exit_codes=[0, -2, -15])

    return generate_test_description, TestOutputs, TestShutdown
