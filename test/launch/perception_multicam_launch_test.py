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
Launch test of launch/perception.launch.py with ``cameras:=front,left`` (issue 11 item 1).

One detection node serves two cameras: a photo published on ``/front/image_raw`` and another
on ``/left/image_raw`` give ``/detection/front/detections`` and ``/detection/left/detections``,
each with its own camera's header. Needs a real ROS 2 and the project data; skipped elsewhere
the way launch_test_common.py skips (no module-level skip).
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from launch_test_common import (_exit_codes_test, _missing, _skipped,  # noqa: E402, I100
                                _test_description, DATA)

CAMERAS = {'front': 'humans_0.jpg', 'left': 'dog_0.jpg'}


def _make():
    missing = _missing(DATA / 'images' / 'humans_0.jpg')
    if missing:
        return _skipped('TestCameras', missing)
    import rclpy
    generate_test_description = _test_description(
        'perception.launch.py', tasks='detection', cameras=','.join(CAMERAS),
        backend='onnxruntime', autostart='true', log_level='info')

    class TestCameras(unittest.TestCase):
        """Publish one photo per camera until each camera's detections arrive."""

        @classmethod
        def setUpClass(cls):
            """Start rclpy, a publisher per camera and a subscription per output."""
            import cv2
            from sensor_msgs.msg import Image
            from vision_msgs.msg import Detection2DArray
            rclpy.init()
            cls.node = rclpy.create_node('launch_test_cameras')
            cls.msgs, cls.pubs, cls.received = {}, {}, {cam: [] for cam in CAMERAS}
            for cam, photo in CAMERAS.items():
                image = cv2.imread(str(DATA / 'images' / photo), cv2.IMREAD_COLOR)
                msg = Image(height=image.shape[0], width=image.shape[1], encoding='bgr8',
                            step=image.shape[1] * 3, data=image.tobytes())
                msg.header.frame_id = f'{cam}_optical_frame'
                cls.msgs[cam] = msg
                cls.pubs[cam] = cls.node.create_publisher(Image, f'/{cam}/image_raw', 1)
                cls.node.create_subscription(Detection2DArray, f'/detection/{cam}/detections',
                                             cls.received[cam].append, 10)

        @classmethod
        def tearDownClass(cls):
            """Shut rclpy down."""
            cls.node.destroy_node()
            rclpy.shutdown()

        def test_each_camera_gets_its_detections(self):
            """Both cameras' detections arrive with their own frame_id (model load <= 120 s)."""
            deadline = time.monotonic() + 120.0
            while time.monotonic() < deadline and not all(self.received.values()):
                for cam, msg in self.msgs.items():   # every camera, five frames a second
                    msg.header.stamp = self.node.get_clock().now().to_msg()
                    self.pubs[cam].publish(msg)
                end = time.monotonic() + 0.2
                while time.monotonic() < end:
                    rclpy.spin_once(self.node, timeout_sec=0.05)
            for cam in CAMERAS:
                self.assertTrue(self.received[cam], f'nothing on /detection/{cam}/detections')
                self.assertEqual({m.header.frame_id for m in self.received[cam]},
                                 {f'{cam}_optical_frame'})

    return generate_test_description, TestCameras, _exit_codes_test()


generate_test_description, TestCameras, TestShutdown = _make()
